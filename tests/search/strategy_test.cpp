// Strategies on toy problems with known optima: accuracy and latency are sums
// of per-layer terms, so the best arch under a budget is easy to reason about.
#include "search/strategy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <set>

#include "core/error.h"
#include "core/io.h"
#include "core/spaces/nb201.h"
#include "search/evolution.h"
#include "search/genetic.h"
#include "search/population_fill.h"
#include "search/random_search.h"
#include "search/regularized_evolution.h"

namespace hwnas {
namespace {

/// Accuracy = sum over layers of (op index + width index): the optimum is
/// the last op at the widest width everywhere. Counts its calls.
class ToyEvaluator : public Evaluator {
 public:
  double accuracy(const Arch& a) override {
    ++calls;
    double s = 0;
    for (const Gene& g : a.genes) s += g.op + g.width;
    return s;
  }
  std::string describe() const override { return "toy"; }
  int calls = 0;
};

/// Latency = sum over layers of (1 + op index) ms.
class ToyLatency : public LatencyModel {
 public:
  double predict_ms(const Arch& a) const override {
    double s = 0;
    for (const Gene& g : a.genes) s += 1 + g.op;
    return s;
  }
  std::string describe() const override { return "toy"; }
};

/// A rugged NB201 landscape: per-edge, per-op weights from a fixed stream,
/// plus an interaction term, so the optimum is not found by luck.
class SyntheticNb201 : public Evaluator, public LatencyModel {
 public:
  SyntheticNb201() {
    Rng rng(12345);
    for (auto& edge : weight_)
      for (double& w : edge) w = 10 * uniform01(rng);
    for (auto& edge : cost_)
      for (double& c : edge) c = 1 + 5 * uniform01(rng);
  }
  double accuracy(const Arch& a) override {
    double s = 0;
    for (int e = 0; e < 6; ++e) s += weight_[e][a.genes[e].op];
    return s + 3.0 * (a.genes[0].op == a.genes[5].op);
  }
  double predict_ms(const Arch& a) const override {
    double s = 0;
    for (int e = 0; e < 6; ++e) s += cost_[e][a.genes[e].op];
    return s;
  }
  std::string describe() const override { return "synthetic-nb201"; }

