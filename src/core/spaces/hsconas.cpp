// HSCoNAS search space (HSCoNAS section III-B, short version section II):
// 20 searchable layers in 4 stages (4, 4, 8, 4); candidates ShuffleNetV2
// blocks with kernel 3/5/7, the Xception-like ChoiceX block and skip; width
// factors 0.1..1.0 (max-width: up to 4) scale each block's internal channels.
#include "core/spaces/spaces.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/factory.h"
#include "core/spaces/chain.h"
#include "core/strings.h"

namespace hwnas {
namespace {

/// One candidate by name: k3 k5 k7 (ShuffleNetV2 units), x (ChoiceX), skip,
/// or mbKeE (inverted residual, kernel K in 3/5/7, expansion E in 3/6).
OpDef hsconas_op(const std::string& name) {
  //                             name    kind               k  e  se     scalable reshapes
  if (name == "k3") return OpDef{"k3", OpKind::kShuffle, 3, 0, false, true, true};
  if (name == "k5") return OpDef{"k5", OpKind::kShuffle, 5, 0, false, true, true};
  if (name == "k7") return OpDef{"k7", OpKind::kShuffle, 7, 0, false, true, true};
  if (name == "x") return OpDef{"x", OpKind::kShuffleX, 3, 0, false, true, true};
  if (name == "skip") return OpDef{"skip", OpKind::kSkip, 0, 0, false, false, false};
  for (int k : {3, 5, 7})
    for (int e : {3, 6})
      if (name == str_cat("mb", k, "e", e)) return mb_op(k, e);
  HWNAS_CHECK(false, "hsconas: ops: unknown op '", name, "' (k3 k5 k7 x skip mb3e3 mb3e6 mb5e3 mb5e6 mb7e3 mb7e6)");
  return {};
}

}  // namespace

std::unique_ptr<SearchSpace> make_hsconas_space(const std::map<std::string, std::string>& opts) {
  FactoryOptions o("hsconas", opts);
  auto space = std::make_unique<SearchSpace>();
  space->name = "hsconas";
  space->family = "chain";
  const std::string layout = o.get("layout", "small");
  ChainLayout chain;
  chain.depths = {4, 4, 8, 4};
  chain.strides = {1, 2, 2, 2};
  Backbone& bb = space->backbone;
  if (layout == "A" || layout == "B") {
    // ImageNet: 224 -> conv s2 -> max-pool -> 56, as ShuffleNetV2 / SPOS.
    chain.channels = layout == "A" ? std::vector<int>{48, 128, 256, 512}
                                   : std::vector<int>{68, 168, 336, 672};
    bb.in_channels = 3;
    bb.in_size = 224;
    bb.stem_channels = 16;
    bb.stem_stride = 2;
    bb.stem_pool = true;
    bb.head_channels = 1024;
    bb.num_classes = 1000;
  } else if (layout == "small") {
    // 28x28 grey images on a CPU: stem s2 -> 14, stages at 14, 7, 4, 2.
    chain.channels = {32, 64, 128, 256};
    bb.in_channels = 1;
    bb.in_size = 28;
    bb.stem_channels = 16;
    bb.stem_stride = 2;
    bb.stem_pool = false;
    bb.head_channels = 512;
    bb.num_classes = 10;
  } else {
    HWNAS_CHECK(false, "hsconas: unknown layout '", layout, "' (A, B or small)");
  }
  read_chain_options("hsconas", o, &bb, &chain);
  const int n_widths = o.get_int("widths", 10);
  // Factors above 1.0 make blocks wider than ShuffleNetV2's half of the
  // output: HSCoNAS sets the maximum channels S^l "according to the
  // hardware characteristics", and at batch 1 on a CPU width is cheap.
  const double max_width = o.get_double("max-width", 1.0);
  const std::string ops = o.get("ops", "k3/k5/k7/x/skip");
  o.finish();
  HWNAS_CHECK(n_widths >= 1 && n_widths <= 100, "hsconas: widths must be in 1..100");
  HWNAS_CHECK(max_width >= 1.0 / n_widths && max_width <= 4.0, "hsconas: max-width must be in ",
              format_number(1.0 / n_widths), "..4 (got ", format_number(max_width), ")");
  const int n_factors = static_cast<int>(std::lround(max_width * n_widths));
  for (int i = 1; i <= n_factors; ++i) space->width_factors.push_back(static_cast<double>(i) / n_widths);

  // The paper's candidates by default; ops=... picks a subset and may add
  // MobileNetV2 inverted residuals (mbKeE), so that the MobileNetV2 baseline
  // is inside the space the search runs in.
  for (const std::string& name : split(ops, '/')) {
    HWNAS_CHECK(std::none_of(space->ops.begin(), space->ops.end(), [&](const OpDef& d) { return d.name == name; }),
                "hsconas: ops: '", name, "' is listed twice");
    space->ops.push_back(hsconas_op(name));
  }
  const bool any_shuffle = std::any_of(space->ops.begin(), space->ops.end(), [](const OpDef& d) {
    return d.kind == OpKind::kShuffle || d.kind == OpKind::kShuffleX;
  });
  // Beside Choice units an MB block ends with their channel shuffle, so its
  // shortcut leaves channel i where theirs does (nn/blocks.h).
  for (OpDef& d : space->ops) d.shuffle_out = d.kind == OpKind::kMb && any_shuffle;
  HWNAS_CHECK(std::any_of(space->ops.begin(), space->ops.end(), [](const OpDef& d) { return d.reshapes; }),
              "hsconas: ops: '", ops, "' has no op that can change channels or stride (skip alone)");
  build_chain_layers(space.get(), chain);
  return space;
}

}  // namespace hwnas
