#include "core/flops.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/search_space.h"

namespace hwnas {
namespace {

// Hand counts for the small hsconas layout (28x28x1 input, stem 16 ch
// stride 2 -> 14x14, stages 32/64/128/256, head 512, 10 classes).

TEST(Flops, ReshapingShuffleBlockByHand) {
  auto space = make_space("hsconas");
  // Layer 1: 16 -> 32 channels at 14x14, stride 1: projection branch + main
  // branch 16 -> 16; width 1.0 gives mid = 16.
  const OpSpec s = space->op_spec(0, Gene{space->op_index("k3"), 9}, 1);
  ASSERT_EQ(s.key(), "shuffle-k3-e0-se0-cin16-cout32-mid16-s1-h14w14-b1");
  const Cost c = op_cost(s);
  const int64_t pw = 16 * 16 * 196, dw = 16 * 9 * 196;  // 1x1 16->16, 3x3 depthwise 16
  EXPECT_EQ(c.macs, 3 * pw + 2 * dw);                    // pw1, pw2, proj pw; dw, proj dw
  EXPECT_EQ(c.params, 3 * (256 + 32) + 2 * (144 + 32));  // weights + BN weight/bias
}

TEST(Flops, SplitShuffleBlockUsesHalfTheChannels) {
  OpSpec s = parse_op_spec("shuffle-k5-e0-se0-cin64-cout64-mid8-s1-h7w7-b2");
  const Cost c = op_cost(s);
  // in = out = 32: pw1 32->8, dw5 8, pw2 8->32, all at 7x7, batch 2.
  EXPECT_EQ(c.macs, 2 * 49 * (32 * 8 + 8 * 25 + 8 * 32));
  EXPECT_EQ(c.params, (32 * 8 + 16) + (8 * 25 + 16) + (8 * 32 + 64));
}

TEST(Flops, ChoiceXStridedBlock) {
  OpSpec s = parse_op_spec("shufflex-k3-e0-se0-cin32-cout64-mid4-s2-h14w14-b1");
  const Cost c = op_cost(s);
  const int64_t hw = 7 * 7;  // everything runs at the output resolution
  const int64_t main = 32 * 9 + 32 * 4 + 4 * 9 + 4 * 4 + 4 * 9 + 4 * 32;
  const int64_t proj = 32 * 9 + 32 * 32;
  EXPECT_EQ(c.macs, hw * (main + proj));
  EXPECT_EQ(c.params, main + proj + 2 * (32 + 4 + 4 + 4 + 4 + 32) + 2 * (32 + 32));
}

TEST(Flops, StemHeadSkipAndArchSum) {
  auto space = make_space("hsconas");
  const OpSpec stem = stem_op_spec(*space, 1), head = head_op_spec(*space, 1);
  EXPECT_EQ(stem.key(), "stem-k3-e0-se0-cin1-cout16-mid0-s2-h28w28-b1");
  EXPECT_EQ(head.key(), "head-k1-e0-se0-cin256-cout10-mid512-s1-h2w2-b1");
  EXPECT_EQ(op_cost(stem).macs, 16 * 9 * 196);
  EXPECT_EQ(op_cost(stem).params, 16 * 9 + 32);
  EXPECT_EQ(op_cost(head).macs, 512 * 256 * 4 + 512 * 10);
  EXPECT_EQ(op_cost(head).params, 512 * 256 + 1024 + 512 * 10 + 10);
  EXPECT_EQ(op_cost(parse_op_spec("skip-k0-e0-se0-cin64-cout64-mid0-s1-h7w7-b1")).macs, 0);

  Rng rng(3);
  const Arch a = space->sample(rng);
  const std::vector<OpSpec> specs = network_op_specs(*space, a, 1);
  ASSERT_EQ(specs.size(), static_cast<size_t>(space->num_layers() + 2));
  Cost sum;
  for (const OpSpec& s : specs) sum += op_cost(s);
  EXPECT_EQ(arch_cost(*space, a).macs, sum.macs);
  EXPECT_EQ(arch_cost(*space, a, 4).macs, 4 * sum.macs);  // MACs scale with the batch,
  EXPECT_EQ(arch_cost(*space, a, 4).params, sum.params);  // parameters do not
}

TEST(Flops, WiderArchCostsMore) {
  auto space = make_space("hsconas");
  Arch narrow = space->largest(space->op_index("k3")), wide = narrow;
  for (Gene& g : narrow.genes) g.width = 0;
  EXPECT_LT(arch_cost(*space, narrow).macs, arch_cost(*space, wide).macs);
  EXPECT_LT(arch_cost(*space, narrow).params, arch_cost(*space, wide).params);
}

TEST(Flops, HurricaneBlocksWithSqueezeExcitation) {
  // MB k5 e3 with SE, 16 -> 24 at 8x8, stride 2: pw1 16->48 at 8x8, dw5 48
  // at 4x4, SE(48: 48->12->48), pw2 48->24 at 4x4.
  const Cost mb = op_cost(parse_op_spec("mb-k5-e3-se1-cin16-cout24-mid48-s2-h8w8-b1"));
  EXPECT_EQ(mb.macs, 64 * 16 * 48 + 16 * 48 * 25 + 2 * 48 * 12 + 16 * 48 * 24);
  EXPECT_EQ(mb.params, (16 * 48 + 96) + (48 * 25 + 96) + (2 * 48 * 12 + 12 + 48) + (48 * 24 + 48));
  // MB with e = 1 has no expansion conv.
  const Cost mb1 = op_cost(parse_op_spec("mb-k3-e1-se0-cin16-cout16-mid16-s1-h4w4-b1"));
  EXPECT_EQ(mb1.macs, 16 * (16 * 9 + 16 * 16));
  // SEP k3, 8 -> 8 at 4x4: dw, pw 8->8 + BN, dw, pw 8->8 + BN, all at 4x4.
  const Cost sep = op_cost(parse_op_spec("sep-k3-e0-se0-cin8-cout8-mid8-s1-h4w4-b1"));
  EXPECT_EQ(sep.macs, 16 * 2 * (8 * 9 + 8 * 8));
  EXPECT_EQ(sep.params, 2 * (8 * 9 + 8 * 8 + 16));
  // SE on a shuffle block acts on the main branch's output (16 channels here).
  const Cost plain = op_cost(parse_op_spec("shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h4w4-b1"));
  const Cost se = op_cost(parse_op_spec("shuffle-k3-e0-se1-cin32-cout32-mid8-s1-h4w4-b1"));
  EXPECT_EQ(se.macs - plain.macs, 2 * 16 * 4);
  EXPECT_EQ(se.params - plain.params, 2 * 16 * 4 + 4 + 16);
}

TEST(Flops, KindsWithoutACountAreRefused) {
  EXPECT_THROW(parse_op_spec("mystery-k3-e0-se0-cin8-cout8-mid8-s1-h4w4-b1"), Error);
  // NB201's edges are not counted per op.
  EXPECT_THROW(op_cost(parse_op_spec("nor_conv-k3-e0-se0-cin8-cout8-mid0-s1-h4w4-b1")), Error);
}

}  // namespace
}  // namespace hwnas