 private:
  double weight_[6][5];
  double cost_[6][5];
};

std::unique_ptr<SearchSpace> toy_space() { return make_space("hsconas:depths=1/1/1/1,widths=2"); }

const char* kAllStrategies[] = {"evolution", "random", "regularized-evolution", "ga", "nsga2", "scalarised"};

TEST(History, CachesAndWritesCsv) {
  auto space = toy_space();  // 4 layers, 4 ops x 2 widths (0.5, 1) each
  ToyEvaluator eval;
  ToyLatency lat;
  const auto obj = make_objective("hard:T=9");
  SearchRun run(*space, eval, lat, *obj, {}, {});
  const Arch a = space->parse("k3@0.5,k5@1,k7@1,x@0.5");
  const int i = run.evaluate(a);
  EXPECT_EQ(run.evaluate(a), i);
  EXPECT_EQ(eval.calls, 1);
  const SearchRecord& r = run.history().at(i);
  EXPECT_DOUBLE_EQ(r.accuracy, (0 + 0) + (1 + 1) + (2 + 1) + (3 + 0));
  EXPECT_DOUBLE_EQ(r.latency_ms, 1 + 2 + 3 + 4);
  EXPECT_FALSE(r.feasible);  // 10 ms > T = 9 ms
  run.evaluate(space->parse("k3@0.5,k3@0.5,k3@0.5,k3@0.5"));
  run.end_generation({0, 1});
  const History h = run.take();
  EXPECT_EQ(h.size(), 2);
  EXPECT_EQ(h.best_index(), 1);  // the infeasible one scores -inf
  EXPECT_EQ(h.best_feasible_index(), 1);
  EXPECT_EQ(h.population(), (std::vector<int>{0, 1}));
  EXPECT_EQ(h.to_csv(),
            "generation,arch,accuracy,latency_ms,score\n"
            "0,\"k3@0.5,k5@1,k7@1,x@0.5\",8,10,-inf\n"
            "0,\"k3@0.5,k3@0.5,k3@0.5,k3@0.5\",0,4,0\n");
  const std::string path =
      (std::filesystem::temp_directory_path() / "hwnas_history_test_search.csv").string();
  h.write_csv(path);
  EXPECT_EQ(read_file(path), h.to_csv());
  std::filesystem::remove(path);
}

TEST(History, InfeasibleScoresAreWrittenAsInf) {
  auto space = toy_space();
  ToyEvaluator eval;
  ToyLatency lat;
  const auto obj = make_objective("hard:T=5");
  SearchRun run(*space, eval, lat, *obj, {}, {});
  run.evaluate(space->parse("x@1,x@1,x@1,x@1"));
  EXPECT_NE(run.history().to_csv().find(",16,16,-inf\n"), std::string::npos) << run.history().to_csv();
  EXPECT_EQ(run.history().best_feasible_index(), -1);
}

TEST(MakeStrategy, DescribeRoundTrips) {
  EXPECT_EQ(make_strategy("evolution:G=20,P=50,K=20,pc=0.25,pm=0.25")->describe(),
            "evolution:G=20,K=20,P=50,init=0.8,near=0,pc=0.25,pm=0.25");
  EXPECT_EQ(make_strategy("evolution")->describe(), "evolution:G=20,K=20,P=50,init=0.8,near=0,pc=0.25,pm=0.25");
  EXPECT_EQ(make_strategy("ga")->describe(), "ga:E=1,G=100,N=20,pc=0.9,pm=0.1,t=3");
  EXPECT_EQ(make_strategy("regularized-evolution:S=5")->describe(),
            "regularized-evolution:C=600,P=50,S=5");
  EXPECT_EQ(make_strategy("random:N=100")->describe(), "random:B=50,N=100");
  EXPECT_EQ(make_strategy("nsga2:P=20")->describe(), "nsga2:G=19,P=20,pc=0.5,pm=0.2");
  EXPECT_EQ(make_strategy("scalarised")->describe(), "scalarised:G=19,P=50,pc=0.5,pm=0.2");
  ASSERT_EQ(list_strategies().size(), 6u);
  for (const auto& [name, help] : list_strategies()) {
    const std::string d = make_strategy(name)->describe();
    EXPECT_EQ(d.substr(0, name.size() + 1), name + ":");
    EXPECT_EQ(make_strategy(d)->describe(), d);
  }
  EXPECT_THROW(make_strategy("evo"), Error);
  EXPECT_THROW(make_strategy("evolution:Q=3"), Error);
  EXPECT_THROW(make_strategy("evolution:K=50"), Error);  // K must be < P
  EXPECT_THROW(make_strategy("ga:pm=1.5"), Error);
}

TEST(Evolution, ElitismAndConstantPopulation) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  const auto obj = make_objective("hsconas:T=18,beta=-10");
  const EvolutionStrategy evo;  // HSCoNAS settings
  std::vector<double> best_per_gen;
  SearchCallbacks cb;
  cb.on_generation = [&](const History& h) {
    EXPECT_EQ(h.population().size(), 50u) << "generation " << h.generation();
    double best = -1e300;
    for (int i : h.population()) best = std::max(best, h.at(i).score);
    best_per_gen.push_back(best);
    // the population's best is the best ever evaluated (elitism)
    EXPECT_DOUBLE_EQ(best, h.at(h.best_index()).score);
    return false;
  };
  const History h = evo.search(*space, toy, toy, *obj, {/*seed=*/1, /*max_evals=*/0}, cb);
  ASSERT_EQ(best_per_gen.size(), 21u);  // generation 0 + G = 20
  for (size_t g = 1; g < best_per_gen.size(); ++g) EXPECT_GE(best_per_gen[g], best_per_gen[g - 1]);
  EXPECT_GT(best_per_gen.back(), best_per_gen.front());
  EXPECT_LE(h.size(), 50 + 20 * 30);
  EXPECT_EQ(h.generation(), 20);
}

// The initial population is drawn within [0.8 T, T] by predicted latency,
// and init=0 draws it uniformly (Algorithm 1's line 1 as written).
TEST(Evolution, InitialPopulationLiesNearTheBudget) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  const auto obj = make_objective("hsconas:T=18,beta=-10");
  auto first_generation = [&](const char* spec) {
    std::vector<double> ms;
    SearchCallbacks cb;
    cb.on_generation = [&](const History& h) {
      for (int i : h.population()) ms.push_back(h.at(i).latency_ms);
      return true;  // stop after generation 0
    };
    make_strategy(spec)->search(*space, toy, toy, *obj, {/*seed=*/3, /*max_evals=*/0}, cb);
    return ms;
  };
  const std::vector<double> near = first_generation("evolution");
  ASSERT_EQ(near.size(), 50u);
  for (double ms : near) {
    EXPECT_LE(ms, 18.0);
    EXPECT_GE(ms, 0.8 * 18.0);
  }
  const std::vector<double> uniform = first_generation("evolution:init=0");
  ASSERT_EQ(uniform.size(), 50u);
  EXPECT_TRUE(std::any_of(uniform.begin(), uniform.end(), [](double ms) { return ms > 18.0 || ms < 14.4; }));
  EXPECT_THROW(make_strategy("evolution:init=1.5"), Error);
}

