#include "core/search_space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "core/spaces/chain.h"

namespace hwnas {
namespace {

TEST(HsconasSpace, PaperLayoutSizeIs50Pow20) {
  auto s = make_space("hsconas:layout=A");
  ASSERT_EQ(s->num_layers(), 20);
  EXPECT_NEAR(s->size().nominal_log10, 20 * std::log10(50.0), 1e-9);  // 9.5e33
  EXPECT_NEAR(std::pow(10.0, s->size().nominal_log10 - 33), 9.54, 0.01);
  EXPECT_LT(s->size().distinct_log10, s->size().nominal_log10);
}

TEST(HsconasSpace, StagesAndStrides) {
  auto s = make_space("hsconas:layout=B");
  const std::vector<int> first = {0, 4, 8, 16};
  for (int l = 0; l < 20; ++l) {
    const bool stage_start = l == 4 || l == 8 || l == 16;
    EXPECT_EQ(s->layers[l].stride, stage_start ? 2 : 1) << "layer " << l + 1;
  }
  EXPECT_EQ(s->layers[19].cout, 672);
  EXPECT_EQ(s->layers[0].in_h, 56);
  EXPECT_EQ(s->layers[19].in_h, 7);
  // skip only where shapes allow
  const int skip = s->op_index("skip");
  for (int l : first) EXPECT_EQ(std::count(s->layers[l].ops.begin(), s->layers[l].ops.end(), skip), 0);
  EXPECT_EQ(std::count(s->layers[1].ops.begin(), s->layers[1].ops.end(), skip), 1);
}

TEST(HsconasSpace, ArchTextRoundTrips) {
  auto s = make_space("hsconas");
  Rng rng(7);
  for (int i = 0; i < 200; ++i) {
    const Arch a = s->sample(rng);
    const std::string text = s->format(a);
    EXPECT_EQ(s->parse(text), a) << text;
    EXPECT_EQ(s->format(s->parse(text)), text);
  }
}

TEST(HsconasSpace, InvalidArchNamesLayerAndReason) {
  auto s = make_space("hsconas");
  const std::string good = s->format(s->largest());
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    try {
      s->parse(text);
      FAIL() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("k3@1", "has 1 layers");
  std::string bad = good;
  bad.replace(0, 4, "skip");  // layer 1 changes channels: skip cannot
  expect_error(bad, "layer 1");
  expect_error("k9@1" + good.substr(4), "unknown op 'k9'");
  expect_error("k3@0.55" + good.substr(4), "width");
  expect_error("k3" + good.substr(4), "needs a width");
}

TEST(HsconasSpace, SamplerCoversEveryOpAndWidth) {
  auto s = make_space("hsconas");
  Rng rng(1);
  std::set<std::pair<int, int>> seen;  // (op, width) at layer 2 (skip allowed)
  for (int i = 0; i < 3000; ++i) {
    const Gene g = s->sample_gene(1, rng);
    seen.insert({g.op, s->ops[g.op].scalable ? g.width : -1});
  }
  EXPECT_EQ(seen.size(), 4u * 10u + 1u);
}

TEST(HsconasSpace, ShapedSamplesFollowSkipShareWidthAndFavouredOp) {
  auto s = make_space("hsconas");
  Rng rng(3);
  const int k7 = s->op_index("k7");
  int skips_none = 0, skips_half = 0, layers = 0, k7s = 0, others = 0;
  double width = 0;
  for (int i = 0; i < 200; ++i) {
    const Arch a = s->sample_shaped(rng, 0.0, 0.8, k7);
    const Arch b = s->sample_shaped(rng, 0.5, 0.2);
    s->validate(a);
    s->validate(b);
    for (int l = 0; l < s->num_layers(); ++l) {
      skips_none += s->ops[a.genes[l].op].kind == OpKind::kSkip;
      skips_half += s->ops[b.genes[l].op].kind == OpKind::kSkip;
      (a.genes[l].op == k7 ? k7s : others) += 1;
      width += s->width_factors[a.genes[l].width];
      ++layers;
    }
  }
  EXPECT_EQ(skips_none, 0);
  // Layers that allow skip (all but the stride-2 ones) skip about half the time.
  EXPECT_GT(skips_half, 0.35 * layers);
  EXPECT_LT(skips_half, 0.5 * layers);
  EXPECT_NEAR(width / layers, 0.8, 0.05);
  EXPECT_GT(k7s, 2 * others);  // 0.6 + 0.4 / 4 = 70% k7
}

TEST(HsconasSpace, NearestWidthAmongTheAllowed) {
  auto s = make_space("hsconas");
  std::vector<int> all(s->width_factors.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  EXPECT_DOUBLE_EQ(s->width_factors[s->nearest_width(all, 0.33)], 0.3);
  EXPECT_DOUBLE_EQ(s->width_factors[s->nearest_width(all, 7.0)], 1.0);
  EXPECT_DOUBLE_EQ(s->width_factors[s->nearest_width({all[0], all.back()}, 0.4)], s->width_factors[all[0]]);
  EXPECT_THROW(s->nearest_width({}, 0.5), Error);
}

TEST(HsconasSpace, MutationAndCrossoverStayValid) {
  auto s = make_space("hsconas");
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    const Arch a = s->sample(rng), b = s->sample(rng);
    EXPECT_NO_THROW(s->validate(s->mutate(a, 0.25, rng)));
    const Arch c = s->crossover(a, b, 0.5, rng);
    for (int l = 0; l < s->num_layers(); ++l)
      EXPECT_TRUE(c.genes[l] == a.genes[l] || c.genes[l] == b.genes[l]);
  }
  EXPECT_EQ(s->mutate(s->largest(), 0.0, rng), s->largest());
}

TEST(OpSpec, KeyRoundTrips) {
  auto s = make_space("hsconas");
  Rng rng(5);
  const Arch a = s->sample(rng);
  for (int l = 0; l < s->num_layers(); ++l) {
    const OpSpec spec = s->op_spec(l, a.genes[l], 1);
    EXPECT_EQ(parse_op_spec(spec.key()).key(), spec.key());
  }
  EXPECT_THROW(parse_op_spec("shuffle-k3"), Error);
  EXPECT_THROW(parse_op_spec("shuffle-kX-e0-se0-cin1-cout1-mid1-s1-h1w1-b1"), Error);
}

TEST(Factory, UnknownSpaceAndOptionAreRefused) {
  EXPECT_THROW(make_space("nope"), Error);
  EXPECT_THROW(make_space("hsconas:layuot=A"), Error);
  EXPECT_THROW(make_space("hsconas:layout=C"), Error);
}

}  // namespace
}  // namespace hwnas

namespace hwnas {
namespace {

TEST(HsconasSpace, MaxWidthAddsFactorsAboveOne) {
  auto s = make_space("hsconas:max-width=1.5");
  ASSERT_EQ(s->width_factors.size(), 15u);
  EXPECT_DOUBLE_EQ(s->width_factors.front(), 0.1);
  EXPECT_DOUBLE_EQ(s->width_factors.back(), 1.5);
  // A block at 1.5 has 1.5x the internal channels of one at 1.0 (layer 1: 16).
  const int k3 = s->op_index("k3");
  EXPECT_EQ(s->mid_channels(0, Gene{k3, 9}), 16);
  EXPECT_EQ(s->mid_channels(0, Gene{k3, 14}), 24);
  EXPECT_THROW(make_space("hsconas:max-width=5"), Error);
  EXPECT_THROW(make_space("hsconas:max-width=0"), Error);
}

TEST(HsconasSpace, OpsOptionAddsTheMobileNetV2Block) {
  auto s = make_space("hsconas:ops=k3/skip/mb3e6");
  ASSERT_EQ(s->ops.size(), 3u);
  const int mb = s->op_index("mb3e6");
  const OpDef& op = s->ops.at(mb);
  EXPECT_EQ(op.kind, OpKind::kMb);
  EXPECT_EQ(op.expand, 6);
  EXPECT_TRUE(op.shuffle_out);  // beside Choice units
  // Its expansion is what the widths scale: layer 2 has 32 inputs, so 192 at
  // 1.0 and 19 at 0.1, as in the MobileNetV2 baseline space.
  EXPECT_EQ(s->mid_channels(1, Gene{mb, 9}), 192);
  EXPECT_EQ(s->mid_channels(1, Gene{mb, 0}), 19);
  auto base = mobilenetv2_space(*s);
  EXPECT_EQ(base->mid_channels(1, Gene{0, 0}), 19);
  // The MobileNetV2 baseline is an arch of the space.
  std::string uniform;
  for (int l = 0; l < s->num_layers(); ++l) uniform += (l ? "," : "") + std::string("mb3e6@0.1");
  EXPECT_NO_THROW(s->parse(uniform));
  EXPECT_FALSE(make_space("hsconas:ops=mb3e6")->ops.front().shuffle_out);  // no Choice units to match
  EXPECT_THROW(make_space("hsconas:ops=k3/mb9e6"), Error);
  EXPECT_THROW(make_space("hsconas:ops=k3/k3"), Error);
  EXPECT_THROW(make_space("hsconas:ops=skip"), Error);
}

}  // namespace
}  // namespace hwnas

namespace hwnas {
namespace {

// Found by fuzz/fuzz_space.cpp: a width factor listed twice could not be
// told apart in arch text, and absurd sizes hung the builder.
TEST(SpaceSpecs, RefuseDuplicateWidthsAndAbsurdSizes) {
  EXPECT_THROW(make_space("mbv2:widths=1/1"), Error);
  EXPECT_THROW(make_space("domino:depths=1/333333332/1/1/1/1/1"), Error);
  EXPECT_THROW(make_space("hsconas:depths=65/1/1/1"), Error);
  EXPECT_THROW(make_space("hsconas:channels=16/32/48/100000"), Error);
  EXPECT_THROW(make_space("nb201:N=100000"), Error);
  EXPECT_NO_THROW(make_space("mbv2:widths=0.5/1"));
}

// Found by fuzz/fuzz_space.cpp: two factors within 1e-9 of each other read
// back as the later one.
TEST(SpaceSpecs, WidthFactorsCloserThanTheTextToleranceRoundTrip) {
  const auto space = make_space("mobilenetv2-of domino:,head=32,widths=1/8e-19/8.0000005e-20");
  Rng rng(3);
  for (int i = 0; i < 20; ++i) {
    const Arch a = space->canonical(space->sample(rng));
    EXPECT_EQ(space->parse(space->format(a)), a) << space->format(a);
  }
}

}  // namespace
}  // namespace hwnas
