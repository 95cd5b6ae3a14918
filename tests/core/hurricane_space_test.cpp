#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/flops.h"
#include "core/search_space.h"

namespace hwnas {
namespace {

TEST(HurricaneSpace, PoolHas32OpsHalfWithSe) {
  auto s = make_space("hurricane");
  ASSERT_EQ(s->ops.size(), 32u);
  std::set<std::string> names;
  int se = 0, sep = 0, mb = 0, choice = 0, x = 0;
  for (const OpDef& o : s->ops) {
    names.insert(o.name);
    se += o.se;
    sep += o.kind == OpKind::kSep;
    mb += o.kind == OpKind::kMb;
    choice += o.kind == OpKind::kShuffle;
    x += o.kind == OpKind::kShuffleX;
    EXPECT_EQ(o.se, o.name.size() > 3 && o.name.substr(o.name.size() - 3) == "_se") << o.name;
    EXPECT_TRUE(o.reshapes) << o.name;
  }
  EXPECT_EQ(names.size(), 32u);
  EXPECT_EQ(se, 16);
  EXPECT_EQ(sep, 6);
  EXPECT_EQ(mb, 18);
  EXPECT_EQ(choice, 6);
  EXPECT_EQ(x, 2);
  for (const char* n : {"sep3", "sep7_se", "mb3e1", "mb5e6_se", "mb7e3", "k3", "k7_se", "x", "x_se"})
    EXPECT_GE(s->op_index(n), 0) << n;
  const OpDef& mb5e6 = s->ops[s->op_index("mb5e6")];
  EXPECT_EQ(mb5e6.kernel, 5);
  EXPECT_EQ(mb5e6.expand, 6);
  EXPECT_EQ(s->width_factors, std::vector<double>{1.0});  // ops only
}

TEST(HurricaneSpace, PaperLayoutIsTable4) {
  auto s = make_space("hurricane:layout=paper");
  ASSERT_EQ(s->num_layers(), 20);
  EXPECT_EQ(s->backbone.in_size, 224);
  EXPECT_EQ(s->backbone.in_channels, 3);
  EXPECT_EQ(s->backbone.stem_channels, 16);
  EXPECT_EQ(s->backbone.head_channels, 1024);
  EXPECT_EQ(s->backbone.num_classes, 1000);
  // Input shapes of the first layer of each stage: 112x16, 56x64, 28x160, 14x320.
  const int first[] = {0, 4, 8, 16};
  const int in_res[] = {112, 56, 28, 14};
  const int in_c[] = {16, 64, 160, 320};
  const int out_c[] = {64, 160, 320, 640};
  for (int st = 0; st < 4; ++st) {
    const LayerSpec& l = s->layers[first[st]];
    EXPECT_EQ(l.in_h, in_res[st]) << "stage " << st + 1;
    EXPECT_EQ(l.cin, in_c[st]);
    EXPECT_EQ(l.cout, out_c[st]);
    EXPECT_EQ(l.stride, 2);
    EXPECT_EQ(l.stage, st);
  }
  EXPECT_EQ(s->layers[19].out_h(), 7);
  for (const LayerSpec& l : s->layers) EXPECT_EQ(l.ops.size(), 32u);
  // 32^20 candidate architectures (section 3.3).
  EXPECT_NEAR(s->size().nominal_log10, 20 * std::log10(32.0), 1e-9);
  EXPECT_NEAR(s->size().distinct_log10, 20 * std::log10(32.0), 1e-9);
}

TEST(HurricaneSpace, SmallLayoutsFor28And32) {
  auto s28 = make_space("hurricane");
  EXPECT_EQ(s28->backbone.in_channels, 1);
  EXPECT_EQ(s28->layers[0].in_h, 28);
  EXPECT_EQ(s28->layers[4].in_h, 14);
  EXPECT_EQ(s28->layers[8].in_h, 7);
  EXPECT_EQ(s28->layers[16].in_h, 4);
  EXPECT_EQ(s28->layers[19].out_h(), 2);
  auto s32 = make_space("hurricane:layout=small,in_size=32,in_channels=3,classes=100");
  EXPECT_EQ(s32->layers[0].in_h, 32);
  EXPECT_EQ(s32->layers[19].out_h(), 2);
  EXPECT_EQ(s32->backbone.num_classes, 100);
  EXPECT_EQ(s32->backbone.in_channels, 3);
}

TEST(HurricaneSpace, ArchTextIsOpNamesAndRoundTrips) {
  auto s = make_space("hurricane");
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    const Arch a = s->sample(rng);
    const std::string text = s->format(a);
    EXPECT_EQ(text.find('@'), std::string::npos) << text;
    EXPECT_EQ(s->parse(text), a) << text;
  }
  EXPECT_THROW(s->parse("k3"), Error);
  std::string bad = s->format(s->largest());
  bad.replace(0, bad.find(','), "mb4e6");
  EXPECT_THROW(s->parse(bad), Error);
}

TEST(HurricaneSpace, OpSpecsCarryKindKernelExpansionSe) {
  auto s = make_space("hurricane");
  const int l = 5;  // stage 2, stride 1, 80 -> 80
  const Gene mb = {s->op_index("mb7e3_se"), 0};
  const OpSpec spec = s->op_spec(l, mb, 1);
  EXPECT_EQ(spec.key(), "mb-k7-e3-se1-cin80-cout80-mid240-s1-h7w7-b1");
  EXPECT_EQ(s->op_spec(l, {s->op_index("mb3e1"), 0}, 1).mid, 80);
  EXPECT_EQ(s->op_spec(l, {s->op_index("sep5"), 0}, 1).mid, 80);
  EXPECT_EQ(s->op_spec(l, {s->op_index("k5_se"), 0}, 1).mid, 40);
  EXPECT_EQ(s->op_spec(4, {s->op_index("sep5"), 0}, 1).mid, 32);  // first layer: cin 32
}

TEST(HurricaneSpace, EveryOpHasACostAndSeAddsToIt) {
  auto s = make_space("hurricane");
  for (int l = 0; l < s->num_layers(); ++l) {
    for (int o = 0; o < static_cast<int>(s->ops.size()); ++o) {
      const Cost c = op_cost(s->op_spec(l, {o, 0}, 1));
      EXPECT_GT(c.macs, 0) << s->ops[o].name << " at layer " << l + 1;
      if (s->ops[o].se) {
        const int plain = s->op_index(s->ops[o].name.substr(0, s->ops[o].name.size() - 3));
        const Cost p = op_cost(s->op_spec(l, {plain, 0}, 1));
        EXPECT_GT(c.macs, p.macs) << s->ops[o].name;
        EXPECT_GT(c.params, p.params) << s->ops[o].name;
      }
    }
  }
  // MB FLOPs grow with the expansion ratio and kernel.
  auto cost = [&](const char* n) { return op_cost(s->op_spec(9, {s->op_index(n), 0}, 1)).macs; };
  EXPECT_LT(cost("mb3e1"), cost("mb3e3"));
  EXPECT_LT(cost("mb3e3"), cost("mb3e6"));
  EXPECT_LT(cost("mb3e6"), cost("mb7e6"));
  EXPECT_LT(cost("k3"), cost("mb3e6"));
}

TEST(HurricaneSpace, MbAndSepCostsByHand) {
  // MB k3 e6 with SE, 16 -> 16 at 8x8: pw1 16->96, dw3 96, SE 96 (24 hidden), pw2 96->16.
  const Cost mb = op_cost(parse_op_spec("mb-k3-e6-se1-cin16-cout16-mid96-s1-h8w8-b1"));
  EXPECT_EQ(mb.macs, 64 * (16 * 96 + 96 * 9 + 96 * 16) + 2 * 24 * 96);
  EXPECT_EQ(mb.params, (16 * 96 + 192) + (96 * 9 + 192) + (2 * 24 * 96 + 24 + 96) + (96 * 16 + 32));
  // MB e1 has no expansion conv and needs mid == cin.
  const Cost mb1 = op_cost(parse_op_spec("mb-k3-e1-se0-cin16-cout16-mid16-s1-h8w8-b2"));
  EXPECT_EQ(mb1.macs, 2 * 64 * (16 * 9 + 16 * 16));
  EXPECT_THROW(op_cost(parse_op_spec("mb-k3-e1-se0-cin16-cout16-mid8-s1-h8w8-b1")), Error);
  // SEP k5, 8 -> 16, stride 2 (8x8 -> 4x4): dw1 8 (no BN), pw1 8->8 + BN, dw2 8 (no BN), pw2 8->16 + BN.
  const Cost sep = op_cost(parse_op_spec("sep-k5-e0-se0-cin8-cout16-mid8-s2-h8w8-b1"));
  EXPECT_EQ(sep.macs, 16 * (8 * 25 + 8 * 8 + 8 * 25 + 8 * 16));
  EXPECT_EQ(sep.params, 200 + (64 + 16) + 200 + (128 + 32));
  // Choice with SE: SE over the main branch's output (32 -> 64 reshaping: 32 channels).
  const Cost k3 = op_cost(parse_op_spec("shuffle-k3-e0-se0-cin32-cout64-mid32-s2-h8w8-b1"));
  const Cost k3se = op_cost(parse_op_spec("shuffle-k3-e0-se1-cin32-cout64-mid32-s2-h8w8-b1"));
  EXPECT_EQ(k3se.macs - k3.macs, 2 * 8 * 32);
  EXPECT_EQ(k3se.params - k3.params, 2 * 8 * 32 + 8 + 32);
}

TEST(HurricaneSpace, BadOptionsAreRefused) {
  EXPECT_THROW(make_space("hurricane:layout=A"), Error);
  EXPECT_THROW(make_space("hurricane:widths=4"), Error);                 // ops only
  EXPECT_THROW(make_space("hurricane:channels=32/16/64/128"), Error);    // a stage narrows
  EXPECT_THROW(make_space("hurricane:channels=16/80/160/320"), Error);   // keeps 16 at stride 2
  EXPECT_NO_THROW(make_space("hurricane:channels=16/80/160/320,strides=1/2/2/2"));
}

TEST(HurricaneSpace, OpsOptionKeepsASubsetOfThePool) {
  auto s = make_space("hurricane:ops=k3/mb3e1_se/sep5");
  ASSERT_EQ(s->ops.size(), 3u);
  EXPECT_EQ(s->ops[1].name, "mb3e1_se");
  EXPECT_TRUE(s->ops[1].se);
  for (const LayerSpec& l : s->layers) EXPECT_EQ(l.ops.size(), 3u);
  EXPECT_NO_THROW(s->parse("k3,k3,k3,k3,sep5,sep5,sep5,sep5,k3,k3,k3,k3,k3,k3,k3,k3,mb3e1_se,k3,k3,k3"));
  EXPECT_THROW(s->parse("k5,k3,k3,k3,sep5,sep5,sep5,sep5,k3,k3,k3,k3,k3,k3,k3,k3,mb3e1_se,k3,k3,k3"), Error);
  EXPECT_THROW(make_space("hurricane:ops=k3/mb4e1"), Error);
}

}  // namespace
}  // namespace hwnas