// near=0.9 keeps every child of every generation in [0.9 T, T]; without it
// children stray from the budget.
TEST(Evolution, ChildrenNearTheBudgetWhenAsked) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  const auto obj = make_objective("hsconas:T=18,beta=-10");
  auto children = [&](const char* spec) {
    std::vector<double> ms;
    const History h = make_strategy(spec)->search(*space, toy, toy, *obj, {/*seed=*/5, /*max_evals=*/0});
    for (const SearchRecord& r : h.records())
      if (r.generation > 0) ms.push_back(r.latency_ms);
    return ms;
  };
  const std::vector<double> near = children("evolution:G=4,P=12,K=4,pm=0.5,init=0.9,near=0.9");
  ASSERT_FALSE(near.empty());
  for (double ms : near) {
    EXPECT_LE(ms, 18.0);
    EXPECT_GE(ms, 0.9 * 18.0);
  }
  const std::vector<double> free = children("evolution:G=4,P=12,K=4,pm=0.5,init=0.9");
  EXPECT_TRUE(std::any_of(free.begin(), free.end(), [](double ms) { return ms > 18.0 || ms < 16.2; }));
  EXPECT_THROW(make_strategy("evolution:near=2"), Error);
}

/// Counts how archs reach it: one call per generation when batched.
class BatchCountingEvaluator : public ToyEvaluator {
 public:
  std::vector<double> accuracies(const std::vector<Arch>& archs) override {
    ++batches;
    sizes.push_back(static_cast<int>(archs.size()));
    return Evaluator::accuracies(archs);
  }
  int batches = 0;
  std::vector<int> sizes;
};

// A generation's new archs reach the evaluator in one call, without
// repeats; the history equals the one-at-a-time evaluation's.
TEST(Evolution, EvaluatesEachGenerationInOneBatch) {
  auto space = toy_space();
  ToyLatency lat;
  const auto obj = make_objective("hard:T=100");
  BatchCountingEvaluator batched;
  const History h = make_strategy("evolution:G=3,P=8,K=3,init=0")->search(*space, batched, lat, *obj, {7, 0});
  EXPECT_GE(batched.batches, 2);
  EXPECT_LE(batched.batches, 4);  // generation 0 and 3 of children (a generation of repeats costs no call)
  EXPECT_EQ(std::accumulate(batched.sizes.begin(), batched.sizes.end(), 0), h.size());
  EXPECT_EQ(batched.calls, h.size());
  ToyEvaluator single;
  SearchRun run(*space, single, lat, *obj, {7, 0}, {});
  for (const SearchRecord& r : h.records()) {
    const int before = run.history().size();
    EXPECT_EQ(run.evaluate(r.arch), before);  // new, in the same order
    EXPECT_EQ(run.history().at(before).score, r.score);
  }
  // evaluate_all: a repeat within the batch and a known arch cost nothing.
  const Arch a = h.at(0).arch;
  const Arch fresh = space->parse("x@1,x@1,x@1,x@1");
  const std::vector<int> idx = run.evaluate_all({fresh, fresh, a});
  EXPECT_EQ(idx[0], idx[1]);
  EXPECT_EQ(idx[2], 0);
}

TEST(Evolution, OffspringHonoursCrossoverAndMutationRates) {
  auto space = toy_space();  // 8 equally likely genes per layer
  const EvolutionStrategy evo;   // pc = pm = 0.25
  const Arch a = space->parse("k3@0.5,k3@0.5,k3@0.5,k3@0.5");
  const Arch b = space->parse("x@1,x@1,x@1,x@1");
  Rng rng(99);
  int from_a = 0, from_b = 0, total = 0;
  for (int i = 0; i < 10000; ++i) {
    const Arch c = evo.offspring(*space, a, b, rng);
    for (int l = 0; l < 4; ++l, ++total) {
      from_a += c.genes[l] == a.genes[l];
      from_b += c.genes[l] == b.genes[l];
    }
  }
  // P(b) = (1 - pm) pc + pm / 8, P(a) = (1 - pm)(1 - pc) + pm / 8.
  EXPECT_NEAR(static_cast<double>(from_b) / total, 0.75 * 0.25 + 0.25 / 8, 0.01);
  EXPECT_NEAR(static_cast<double>(from_a) / total, 0.75 * 0.75 + 0.25 / 8, 0.01);
}

