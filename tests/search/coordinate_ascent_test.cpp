// HURRICANE coordinate ascent on a toy problem: the hurricane space reduced
// by a hand-made latency table, latency = sum of per-op costs, accuracy = sum
// of per-op values, and a "supernet" that only records the paths it is asked
// to train.
#include "search/coordinate_ascent.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "search/op_scoring.h"

namespace hwnas {
namespace {

double op_ms(int op) { return 0.1 + 0.01 * op; }  // sep3 fastest, then pool order

class ToyLatency : public LatencyModel {
 public:
  double predict_ms(const Arch& a) const override {
    double ms = 0;
    for (const Gene& g : a.genes) ms += op_ms(g.op);
    return ms;
  }
  std::string describe() const override { return "toy"; }
};

/// Accuracy = sum of per-op values that do not follow latency: op 1 (the
/// second fastest) is best, op 3 next; the budget still binds.
class ToyAccuracy : public Evaluator {
 public:
  ToyAccuracy(const LatencyModel& latency, double budget_ms, int* total_calls = nullptr)
      : latency_(latency), budget_ms_(budget_ms), total_calls_(total_calls) {}
  double accuracy(const Arch& a) override {
    EXPECT_LE(latency_.predict_ms(a), budget_ms_ + 1e-12) << "evaluated an over-budget arch";
    ++calls;
    if (total_calls_) ++*total_calls_;
    double acc = 0;
    for (const Gene& g : a.genes) acc += g.op == 1 ? 3 : g.op == 3 ? 2 : g.op == 2 ? 1 : 0;
    return acc;
  }
  std::string describe() const override { return "toy"; }
  int calls = 0;

