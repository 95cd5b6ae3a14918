// hwnas export: a trained stand-alone network as an ONNX model, checked on
// OpenCV DNN against LibTorch; `--info` reads a model back.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/io.h"
#include "nn/network.h"
#include "run/export_stage.h"
#include "run/run_dir.h"

namespace hwnas {
namespace {

struct Args {
  CommonOptions common;
  std::string arch;
  std::string weights = "final.pt";
  std::string out;
  std::string info;
  int images = 1000;
};

void print_info(const std::string& path) {
  const OnnxSummary s = summarize_onnx(read_file(path), path);
  std::string shape;
  for (int64_t d : s.input_shape) shape += (shape.empty() ? "" : ", ") + (d < 0 ? std::string("N") : std::to_string(d));
  std::printf("%s: opset %d, input %s [%s], output %s, %d nodes, %lld parameters (checker passed)\n", path.c_str(),
              s.opset, s.input.c_str(), shape.c_str(), s.output.c_str(), s.nodes, static_cast<long long>(s.parameters));
  for (const auto& [op, n] : s.op_counts) std::printf("  %-20s %d\n", op.c_str(), n);
  for (const auto& [k, v] : s.metadata) std::printf("  %s = %s\n", k.c_str(), v.c_str());
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a trained network as an ONNX model and check it on OpenCV DNN");
  auto* a = new Args();
  add_common_options(cmd, &a->common);
  cmd->add_option("--arch", a->arch, "Arch text (default: best.json's arch and space in --run-dir)");
  cmd->add_option("--weights", a->weights, "Trained stand-alone weights, in --run-dir unless a path with '/'")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "ONNX file to write (default: the weights' name with .onnx)");
  cmd->add_option("--check-images", a->images, "Test images on which OpenCV DNN is compared with LibTorch (0 = none)")
      ->capture_default_str();
  cmd->add_option("--info", a->info, "Only read this ONNX model back: opset, shapes, ops, metadata");
  cmd->callback([a] {
    if (!a->info.empty()) return print_info(a->info);
    HWNAS_CHECK(a->images >= 0, "--check-images must be >= 0, got ", a->images);
    CommonOptions common = a->common;
    std::string arch_text = a->arch;
    if (arch_text.empty()) {
      const std::string best = common.run_dir + "/best.json";
      HWNAS_CHECK(file_exists(best), "no --arch given and no ", best, " to take the pick from");
      const nlohmann::json b = nlohmann::json::parse(read_file(best), nullptr, false);
      HWNAS_CHECK(b.is_object() && b.contains("arch") && b["arch"].is_string() && b.contains("space") &&
                      b["space"].is_string(),
                  best, " has no \"arch\" and \"space\" strings");
      arch_text = b["arch"].get<std::string>();
      common.space = b["space"].get<std::string>();
    }
    auto ws = open_workspace(common);
    const Arch arch = ws->space->parse(arch_text);
    const std::string weights = a->weights.find('/') == std::string::npos ? ws->run->file(a->weights) : a->weights;
    std::string out = a->out;
    if (out.empty()) {
      out = weights;
      if (out.size() > 3 && out.compare(out.size() - 3, 3, ".pt") == 0) out.resize(out.size() - 3);
      out += ".onnx";
    }
    std::shared_ptr<NetworkImpl> net = make_network(*ws->space, arch);
    load_module(*net, weights);
    const ExportCheck c = export_and_check(*net, *ws->space, arch, *ws, out, a->images);
    print_info(out);
    if (c.images > 0)
      std::printf("OpenCV DNN against LibTorch on %d test images: max |logit diff| %.2g, top-1 agreement %.2f%%\n",
                  c.images, c.max_abs_diff, 100 * c.top1_agreement);
  });
}

}  // namespace
HWNAS_COMMAND(42, setup);
}  // namespace hwnas