TEST(Genetic, ElitismKeepsTheBest) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  const auto obj = make_objective("penalty:T=18");
  std::vector<double> best_per_gen;
  SearchCallbacks cb;
  cb.on_generation = [&](const History& h) {
    EXPECT_EQ(h.population().size(), 20u);
    double best = -1e300;
    for (int i : h.population()) best = std::max(best, h.at(i).score);
    best_per_gen.push_back(best);
    return false;
  };
  const History h = make_strategy("ga:G=30")->search(*space, toy, toy, *obj, {7, 0}, cb);
  ASSERT_EQ(best_per_gen.size(), 31u);
  for (size_t g = 1; g < best_per_gen.size(); ++g) EXPECT_GE(best_per_gen[g], best_per_gen[g - 1]);
  EXPECT_DOUBLE_EQ(best_per_gen.back(), h.at(h.best_index()).score);
}

TEST(RegularizedEvolution, AgingKeepsPopulationSizeAndMutatesOneLayer) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  const auto obj = make_objective("hard:T=18");
  int calls = 0;
  SearchCallbacks cb;
  cb.on_generation = [&](const History& h) {
    EXPECT_EQ(h.population().size(), 20u);
    ++calls;
    return false;
  };
  const History h =
      make_strategy("regularized-evolution:P=20,S=5,C=100")->search(*space, toy, toy, *obj, {3, 0}, cb);
  EXPECT_EQ(calls, 1 + 5);  // initial + one per P cycles
  EXPECT_LE(h.size(), 120);
  Rng rng(5);
  for (int i = 0; i < 200; ++i) {
    const Arch a = space->sample(rng);
    const Arch m = mutate_one_layer(*space, a, rng);
    int diff = 0;
    for (int l = 0; l < 6; ++l) diff += a.genes[l] != m.genes[l];
    EXPECT_EQ(diff, 1);
  }
}

TEST(Strategies, SeededRunsReproduceAndSeedsDiffer) {
  auto space = make_space("nb201");
  for (const char* name : kAllStrategies) {
    SyntheticNb201 toy;
    const auto obj = make_objective("hard:T=18");
    const auto s = make_strategy(name);
    const std::string a = s->search(*space, toy, toy, *obj, {11, 300}).to_csv();
    const std::string b = s->search(*space, toy, toy, *obj, {11, 300}).to_csv();
    const std::string c = s->search(*space, toy, toy, *obj, {12, 300}).to_csv();
    EXPECT_EQ(a, b) << name;
    EXPECT_NE(a, c) << name;
  }
}

TEST(Strategies, EvaluationBudgetCountsDistinctArchsOnly) {
  auto space = make_space("nb201");
  for (const char* spec : {"evolution:G=100", "random:N=5000", "regularized-evolution:C=5000",
                           "ga:G=200", "nsga2:G=100", "scalarised:G=100"}) {
    SyntheticNb201 toy;
    struct Counting : Evaluator {
      SyntheticNb201* inner;
      int calls = 0;
      double accuracy(const Arch& a) override { return ++calls, inner->accuracy(a); }
      std::string describe() const override { return "counting"; }
    } counting;
    counting.inner = &toy;
    const auto obj = make_objective("hard:T=18");
    const History h = make_strategy(spec)->search(*space, counting, toy, *obj, {5, 400});
    EXPECT_EQ(h.size(), 400) << spec;
    EXPECT_EQ(counting.calls, 400) << spec;  // every call is a distinct arch
    std::set<std::string> texts;
    for (const SearchRecord& r : h.records()) texts.insert(r.arch_text);
    EXPECT_EQ(texts.size(), 400u) << spec;
  }
}

TEST(Strategies, CallbackStopsTheSearch) {
  auto space = make_space("nb201");
  for (const char* name : kAllStrategies) {
    SyntheticNb201 toy;
    const auto obj = make_objective("hard:T=18");
    SearchCallbacks cb;
    cb.on_generation = [](const History& h) { return h.generation() == 2; };
    const History h = make_strategy(name)->search(*space, toy, toy, *obj, {1, 0}, cb);
    EXPECT_EQ(h.generation(), 2) << name;
  }
}

TEST(Strategies, FindTheKnownOptimumOfTheToyProblem) {
  // Unconstrained toy: optimum x@1 everywhere, accuracy 4 * (3 + 1) = 16.
  auto space = toy_space();
  ToyLatency lat;
  const auto obj = make_objective("hard:T=100");
  for (const char* spec : {"evolution", "regularized-evolution", "ga"}) {
    ToyEvaluator eval;
    const History h = make_strategy(spec)->search(*space, eval, lat, *obj, {2, 0});
    EXPECT_EQ(h.at(h.best_index()).arch_text, "x@1,x@1,x@1,x@1") << spec;
    EXPECT_DOUBLE_EQ(h.at(h.best_index()).accuracy, 16.0) << spec;
  }
}