 private:
  const LatencyModel& latency_;
  int* total_calls_;  ///< outlives the evaluator (the search owns and frees it)
  double budget_ms_;
};

struct Toy {
  std::unique_ptr<SearchSpace> space = make_space("hurricane");
  OpScoring scoring =
      score_operators(*space, [this](const OpSpec& s) {
        for (size_t o = 0; o < space->ops.size(); ++o) {
          const OpDef& d = space->ops[o];
          if (d.kind == s.kind && d.kernel == s.kernel && d.expand == s.expand && d.se == s.se)
            return op_ms(static_cast<int>(o));
        }
        return 1.0;
      });
  std::unique_ptr<SearchSpace> reduced = scoring.reduced_space(*space);
  ToyLatency latency;
};

TEST(CoordinateAscent, ActiveGroupsAlternate) {
  EXPECT_EQ(active_layers(1, 8, 20).front(), 8);   // layers 9..20 first
  EXPECT_EQ(active_layers(1, 8, 20).back(), 19);
  EXPECT_EQ(active_layers(1, 8, 20).size(), 12u);
  EXPECT_EQ(active_layers(2, 8, 20), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(active_layers(3, 8, 20), active_layers(1, 8, 20));
  EXPECT_THROW(active_layers(1, 20, 20), Error);
  EXPECT_THROW(active_layers(0, 8, 20), Error);
}

TEST(CoordinateAscent, SubspaceFixesInactiveLayersToTheWinner) {
  Toy t;
  const Arch win = t.scoring.initial_arch(*t.space);
  const auto sub = active_subspace(*t.reduced, win, active_layers(2, 8, 20));
  for (int l = 0; l < 20; ++l) {
    if (l < 8) EXPECT_EQ(sub->layers[l].ops, t.reduced->layers[l].ops);
    else EXPECT_EQ(sub->layers[l].ops, std::vector<int>{win.genes[l].op});
  }
  EXPECT_NEAR(sub->size().distinct_log10, 8 * std::log10(4.0), 1e-9);
}

TEST(CoordinateAscent, RejectionNeverAdmitsAnOverBudgetArch) {
  Toy t;
  const double budget = 2.25;  // the initial arch is 2.0 ms, the slowest 2.88 ms
  BudgetSampler sampler(*t.reduced, t.latency, budget, /*seed=*/3);
  PathSampler copy = sampler;  // copies share the counters
  for (int64_t step = 0; step < 2000; ++step) {
    const Arch a = copy(step);
    ASSERT_LE(t.latency.predict_ms(a), budget) << t.space->format(a);
    t.reduced->validate(a);
  }
  EXPECT_GT(sampler.rejected(), 0);
  EXPECT_EQ(sampler.draws(), 2000 + sampler.rejected());
  EXPECT_EQ(sampler(17), sampler(17));  // deterministic per step
  EXPECT_NE(sampler(17), sampler(18));
  BudgetSampler impossible(*t.reduced, t.latency, 1.9, 3, /*max_tries=*/50);
  EXPECT_THROW(impossible(0), Error);
  // A budget almost nothing meets: max_tries rejections, then the fallback.
  const Arch fastest = t.scoring.initial_arch(*t.space);  // 2.0 ms
  BudgetSampler tight(*t.reduced, t.latency, 2.005, 3, /*max_tries=*/20, fastest);
  for (int64_t step = 0; step < 50; ++step) ASSERT_LE(t.latency.predict_ms(tight(step)), 2.005);
  EXPECT_GT(tight.fallbacks(), 0);
  EXPECT_THROW(BudgetSampler(*t.reduced, t.latency, 1.9, 3, 20, fastest), Error);  // fallback over budget
}

TEST(CoordinateAscent, OnlyActiveLayersChangeAndTrainingIsCounted) {
  Toy t;
  CoordinateAscentOptions o;
  o.iterations = 3;
  o.budget_ms = 2.3;
  o.strategy = "evolution:G=6,K=4,P=12";
  o.seed = 1;
  std::vector<Arch> starts;
  int rounds = 0;
  int eval_calls = 0;
  TrainRoundFn train = [&](int iteration, const SearchSpace& sub, const PathSampler& sample) {
    ++rounds;
    EXPECT_EQ(iteration, rounds);
    const std::vector<int> active = active_layers(iteration, o.split, sub.num_layers());
    for (int64_t step = 0; step < 100 + iteration; ++step) {
      const Arch a = sample(step);
      EXPECT_LE(t.latency.predict_ms(a), o.budget_ms);
      sub.validate(a);  // only the active subspace is trained
    }
    SupernetRound r;
    r.evaluator = std::make_unique<ToyAccuracy>(t.latency, o.budget_ms, &eval_calls);
    r.train_steps = 100 + iteration;
    return r;
  };
  const Arch initial = t.scoring.initial_arch(*t.space);
  const AscentResult res = coordinate_ascent(*t.reduced, initial, t.latency, train, o);
  ASSERT_EQ(res.iterations.size(), 3u);
  EXPECT_EQ(res.initial, initial);
  EXPECT_EQ(res.train_steps, 101 + 102 + 103);
  EXPECT_GT(eval_calls, 0);
  Arch prev = initial;
  for (const AscentIteration& it : res.iterations) {
    EXPECT_EQ(it.start, prev);
    EXPECT_TRUE(it.found);
    EXPECT_LE(it.latency_ms, o.budget_ms);
    EXPECT_EQ(it.sampler_draws - it.sampler_rejected + it.sampler_fallbacks, it.train_steps);
    const std::vector<int> active = active_layers(it.iteration, o.split, 20);
    int changed = 0;
    for (int l = 0; l < 20; ++l) {
      const bool is_active = std::find(active.begin(), active.end(), l) != active.end();
      if (!is_active) EXPECT_EQ(it.winner.genes[l], it.start.genes[l]) << "iteration " << it.iteration << " layer " << l + 1;
      changed += it.winner.genes[l] != it.start.genes[l];
    }
    EXPECT_GT(changed, 0) << "iteration " << it.iteration;  // the toy optimum is not the initial arch
    // The winner is the best feasible arch the search saw.
    EXPECT_EQ(it.winner, it.history.at(it.history.best_feasible_index()).arch);
    prev = it.winner;
  }
  EXPECT_EQ(res.winner, prev);
  EXPECT_GT(res.iterations[0].accuracy, 0);
}

TEST(CoordinateAscent, IsReproducibleAndStopsOnRequest) {
  Toy t;
  CoordinateAscentOptions o;
  o.iterations = 2;
  o.budget_ms = 2.3;
  o.strategy = "random:N=30";
  TrainRoundFn train = [&](int, const SearchSpace&, const PathSampler& sample) {
    for (int64_t s = 0; s < 10; ++s) sample(s);
    SupernetRound r;
    r.evaluator = std::make_unique<ToyAccuracy>(t.latency, o.budget_ms);
    r.train_steps = 10;
    return r;
  };
  const Arch initial = t.scoring.initial_arch(*t.space);
  const AscentResult a = coordinate_ascent(*t.reduced, initial, t.latency, train, o);
  const AscentResult b = coordinate_ascent(*t.reduced, initial, t.latency, train, o);
  EXPECT_EQ(a.winner, b.winner);
  EXPECT_EQ(a.iterations[1].history.to_csv(), b.iterations[1].history.to_csv());
  const AscentResult c =
      coordinate_ascent(*t.reduced, initial, t.latency, train, o, [](const AscentIteration&) { return true; });
  EXPECT_EQ(c.iterations.size(), 1u);
  EXPECT_EQ(c.train_steps, 10);
}

TEST(CoordinateAscent, BadOptionsAreRefused) {
  Toy t;
  const Arch initial = t.scoring.initial_arch(*t.space);
  TrainRoundFn train = [](int, const SearchSpace&, const PathSampler&) { return SupernetRound{}; };
  CoordinateAscentOptions o;
  EXPECT_THROW(coordinate_ascent(*t.reduced, initial, t.latency, train, o), Error);  // no budget
  o.budget_ms = 2.3;
  o.split = 0;
  EXPECT_THROW(coordinate_ascent(*t.reduced, initial, t.latency, train, o), Error);
  o.split = 8;
  o.strategy = "evo";
  EXPECT_THROW(coordinate_ascent(*t.reduced, initial, t.latency, train, o), Error);
  o.strategy = "random:N=5";
  EXPECT_THROW(coordinate_ascent(*t.reduced, initial, t.latency, train, o), Error);  // no evaluator
}

}  // namespace
}  // namespace hwnas
