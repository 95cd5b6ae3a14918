// Pareto machinery on hand cases (non-dominated sorting, crowding distance,
// the front, hypervolume), and NSGA-II against its scalarised baseline and
// random search on a synthetic NB201 landscape with a known true front.
#include "search/pareto.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "core/search_space.h"
#include "search/objective.h"
#include "search/strategy.h"

namespace hwnas {
namespace {

TEST(Pareto, NonDominatedSortingAndCrowding) {
  // Minimised pairs: three on the first front, two on the second, one last.
  const std::vector<Objectives> p = {{1, 5}, {2, 3}, {3, 1}, {2, 4}, {3, 3}, {4, 4}};
  EXPECT_TRUE(dominates(p[1], p[3]));
  EXPECT_FALSE(dominates(p[0], p[1]));
  EXPECT_FALSE(dominates(p[1], p[1]));  // equal: neither dominates
  const auto fronts = non_dominated_sort(p);
  ASSERT_EQ(fronts.size(), 3u);
  EXPECT_EQ(fronts[0], (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(fronts[1], (std::vector<int>{3, 4}));
  EXPECT_EQ(fronts[2], (std::vector<int>{5}));
  const auto d = crowding_distance(p, fronts[0]);
  EXPECT_TRUE(std::isinf(d[0]) && std::isinf(d[2]));
  EXPECT_DOUBLE_EQ(d[1], 2.0);  // (3 - 1) / 2 + (5 - 1) / 4
}

TEST(Pareto, FrontAndHypervolume) {
  // (accuracy, latency): the second is dominated by the first.
  const std::vector<AccLat> p = {{0.9, 10}, {0.85, 12}, {0.8, 5}, {0.95, 30}};
  EXPECT_EQ(pareto_front(p), (std::vector<int>{2, 0, 3}));
  // Reference (0, 20): the point at 30 ms lies outside and adds nothing.
  EXPECT_DOUBLE_EQ(hypervolume(p, {0, 20}), (10 - 5) * 0.8 + (20 - 10) * 0.9);
  EXPECT_DOUBLE_EQ(hypervolume({{0.9, 10}}, {0.5, 20}), 10 * 0.4);
  EXPECT_DOUBLE_EQ(hypervolume({}, {0, 20}), 0.0);
}

/// An NB201 landscape where accuracy and latency pull apart: every op has a
/// cost and a gain, dearer ops gaining more, with noise per edge.
class Tradeoff : public Evaluator, public LatencyModel {
 public:
  Tradeoff() {
    Rng rng(7);
    for (int e = 0; e < 6; ++e)
      for (int o = 0; o < 5; ++o) {
        cost_[e][o] = 1 + o + uniform01(rng);
        gain_[e][o] = cost_[e][o] * (0.8 + 0.4 * uniform01(rng));
      }
  }
  double accuracy(const Arch& a) override { return sum(a, gain_); }
  double predict_ms(const Arch& a) const override { return sum(a, cost_); }
  std::string describe() const override { return "tradeoff"; }
  /// Every arch of the space with both values.
  std::vector<AccLat> all(const SearchSpace& space) {
    std::vector<AccLat> out;
    Arch a = space.sample(*std::make_unique<Rng>(0));
    for (int i = 0; i < 15625; ++i) {
      int k = i;
      for (int e = 0; e < 6; ++e, k /= 5) a.genes[e].op = k % 5;
      out.push_back({accuracy(a), predict_ms(a)});
    }
    return out;
  }

 private:
  static double sum(const Arch& a, const double (&t)[6][5]) {
    double s = 0;
    for (int e = 0; e < 6; ++e) s += t[e][a.genes[e].op];
    return s;
  }
  double cost_[6][5];
  double gain_[6][5];
};

double hv_ratio(const History& h, const std::vector<AccLat>& all) {
  AccLat ref{1e9, -1e9};
  for (const AccLat& p : all) {
    ref.accuracy = std::min(ref.accuracy, p.accuracy);
    ref.latency_ms = std::max(ref.latency_ms, p.latency_ms);
  }
  std::vector<AccLat> found;
  for (const SearchRecord& r : h.records()) found.push_back({r.accuracy, r.latency_ms});
  return hypervolume(found, ref) / hypervolume(all, ref);
}

TEST(Nsga2, ReachesTheTrueFrontAndBeatsRandomAtEqualEvaluations) {
  auto space = make_space("nb201");
  Tradeoff t;
  const std::vector<AccLat> all = t.all(*space);
  const auto obj = make_objective("hard:T=1000");
  double nsga = 0, rnd = 0, scal = 0;
  for (uint64_t seed = 0; seed < 3; ++seed) {
    nsga += hv_ratio(make_strategy("nsga2")->search(*space, t, t, *obj, {seed, 1000}), all) / 3;
    scal += hv_ratio(make_strategy("scalarised")->search(*space, t, t, *obj, {seed, 1000}), all) / 3;
    rnd += hv_ratio(make_strategy("random:N=1000")->search(*space, t, t, *obj, {seed, 1000}), all) / 3;
  }
  std::printf("[tradeoff nb201, 1000 evals, 3 seeds] hypervolume ratio: nsga2 %.4f, scalarised %.4f, random %.4f\n",
              nsga, scal, rnd);
  EXPECT_GT(nsga, 0.99);
  EXPECT_GT(nsga, rnd);
  EXPECT_GT(scal, 0.9);
  EXPECT_LE(nsga, 1.0 + 1e-12);
}

}  // namespace
}  // namespace hwnas
