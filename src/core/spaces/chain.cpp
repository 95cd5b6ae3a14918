#include "core/spaces/chain.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

void build_chain_layers(SearchSpace* space, const ChainLayout& layout) {
  HWNAS_CHECK(layout.channels.size() == layout.depths.size() &&
                  layout.channels.size() == layout.strides.size(),
              space->name, ": channels, depths and strides need one entry per stage");
  // Bounds any device could build (the profiler's limits); beyond them a
  // spec is a mistake, and building it would exhaust memory first.
  int total = 0;
  for (size_t st = 0; st < layout.depths.size(); ++st) {
    HWNAS_CHECK(layout.depths[st] >= 0 && layout.depths[st] <= 64, space->name, ": stage depths must be in 0..64, got ",
                layout.depths[st]);
    HWNAS_CHECK(layout.channels[st] >= 2 && layout.channels[st] <= 8192, space->name,
                ": stage channels must be in 2..8192, got ", layout.channels[st]);
    HWNAS_CHECK(layout.strides[st] >= 1 && layout.strides[st] <= 4, space->name, ": strides must be in 1..4, got ",
                layout.strides[st]);
    total += layout.depths[st];
  }
  HWNAS_CHECK(total <= 256, space->name, ": at most 256 layers, got ", total);
  std::vector<int> all_widths;
  for (size_t i = 0; i < space->width_factors.size(); ++i) all_widths.push_back(static_cast<int>(i));
  if (all_widths.empty()) all_widths.push_back(0);
  int c = space->backbone.stem_channels;
  int res = space->backbone.stem_out_size();
  space->layers.clear();
  for (size_t st = 0; st < layout.channels.size(); ++st) {
    HWNAS_CHECK(layout.channels[st] % 2 == 0, space->name, ": stage channels must be even, got ",
                layout.channels[st]);
    for (int d = 0; d < layout.depths[st]; ++d) {
      LayerSpec l;
      l.cin = c;
      l.cout = layout.channels[st];
      l.stride = d == 0 ? layout.strides[st] : 1;
      l.in_h = l.in_w = res;
      l.stage = static_cast<int>(st);
      for (size_t o = 0; o < space->ops.size(); ++o)
        if (space->ops[o].reshapes || (l.cin == l.cout && l.stride == 1))
          l.ops.push_back(static_cast<int>(o));
      l.widths = all_widths;
      space->layers.push_back(l);
      c = l.cout;
      res = l.out_h();
    }
  }
}

void read_chain_options(const std::string& owner, FactoryOptions& o, Backbone* bb, ChainLayout* chain) {
  chain->channels = o.get_ints("channels", chain->channels);
  chain->depths = o.get_ints("depths", chain->depths);
  chain->strides = o.get_ints("strides", chain->strides);
  bb->in_channels = o.get_int("in_channels", bb->in_channels);
  bb->in_size = o.get_int("in_size", bb->in_size);
  bb->stem_channels = o.get_int("stem", bb->stem_channels);
  bb->stem_stride = o.get_int("stem_stride", bb->stem_stride);
  bb->head_channels = o.get_int("head", bb->head_channels);
  bb->num_classes = o.get_int("classes", bb->num_classes);
  HWNAS_CHECK(bb->in_channels >= 1, owner, ": in_channels must be >= 1, got ", bb->in_channels);
  HWNAS_CHECK(bb->in_channels <= 64, owner, ": in_channels must be at most 64, got ", bb->in_channels);
  HWNAS_CHECK(bb->in_size >= 1 && bb->in_size <= 2048, owner, ": in_size must be in 1..2048, got ", bb->in_size);
  HWNAS_CHECK(bb->stem_channels >= 2 && bb->stem_channels <= 8192 && bb->stem_channels % 2 == 0, owner,
              ": stem channels must be even and in 2..8192, got ", bb->stem_channels);
  HWNAS_CHECK(bb->stem_stride >= 1 && bb->stem_stride <= 4, owner, ": stem_stride must be in 1..4, got ", bb->stem_stride);
  HWNAS_CHECK(bb->head_channels >= 0 && bb->head_channels <= 8192, owner, ": head must be in 0..8192, got ",
              bb->head_channels);
  HWNAS_CHECK(bb->num_classes >= 2 && bb->num_classes <= 100000, owner, ": classes must be in 2..100000, got ",
              bb->num_classes);
}

OpDef mb_op(int k, int e) {
  //           name                      kind         k  e  se     scalable reshapes
  return OpDef{str_cat("mb", k, "e", e), OpKind::kMb, k, e, false, true, true};
}

std::vector<double> read_width_factors(const std::string& owner, FactoryOptions& o) {
  const std::vector<double> widths = o.get_doubles("widths", {1.0});
  HWNAS_CHECK(!widths.empty(), owner, ": widths needs at least one factor");
  for (size_t i = 0; i < widths.size(); ++i) {
    HWNAS_CHECK(widths[i] > 0 && widths[i] <= 4, owner, ": width factors must be in (0, 4], got ",
                format_number(widths[i]));
    // An arch names its widths by value: a factor listed twice could not be told apart.
    for (size_t j = 0; j < i; ++j)
      HWNAS_CHECK(widths[j] != widths[i], owner, ": width factor ", format_number(widths[i]), " is listed twice");
  }
  return widths;
}

OpDef graft_op(int k, int e) {
  return OpDef{str_cat("g", k, "e", e), OpKind::kMbGraft, k, e, false, true, true};
}

std::unique_ptr<SearchSpace> mobilenetv2_space(const SearchSpace& like, const std::vector<double>& widths) {
  HWNAS_CHECK(like.family == "chain", "space ", like.name, " has no MobileNetV2 baseline");
  std::unique_ptr<SearchSpace> s = like.clone();
  s->name = "mobilenetv2";
  std::vector<std::string> added;
  for (double w : widths)
    if (std::find(s->width_factors.begin(), s->width_factors.end(), w) == s->width_factors.end()) {
      HWNAS_CHECK(w > 0 && w <= 4, "MobileNetV2 width factors must be in (0, 4], got ", format_number(w));
      s->width_factors.push_back(w);
      added.push_back(format_number(w));
    }
  std::sort(s->width_factors.begin(), s->width_factors.end());
  s->description = kMobilenetv2Of + (added.empty() ? "" : "widths=" + join(added, "/") + " ") + like.description;
  s->ops = {mb_op(3, 6)};
  std::vector<int> all(s->width_factors.size());
  std::iota(all.begin(), all.end(), 0);
  for (LayerSpec& l : s->layers) {
    l.ops = {0};
    l.widths = all;
  }
  return s;
}

}  // namespace hwnas
