// hwnas spaces: the built-in search spaces with their layer tables and sizes.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "core/search_space.h"
#include "core/strings.h"

namespace hwnas {
namespace {

std::string sci(double log10v) {
  const double e = std::floor(log10v);
  return str_cat(format_number(std::round(std::pow(10.0, log10v - e) * 10) / 10), "e", e);
}

void print_space(const SearchSpace& s) {
  std::printf("space %s (%s)\n", s.description.c_str(), s.family.c_str());
  const Backbone& b = s.backbone;
  std::printf("  input %dx%dx%d, stem %d ch stride %d%s, head %d ch, %d classes\n", b.in_channels,
              b.in_size, b.in_size, b.stem_channels, b.stem_stride, b.stem_pool ? " + max-pool" : "",
              b.head_channels, b.num_classes);
  std::vector<std::string> op_names;
  for (const OpDef& o : s.ops) op_names.push_back(o.name);
  std::vector<std::string> widths;
  for (double w : s.width_factors) widths.push_back(format_number(w));
  std::printf("  ops: %s\n  width factors: %s\n", join(op_names, " ").c_str(), join(widths, " ").c_str());
  std::printf("  %5s %5s %5s %5s %6s %9s  %s\n", "layer", "stage", "cin", "cout", "stride", "input",
              "candidates");
  for (int l = 0; l < s.num_layers(); ++l) {
    const LayerSpec& L = s.layers[l];
    std::vector<std::string> cands;
    for (int o : L.ops) cands.push_back(s.ops[o].name);
    std::printf("  %5d %5d %5d %5d %6d %4dx%-4d  %s\n", l + 1, L.stage + 1, L.cin, L.cout, L.stride,
                L.in_h, L.in_w, join(cands, " ").c_str());
  }
  const SpaceSize size = s.size();
  std::printf("  size: %s archs as the papers count (ops x widths per layer); %s distinct valid networks\n\n",
              sci(size.nominal_log10).c_str(), sci(size.distinct_log10).c_str());
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("spaces", "List the built-in search spaces with layer tables and sizes");
  auto* names = new std::vector<std::string>();
  cmd->add_option("space", *names, "Spaces to show, e.g. hsconas:layout=A (default: all built-in)");
  cmd->callback([names] {
    std::vector<std::string> specs = *names;
    if (specs.empty()) {
      for (const auto& [name, help] : list_spaces()) {
        std::printf("%-10s %s\n", name.c_str(), help.c_str());
        specs.push_back(name);
      }
      std::printf("\n");
      specs.push_back("hsconas:layout=A");
      specs.push_back("hsconas:layout=B");
    }
    for (const std::string& spec : specs) print_space(*make_space(spec));
  });
}

}  // namespace
HWNAS_COMMAND(10, setup);
}  // namespace hwnas