TEST(Strategies, EvolutionBeatsRandomOnAverage) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  const auto obj = make_objective("hard:T=18");
  // Exhaustive optimum of the synthetic problem.
  double optimum = -1e300;
  for (int i = 0; i < kNb201NumArchs; ++i) {
    const Arch a = nb201_arch(i);
    if (toy.predict_ms(a) <= 18) optimum = std::max(optimum, toy.accuracy(a));
  }
  double evo_gap = 0, rnd_gap = 0, rea_gap = 0;
  const int seeds = 20, evals = 300;
  for (int seed = 0; seed < seeds; ++seed) {
    const auto best = [&](const char* spec) {
      const History h =
          make_strategy(spec)->search(*space, toy, toy, *obj, {static_cast<uint64_t>(seed), evals});
      EXPECT_GE(h.best_feasible_index(), 0) << spec << " seed " << seed;
      return h.best_feasible_index() < 0 ? 0.0 : h.at(h.best_feasible_index()).accuracy;
    };
    evo_gap += optimum - best("evolution:G=100");
    rea_gap += optimum - best("regularized-evolution:C=1000,P=20,S=5");
    rnd_gap += optimum - best("random:N=1000");
  }
  std::printf("[toy nb201, %d evals, %d seeds] mean gap: evolution %.3f, regularized %.3f, random %.3f\n",
              evals, seeds, evo_gap / seeds, rea_gap / seeds, rnd_gap / seeds);
  EXPECT_LT(evo_gap, 0.5 * rnd_gap) << "evolution " << evo_gap / seeds << " random " << rnd_gap / seeds;
  EXPECT_LT(rea_gap, 0.5 * rnd_gap) << "regularized " << rea_gap / seeds << " random " << rnd_gap / seeds;
}

TEST(PopulationFill, RejectionNeedsMoreSamplesThanPenalty) {
  auto space = make_space("nb201");
  SyntheticNb201 toy;
  // Fraction of feasible archs under 16 ms, exhaustively.
  int feasible = 0;
  for (int i = 0; i < kNb201NumArchs; ++i) feasible += toy.predict_ms(nb201_arch(i)) <= 16;
  ASSERT_GT(feasible, 0);
  const double p = static_cast<double>(feasible) / kNb201NumArchs;
  const auto hard = make_objective("hard:T=16");
  const auto penalty = make_objective("penalty:T=16");
  double mean = 0;
  const int runs = 100;
  for (int r = 0; r < runs; ++r) {
    Rng rng = derive_rng(r, Stage::kSearch);
    const FillResult rej = samples_to_fill(*space, toy, *hard, 50, rng, 10'000'000);
    ASSERT_TRUE(rej.filled);
    mean += rej.samples;
    Rng rng2 = derive_rng(r, Stage::kSearch);
    const FillResult pen = samples_to_fill(*space, toy, *penalty, 50, rng2, 10'000'000);
    EXPECT_EQ(pen.samples, 50);
  }
  mean /= runs;
  ASSERT_LT(p, 0.2);  // a tight budget: rejection must draw several times more
  EXPECT_NEAR(mean, 50 / p, 0.1 * 50 / p);  // negative binomial mean
  const auto impossible = make_objective("hard:T=1");
  Rng rng = derive_rng(0, Stage::kSearch);
  const FillResult none = samples_to_fill(*space, toy, *impossible, 50, rng, 1000);
  EXPECT_FALSE(none.filled);
  EXPECT_EQ(none.samples, 1000);
}

TEST(Evolution, InitialPopulationMeetsATightBudget) {
  // 16 layers; toy latency 16 (all k3) .. 80. T = 18 leaves archs whose op
  // indices sum to 2 or less: about 1 in 10^9 uniform samples, so rejection
  // alone finds none and the walk down to the budget must.
  auto space = make_space("hsconas:depths=4/4/4/4,widths=2");
  ToyEvaluator eval;
  ToyLatency lat;
  const auto obj = make_objective("hsconas:T=18");
  SearchCallbacks cb;
  cb.on_generation = [](const History& h) { return h.generation() == 0; };
  const History h = make_strategy("evolution:P=10,K=4")->search(*space, eval, lat, *obj, {3, 0}, cb);
  ASSERT_EQ(h.size(), 10);
  for (const SearchRecord& r : h.records()) EXPECT_TRUE(r.feasible) << r.arch_text << " " << r.latency_ms;
}

}  // namespace
}  // namespace hwnas
