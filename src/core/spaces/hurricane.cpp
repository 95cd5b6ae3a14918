// HURRICANE search space (HURRICANE section 3.3, appendix E Table 4,
// appendix F): 20 searchable layers in 4 stages (4, 4, 8, 4) and a pool of
// 32 candidate operators built from four basic structures:
//   SEP_k      depthwise-separable conv applied twice (DARTS)     sep3 sep5 sep7
//   MB_k_e     MobileNetV2 inverted bottleneck, k 3/5/7, e 1/3/6   mb3e1 ... mb7e6
//   Choice_k   ShuffleNetV2 unit, k 3/5/7                          k3 k5 k7
//   ChoiceX    the Xception-like SPOS unit                         x
// each also with squeeze-and-excitation (reduction 4, hard-swish, after
// MobileNetV3), named with an "_se" suffix: 2 x (3 + 9 + 3 + 1) = 32.
// HURRICANE searches operators only (no channel search), so the space has a
// single width factor 1.0 and arch strings are plain op names. Option
// ops=NAME/NAME/... keeps a subset of the pool (e.g. ops=k3/k5/mb3e3).
#include "core/spaces/spaces.h"

#include <algorithm>

#include "core/error.h"
#include "core/factory.h"
#include "core/spaces/chain.h"
#include "core/strings.h"

namespace hwnas {

std::unique_ptr<SearchSpace> make_hurricane_space(const std::map<std::string, std::string>& opts) {
  FactoryOptions o("hurricane", opts);
  auto space = std::make_unique<SearchSpace>();
  space->name = "hurricane";
  space->family = "chain";
  const std::string layout = o.get("layout", "small");
  const std::string only = o.get("ops", "");  // a subset of the pool, e.g. ops=k3/k5/mb3e3
  ChainLayout chain;
  chain.depths = {4, 4, 8, 4};
  chain.strides = {2, 2, 2, 2};
  Backbone& bb = space->backbone;
  if (layout == "paper") {
    // Table 4: 224x224x3 -> 3x3 conv 16 s2 -> 112; TBS stages 64, 160, 320,
    // 640 (each starting with stride 2: 56, 28, 14, 7); 1x1 conv 1024, GAP, fc.
    chain.channels = {64, 160, 320, 640};
    bb.in_channels = 3;
    bb.in_size = 224;
    bb.stem_channels = 16;
    bb.stem_stride = 2;
    bb.stem_pool = false;
    bb.head_channels = 1024;
    bb.num_classes = 1000;
  } else if (layout == "small") {
    // Small inputs (28x28 Fashion-MNIST, 32x32 CIFAR): the stem keeps the
    // resolution (stride 1) and the four stride-2 stages run at 14, 7, 4, 2
    // (16, 8, 4, 2 for 32x32); Table 4's channels halved for CPU training,
    // head conv kept at 1.6x the last stage as in Table 4 (1024 / 640).
    chain.channels = {32, 80, 160, 320};
    bb.in_channels = 1;
    bb.in_size = 28;
    bb.stem_channels = 16;
    bb.stem_stride = 1;
    bb.stem_pool = false;
    bb.head_channels = 512;
    bb.num_classes = 10;
  } else {
    HWNAS_CHECK(false, "hurricane: unknown layout '", layout, "' (paper or small)");
  }
  read_chain_options("hurricane", o, &bb, &chain);
  o.finish();
  // Choice blocks that reshape keep the input beside a branch producing
  // cout - cin channels, so every stage must widen or keep its input.
  int prev = bb.stem_channels;
  for (size_t st = 0; st < chain.channels.size(); ++st) {
    HWNAS_CHECK(chain.channels[st] >= prev, "hurricane: stage ", st + 1, " has ",
                chain.channels[st], " channels, fewer than its input ", prev,
                " (Choice blocks cannot narrow)");
    HWNAS_CHECK(chain.channels[st] > prev || (st < chain.strides.size() && chain.strides[st] == 1),
                "hurricane: stage ", st + 1, " keeps ", prev,
                " channels at stride 2; Choice blocks need more output than input channels there");
    prev = chain.channels[st];
  }
  space->width_factors = {1.0};

  // The pool in the paper's order (section 3.3, last paragraph).
  auto add = [&](const std::string& name, OpKind kind, int k, int e, bool se) {
    OpDef d;
    d.name = se ? name + "_se" : name;
    d.kind = kind;
    d.kernel = k;
    d.expand = e;
    d.se = se;
    // MB with e = 1 has no expansion conv (MobileNetV2), so nothing to scale.
    d.scalable = !(kind == OpKind::kMb && e == 1);
    d.reshapes = true;
    d.shuffle_out = kind == OpKind::kMb || kind == OpKind::kSep;
    space->ops.push_back(d);
  };
  for (bool se : {false, true})
    for (int k : {3, 5, 7}) add(str_cat("sep", k), OpKind::kSep, k, 0, se);
  for (bool se : {false, true})
    for (int k : {3, 5, 7})
      for (int e : {1, 3, 6}) add(str_cat("mb", k, "e", e), OpKind::kMb, k, e, se);
  for (bool se : {false, true})
    for (int k : {3, 5, 7}) add(str_cat("k", k), OpKind::kShuffle, k, 0, se);
  for (bool se : {false, true}) add("x", OpKind::kShuffleX, 3, 0, se);
  HWNAS_ASSERT(space->ops.size() == 32);
  if (!only.empty()) {
    std::vector<OpDef> kept;
    for (const std::string& name : split(only, '/')) {
      auto it = std::find_if(space->ops.begin(), space->ops.end(), [&](const OpDef& d) { return d.name == name; });
      HWNAS_CHECK(it != space->ops.end(), "hurricane: ops: no op '", name, "' in the pool");
      for (const OpDef& k : kept) HWNAS_CHECK(k.name != name, "hurricane: ops: '", name, "' is listed twice");
      kept.push_back(*it);
    }
    space->ops = kept;
  }
  build_chain_layers(space.get(), chain);
  return space;
}

}  // namespace hwnas
