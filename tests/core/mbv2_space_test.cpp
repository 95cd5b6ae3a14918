// The SurgeNAS / LightNAS layer-wise MobileNetV2 space.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/flops.h"
#include "core/search_space.h"
#include "core/spaces/chain.h"

namespace hwnas {
namespace {

TEST(Mbv2Space, HasSevenOpsOnEveryOneOfItsTwentyOneLayers) {
  for (const char* spec : {"mbv2", "mbv2:layout=paper"}) {
    const auto s = make_space(spec);
    EXPECT_EQ(s->num_layers(), 21) << spec;
    EXPECT_EQ(s->ops.size(), 7u);
    for (const LayerSpec& l : s->layers) EXPECT_EQ(l.ops.size(), 7u);
    EXPECT_NEAR(s->size().nominal_log10, 21 * std::log10(7.0), 1e-9);
  }
  const auto paper = make_space("mbv2:layout=paper");
  EXPECT_EQ(paper->backbone.in_size, 224);
  EXPECT_EQ(paper->layers.front().cin, 16);
  EXPECT_EQ(paper->layers.back().cout, 384);
  EXPECT_EQ(paper->layers.back().out_h(), 7);
}

TEST(Mbv2Space, SkipCostsAProjectionOnlyWhereTheShapeChanges) {
  const auto s = make_space("mbv2");
  const int skip = s->op_index("skip");
  for (int l = 0; l < s->num_layers(); ++l) {
    const LayerSpec& L = s->layers[l];
    const int64_t macs = op_cost(s->op_spec(l, Gene{skip, 0}, 1)).macs;
    if (L.cin == L.cout && L.stride == 1)
      EXPECT_EQ(macs, 0) << "layer " << l + 1;
    else
      EXPECT_GT(macs, 0) << "layer " << l + 1;
  }
}

TEST(Mbv2Space, WidthScaledMobileNetV2BaselinesRoundTripThroughTheirDescription) {
  const auto s = make_space("mbv2");
  const auto base = mobilenetv2_space(*s, {0.5, 1.0});
  EXPECT_EQ(base->width_factors, (std::vector<double>{0.5, 1.0}));
  const auto again = make_space(base->description);
  EXPECT_EQ(again->description, base->description);
  EXPECT_EQ(again->width_factors, base->width_factors);
  EXPECT_THROW(make_space("mobilenetv2-of widths=0.5"), Error);
  EXPECT_THROW(make_space("mbv2:layout=huge"), Error);
  EXPECT_THROW(make_space("mbv2:widths=0"), Error);
}

// Domino's space: the same layout's MobileNetV2 with a graft bit per block.
TEST(DominoSpace, AGraftMaskOverTheTwentyOneBlocks) {
  const auto s = make_space("domino");
  EXPECT_EQ(s->num_layers(), 21);
  ASSERT_EQ(s->ops.size(), 2u);
  EXPECT_EQ(s->ops[0].name, "mb3e6");
  EXPECT_EQ(s->ops[1].name, "g3e6");
  EXPECT_EQ(s->ops[1].kind, OpKind::kMbGraft);
  EXPECT_NEAR(s->size().nominal_log10, 21 * std::log10(2.0), 1e-9);
  const auto mbv2 = make_space("mbv2");
  for (int l = 0; l < 21; ++l) {
    EXPECT_EQ(s->layers[l].cin, mbv2->layers[l].cin);
    EXPECT_EQ(s->layers[l].ops.size(), 2u);
  }
  // Grafted and kept blocks cost the same as trained (the fold is the target's).
  const Gene kept{0, 0}, grafted{1, 0};
  EXPECT_EQ(op_cost(s->op_spec(3, kept, 1)).macs, op_cost(s->op_spec(3, grafted, 1)).macs);
  EXPECT_NE(s->op_spec(3, kept, 1).key(), s->op_spec(3, grafted, 1).key());
  EXPECT_EQ(make_space("domino:kernel=5,expand=3,widths=1/2")->ops[1].name, "g5e3");
  EXPECT_THROW(make_space("domino:expand=1"), Error);
  EXPECT_THROW(make_space("domino:kernel=4"), Error);
}

}  // namespace
}  // namespace hwnas
