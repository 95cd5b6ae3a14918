// The layer-wise MobileNetV2 space of SurgeNAS and LightNAS (thesis Table
// 3.1, section 4.2): 21 searchable layers, each one of MBK3E3, MBK3E6,
// MBK5E3, MBK5E6, MBK7E3, MBK7E6 or skip, so 7^21 archs. Skip is the
// identity where a layer keeps its shape and a 1x1 conv + BN + ReLU6 where
// it changes it (OpKind::kMbSkip), so every op is allowed at every layer,
// which the differentiable search's ordered sampler relies on.
//
// layout=paper is the LightNAS code's 224x224 ImageNet layout (stem 3x3 s2
// -> 16, the 21 layers 16->24 s2, 24 | ->48 s2, 48, 48 | ->72 s2, 72 x3 |
// ->128, 128 x2 | ->160 s2, 160 x3 | ->176, 176 x3 | ->384, head 1x1 ->
// 1984). Two parts of that code are left out because every chain space
// shares one stem and one head: its fixed MBK3E1 16->16 layer after the stem
// and its extra 1984->1280 fully connected layer. layout=small keeps the 21
// layers and the stage pattern for 28x28 grey images on a CPU.
//
// The width factors (widths=1 by default) scale each MB op's expansion
// channels: LightNAS's second stage searches a width multiplier per layer
// (0.5 .. 2.0), which here scales the inner channels and keeps the stage
// channels fixed, as HSCoNAS's channel scaling does.
#include "core/spaces/spaces.h"

#include "core/error.h"
#include "core/factory.h"
#include "core/spaces/chain.h"
#include "core/strings.h"

namespace hwnas {

void read_mbv2_layout(const std::string& owner, FactoryOptions& o, Backbone* bb, ChainLayout* chain) {
  const std::string layout = o.get("layout", "small");
  chain->depths = {2, 3, 4, 3, 4, 4, 1};
  bb->stem_channels = 16;
  bb->stem_stride = 2;
  if (layout == "paper") {
    chain->channels = {24, 48, 72, 128, 160, 176, 384};
    chain->strides = {2, 2, 2, 1, 2, 1, 1};
    bb->in_channels = 3;
    bb->in_size = 224;
    bb->head_channels = 1984;
    bb->num_classes = 1000;
  } else if (layout == "small") {
    // 28 -> stem s2 -> 14, then stages at 14, 7, 4, 4, 2, 2, 2, with about
    // two thirds of the paper's channels: the cheapest of the layouts tried
    // on a 2-core CPU (median arch 3.3 ms at batch 1; the paper's channels
    // 9.2 ms), because the search trains 8 paths a step. The last 9 layers
    // run on 2x2 maps, where a 5x5 or 7x7 depthwise kernel sees the whole map.
    chain->channels = {16, 24, 32, 48, 64, 96, 160};
    chain->strides = {1, 2, 2, 1, 2, 1, 1};
    bb->in_channels = 1;
    bb->in_size = 28;
    bb->head_channels = 512;
    bb->num_classes = 10;
  } else {
    HWNAS_CHECK(false, owner, ": unknown layout '", layout, "' (small or paper)");
  }
  read_chain_options(owner, o, bb, chain);
}

std::unique_ptr<SearchSpace> make_mbv2_space(const std::map<std::string, std::string>& opts) {
  FactoryOptions o("mbv2", opts);
  auto space = std::make_unique<SearchSpace>();
  space->name = "mbv2";
  space->family = "chain";
  ChainLayout chain;
  read_mbv2_layout("mbv2", o, &space->backbone, &chain);
  space->width_factors = read_width_factors("mbv2", o);
  o.finish();
  for (int k : {3, 5, 7})
    for (int e : {3, 6}) space->ops.push_back(mb_op(k, e));
  //                        name    kind              k  e  se     scalable reshapes
  space->ops.push_back(OpDef{"skip", OpKind::kMbSkip, 0, 0, false, false, true});
  build_chain_layers(space.get(), chain);
  return space;
}

}  // namespace hwnas
