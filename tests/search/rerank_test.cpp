#include "search/rerank.h"

#include <gtest/gtest.h>

namespace hwnas {
namespace {

/// An arch of four layers with the given operators, every width index 0.
Arch ops(std::vector<int> o) {
  Arch a;
  for (int x : o) a.genes.push_back({x, 0});
  return a;
}

void add(History& h, const Arch& a, double score, bool feasible, double latency_ms = 1.0) {
  SearchRecord r;
  r.arch = a;
  r.arch_text = std::to_string(h.size());
  r.accuracy = score;
  r.latency_ms = latency_ms;
  r.score = score;
  r.feasible = feasible;
  h.add(r);
}

TEST(Rerank, OperatorsApartIgnoresWidths) {
  Arch a = ops({0, 1, 2, 3}), b = ops({0, 1, 3, 3});
  b.genes[0].width = 1;
  EXPECT_EQ(operators_apart(a, b), 1);
  EXPECT_EQ(operators_apart(a, a), 0);
  EXPECT_EQ(operators_apart(a, ops({1, 2, 3, 0})), 4);
}

TEST(Rerank, CandidatesAreFeasibleBestFirstAndApart) {
  History h;
  add(h, ops({0, 0, 0, 0}), 50, true);   // 0: best
  add(h, ops({0, 0, 0, 1}), 49, true);   // 1: a near copy of 0
  add(h, ops({1, 1, 0, 0}), 48, true);   // 2: two operators from 0
  add(h, ops({2, 2, 2, 2}), 60, false);  // 3: best score, over budget
  add(h, ops({3, 3, 3, 0}), 40, true);   // 4: far from all
  EXPECT_EQ(rerank_candidates(h, 3, 2), (std::vector<int>{0, 2, 4}));
  // Apart by 0: plain top-k of the feasible.
  EXPECT_EQ(rerank_candidates(h, 3, 0), (std::vector<int>{0, 1, 2}));
  // Too few far apart: the near copy fills in, still best first.
  EXPECT_EQ(rerank_candidates(h, 4, 3), (std::vector<int>{0, 1, 2, 4}));
  // More asked than feasible: all the feasible ones.
  EXPECT_EQ(rerank_candidates(h, 9, 2).size(), 4u);
  EXPECT_EQ(rerank_candidates(h, 1, 2), (std::vector<int>{0}));
}

TEST(Rerank, NoFeasibleFallsBackToBestScores) {
  History h;
  add(h, ops({0, 0, 0, 0}), 10, false);
  add(h, ops({1, 1, 1, 1}), 20, false);
  EXPECT_EQ(rerank_candidates(h, 2, 1), (std::vector<int>{1, 0}));
  EXPECT_TRUE(rerank_candidates(History(), 3, 1).empty());
}

TEST(Rerank, PickScoresAccuracyWithLatencyPreferringTheBudget) {
  const auto f = make_objective("hsconas:T=5,beta=-10");
  // 80 on budget beats 80.5 at 20% under (80.5 - 2).
  EXPECT_EQ(pick_by_objective({80.0, 80.5}, {5.0, 4.0}, *f), 0);
  // 83 at 20% under (81) beats 80 on budget.
  EXPECT_EQ(pick_by_objective({80.0, 83.0}, {5.0, 4.0}, *f), 1);
  // Ties go to the earlier (the search's own order).
  EXPECT_EQ(pick_by_objective({82.0, 80.0}, {4.0, 5.0}, *f), 0);
  // Over the budget loses to any within it, even with a better score:
  // 85 at 2% over scores 84.8, 80 at 20% under 78.
  EXPECT_EQ(pick_by_objective({85.0, 80.0}, {5.1, 4.0}, *f), 1);
  // None within the budget: the best score (81 at 2% over beats 82 at 20% over).
  EXPECT_EQ(pick_by_objective({82.0, 81.0}, {6.0, 5.1}, *f), 1);
}

/// Latency: 0.1 ms per unit of each layer's operator and width indices.
class IndexLatency : public LatencyModel {
 public:
  double predict_ms(const Arch& a) const override {
    double ms = 0;
    for (const Gene& g : a.genes) ms += 0.1 * (g.op + g.width);
    return ms;
  }
  std::string describe() const override { return "index"; }
};

TEST(Rerank, UniformDrawsAreDistinctCanonicalWithinTheWindowAndSeeded) {
  auto space = make_space("hsconas");
  const IndexLatency latency;
  // The middle of the space: a 5% window around the mean of uniform draws.
  Rng probe(7);
  double mean = 0;
  for (int i = 0; i < 200; ++i) mean += latency.predict_ms(space->canonical(space->sample(probe))) / 200;
  Rng rng(1), again(1);
  int draws = 0;
  const std::vector<Arch> drawn = uniform_within(*space, latency, 0.95 * mean, mean, 6, rng, &draws);
  ASSERT_EQ(drawn.size(), 6u);
  EXPECT_GE(draws, 6);
  for (size_t i = 0; i < drawn.size(); ++i) {
    EXPECT_EQ(space->canonical(drawn[i]), drawn[i]);
    EXPECT_GE(latency.predict_ms(drawn[i]), 0.95 * mean);
    EXPECT_LE(latency.predict_ms(drawn[i]), mean);
    for (size_t j = 0; j < i; ++j) EXPECT_FALSE(drawn[i] == drawn[j]) << i << " and " << j;
  }
  EXPECT_EQ(uniform_within(*space, latency, 0.95 * mean, mean, 6, again), drawn);
  // A window no arch reaches: none, after every draw allowed.
  EXPECT_TRUE(uniform_within(*space, latency, 1e6, 2e6, 3, rng, &draws, 500).empty());
  EXPECT_EQ(draws, 500);
}

}  // namespace
}  // namespace hwnas
