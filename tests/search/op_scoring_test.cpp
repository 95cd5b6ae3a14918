#include "search/op_scoring.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/flops.h"

namespace hwnas {
namespace {

/// A hand-made latency table: listed ops get their ms, every other op is
/// slower, 10 ms + its index in the pool (so the tail order is known too).
OpLatencyFn table(const SearchSpace& space, const std::map<std::string, double>& ms) {
  return [&space, ms](const OpSpec& s) {
    for (size_t o = 0; o < space.ops.size(); ++o) {
      const OpDef& d = space.ops[o];
      if (d.kind != s.kind || d.kernel != s.kernel || d.expand != s.expand || d.se != s.se) continue;
      auto it = ms.find(d.name);
      return it != ms.end() ? it->second : 10.0 + static_cast<double>(o);
    }
    ADD_FAILURE() << "no op for " << s.key();
    return 1.0;
  };
}

std::vector<std::string> names(const SearchSpace& space, const std::vector<int>& ops) {
  std::vector<std::string> out;
  for (int o : ops) out.push_back(space.ops[o].name);
  return out;
}

TEST(OpScoring, Eq4) {
  EXPECT_DOUBLE_EQ(operator_score(100, 10, 2, 0, 1), 0.5);          // alpha = 0: 1 / latency
  EXPECT_DOUBLE_EQ(operator_score(100, 10, 2, 1, 1), 500);          // 100 * 10 / 2
  EXPECT_DOUBLE_EQ(operator_score(100, 100, 2, 0.5, 2), 500);       // (100 * 100^2)^0.5 / 2
  EXPECT_DOUBLE_EQ(operator_score(100, 100, 4, 1, 0), 25);          // beta = 0: FLOPs only
  EXPECT_THROW(operator_score(1, 1, 0, 0, 1), Error);
}

TEST(OpScoring, TopFourByLatencyAndAnExploringOpInTheLastFourLayers) {
  auto space = make_space("hurricane");
  const OpScoring s = score_operators(
      *space, table(*space, {{"x", 0.5}, {"k3", 1}, {"mb3e1", 2}, {"sep3", 3}, {"k3_se", 4}}));
  ASSERT_EQ(s.layers.size(), 20u);
  // The tail is pool order (10 + index); rank e = 10 is the 6th op of the tail
  // after the 5 listed ones.
  std::vector<std::string> tail;
  for (const OpDef& d : space->ops)
    if (d.name != "x" && d.name != "k3" && d.name != "mb3e1" && d.name != "sep3" && d.name != "k3_se")
      tail.push_back(d.name);
  for (int l = 0; l < 20; ++l) {
    const std::vector<std::string> kept = names(*space, s.layers[l].kept);
    if (l < 16) {
      EXPECT_EQ(kept, (std::vector<std::string>{"x", "k3", "mb3e1", "sep3"})) << "layer " << l + 1;
      EXPECT_EQ(s.layers[l].explore, -1);
    } else {
      EXPECT_EQ(kept, (std::vector<std::string>{"x", "k3", "mb3e1", "sep3", tail[10 - 5]})) << "layer " << l + 1;
      EXPECT_EQ(space->ops[s.layers[l].explore].name, tail[5]);
    }
    EXPECT_EQ(s.layers[l].ranked.size(), 32u);
    EXPECT_DOUBLE_EQ(s.layers[l].ranked[0].score, 2.0);  // 1 / 0.5 ms
  }
  // A* and the initial winner (Algorithm 1 line 6).
  const auto reduced = s.reduced_space(*space);
  EXPECT_EQ(reduced->layers[0].ops.size(), 4u);
  EXPECT_EQ(reduced->layers[19].ops.size(), 5u);
  EXPECT_EQ(space->format(s.initial_arch(*space)), "x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x");
  // Table 1: one row per stage here, the exploring op marked.
  const std::string t1 = format_op_table(*space, s, "toy");
  EXPECT_NE(t1.find("| 14x14x32 | 1-4 | x, k3, mb3e1, sep3 |"), std::string::npos) << t1;
  EXPECT_NE(t1.find("| 2x2x320 | 17-20 | x, k3, mb3e1, sep3, +" + tail[5] + " |"), std::string::npos) << t1;
  const nlohmann::json j = s.to_json(*space);
  EXPECT_EQ(j["layers"][19]["explore"], tail[5]);
  EXPECT_EQ(j["layers"][0]["ranked"][0]["op"], "x");
  EXPECT_EQ(j["layers"][0]["kept"].size(), 4u);
}

TEST(OpScoring, LayerContextDecides) {
  // Latency depends on the context: at 7x7 and below, MB ops become cheap.
  auto space = make_space("hurricane");
  OpLatencyFn ms = [](const OpSpec& s) {
    if (s.kind == OpKind::kMb && s.h <= 7) return 0.1 * s.kernel + 0.01 * s.expand + (s.se ? 0.045 : 0);
    if (s.kind == OpKind::kShuffle) return 1.0 + 0.1 * s.kernel + (s.se ? 0.045 : 0);
    return 5.0 + s.kernel;
  };
  const OpScoring s = score_operators(*space, ms);
  EXPECT_EQ(names(*space, s.layers[0].kept), (std::vector<std::string>{"k3", "k3_se", "k5", "k5_se"}));
  EXPECT_EQ(names(*space, s.layers[4].kept), (std::vector<std::string>{"k3", "k3_se", "k5", "k5_se"}));  // input 14x14
  EXPECT_EQ(names(*space, s.layers[5].kept), (std::vector<std::string>{"mb3e1", "mb3e3", "mb3e1_se", "mb3e6"}));
  const std::string t1 = format_op_table(*space, s, "toy");
  EXPECT_NE(t1.find("| 7x7x80 | 5 | k3, k3_se, k5, k5_se |"), std::string::npos) << t1;
  EXPECT_NE(t1.find("| 7x7x80 | 6-8 | mb3e1, mb3e3, mb3e1_se, mb3e6 |"), std::string::npos) << t1;
}

TEST(OpScoring, AlphaRewardsCapacity) {
  // Equal latencies: with alpha > 0 the op with the largest FLOPs x Params wins.
  auto space = make_space("hurricane");
  OpScoringOptions o;
  o.alpha = 1;
  o.beta = 1;
  const OpScoring s = score_operators(*space, [](const OpSpec&) { return 1.0; }, o);
  int best = -1;
  double best_capacity = -1;
  for (int op = 0; op < 32; ++op) {
    const Cost c = op_cost(space->op_spec(9, {op, 0}, 1));
    const double capacity = static_cast<double>(c.macs) * static_cast<double>(c.params);
    if (capacity > best_capacity) best_capacity = capacity, best = op;
  }
  EXPECT_EQ(s.layers[9].kept.front(), best);
  EXPECT_EQ(space->ops[best].name, "mb7e6_se");
  EXPECT_DOUBLE_EQ(s.layers[9].ranked.front().score, best_capacity);
  // alpha = 0 with equal latencies keeps pool order (stable ties).
  const OpScoring flat = score_operators(*space, [](const OpSpec&) { return 1.0; });
  EXPECT_EQ(names(*space, flat.layers[9].kept), (std::vector<std::string>{"sep3", "sep5", "sep7", "sep3_se"}));
}

TEST(OpScoring, ComparisonNamesTheOpsThatDiffer) {
  auto space = make_space("hurricane");
  const OpScoring a = score_operators(*space, table(*space, {{"k3", 1}, {"x", 2}, {"sep3", 3}, {"mb3e1", 4}}));
  const OpScoring b = score_operators(*space, table(*space, {{"k3", 1}, {"x", 2}, {"k5", 3}, {"mb3e1", 4}}));
  const std::string text = format_op_comparison(*space, a, "dsp", b, "vpu");
  // sep3 is 3 ms (rank 3) on dsp but 10 + index on vpu.
  const int sep3 = space->op_index("sep3");
  EXPECT_NE(text.find("| sep3 | dsp | 3 | 3 | 3 | " + std::to_string(10 + sep3)), std::string::npos) << text;
  EXPECT_NE(text.find("| k5 | vpu | "), std::string::npos) << text;
  const std::string same = format_op_comparison(*space, a, "dsp", a, "dsp2");
  EXPECT_NE(same.find("same operators on both targets"), std::string::npos);
}

TEST(OpScoring, BadInputIsRefused) {
  auto space = make_space("hurricane");
  EXPECT_THROW(score_operators(*space, [](const OpSpec&) { return 0.0; }), Error);
  OpScoringOptions o;
  o.explore_index = 3;  // e must be >= 4
  EXPECT_THROW(score_operators(*space, [](const OpSpec&) { return 1.0; }, o), Error);
  o.explore_index = 32;  // beyond the 32 ranked ops
  EXPECT_THROW(score_operators(*space, [](const OpSpec&) { return 1.0; }, o), Error);
  o = {};
  o.alpha = -1;
  EXPECT_THROW(score_operators(*space, [](const OpSpec&) { return 1.0; }, o), Error);
}

}  // namespace
}  // namespace hwnas
