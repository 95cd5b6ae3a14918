// How long the closed-form latency predictors take to fit: a regressor is
// fitted once per device (HURRICANE: 1,600 measured archs), a transfer
// predictor once per draw of shots. Problems: NB201's measured Raspberry Pi
// 4 latencies on the 30-feature one-hot (data/nb201, run from the
// repository root), hsconas's op+width encoding (176 features) with a
// FLOPs-shaped synthetic latency, and the transfer from 11 other NB201
// devices to the Pi from K shots. Uses the torch-free core only.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/flops.h"
#include "core/predictors/encoding.h"
#include "core/predictors/regressor.h"
#include "core/predictors/transfer.h"
#include "core/rng.h"
#include "core/search_space.h"
#include "core/tables.h"

namespace hwnas {
namespace {

const std::string kNb201Latency = "data/nb201/latency.csv";

struct Problem {
  Matrix x;
  std::vector<double> y;  ///< ms
};

/// The first n of NB201's archs in a seeded order, with their Pi 4 latency.
Problem nb201_problem(int n) {
  static const std::unique_ptr<SearchSpace> space = make_space("nb201");
  static const ArchTable table(kNb201Latency + ":raspi4_ms", *space);
  std::vector<int> perm(table.entries().size());
  std::iota(perm.begin(), perm.end(), 0);
  Rng rng(mix_seed(19));
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<Arch> archs;
  Problem p;
  for (int i = 0; i < n; ++i) {
    archs.push_back(table.entries()[perm[i]].first);
    p.y.push_back(table.entries()[perm[i]].second);
  }
  p.x = one_hot_rows(*space, archs);
  return p;
}

/// n sampled hsconas archs; latency 0.5 ms + 1 ms per 100 M MACs, 2% noise.
Problem hsconas_problem(int n) {
  static const std::unique_ptr<SearchSpace> space = make_space("hsconas");
  Rng rng(mix_seed(7));
  std::normal_distribution<double> noise(0.0, 0.02);
  std::vector<Arch> archs;
  Problem p;
  for (int i = 0; i < n; ++i) {
    archs.push_back(space->sample(rng));
    p.y.push_back((0.5 + 1e-8 * arch_cost(*space, archs.back()).macs) * (1 + noise(rng)));
  }
  p.x = one_hot_rows(*space, archs);
  return p;
}

void BM_Fit(benchmark::State& state, const std::string& spec, Problem (*make)(int)) {
  const Problem p = make(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::unique_ptr<Regressor> r = make_regressor(spec);
    r->fit(p.x, p.y);
    benchmark::DoNotOptimize(r.get());
  }
}
// 300 and 1,600 training archs (the repository's test, HURRICANE's split);
// on hsconas 100 (fewer archs than features: the dual / n x n systems) and 1,000.
void nb201_sizes(benchmark::internal::Benchmark* b) { b->Arg(300)->Arg(1600)->Unit(benchmark::kMillisecond); }
void hsconas_sizes(benchmark::internal::Benchmark* b) { b->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond); }
BENCHMARK_CAPTURE(BM_Fit, nb201_linear, std::string("linear"), nb201_problem)->Apply(nb201_sizes);
BENCHMARK_CAPTURE(BM_Fit, nb201_lasso, std::string("lasso"), nb201_problem)->Apply(nb201_sizes);
BENCHMARK_CAPTURE(BM_Fit, nb201_bayesian_ridge, std::string("bayesian-ridge"), nb201_problem)->Apply(nb201_sizes);
BENCHMARK_CAPTURE(BM_Fit, nb201_gp, std::string("gp"), nb201_problem)->Apply(nb201_sizes);
BENCHMARK_CAPTURE(BM_Fit, hsconas_linear, std::string("linear"), hsconas_problem)->Apply(hsconas_sizes);
BENCHMARK_CAPTURE(BM_Fit, hsconas_lasso, std::string("lasso"), hsconas_problem)->Apply(hsconas_sizes);
BENCHMARK_CAPTURE(BM_Fit, hsconas_bayesian_ridge, std::string("bayesian-ridge"), hsconas_problem)->Apply(hsconas_sizes);
BENCHMARK_CAPTURE(BM_Fit, hsconas_gp, std::string("gp"), hsconas_problem)->Apply(hsconas_sizes);

/// Every NB201 arch; sources: the devices other than the Pi 4, the GPUs at
/// batch 256 left out.
const TransferSources& nb201_sources() {
  static const std::unique_ptr<SearchSpace> space = make_space("nb201");
  static const ArchTable target(kNb201Latency + ":raspi4_ms", *space);
  static const TransferSources sources = [] {
    std::vector<std::string> refs;
    for (const char* c : {"pixel3_ms", "1080ti_1_ms", "1080ti_32_ms", "titanx_1_ms", "titanx_32_ms", "gold_6240_ms",
                          "silver_4114_ms", "silver_4210r_ms", "samsung_a50_ms", "samsung_s7_ms", "essential_ph_1_ms"})
      refs.push_back(kNb201Latency + ":" + c);
    return transfer_sources(*space, refs, target);
  }();
  return sources;
}

void BM_TransferFit(benchmark::State& state, const std::string& name) {
  static const std::unique_ptr<SearchSpace> space = make_space("nb201");
  static const ArchTable target(kNb201Latency + ":raspi4_ms", *space);
  const TransferSources& s = nb201_sources();
  Rng rng(mix_seed(3));
  const std::vector<int> shots = choose_shots(s, static_cast<int>(state.range(0)), rng);
  std::vector<double> shot_ms;
  for (int i : shots) shot_ms.push_back(target.at(s.archs[i]));
  for (auto _ : state) {
    std::unique_ptr<TransferPredictor> p = make_transfer_predictor(name);
    p->fit(s, shots, shot_ms);
    benchmark::DoNotOptimize(p->predict_all());
  }
}
// K = 20 shots.
void shots(benchmark::internal::Benchmark* b) { b->Arg(20)->Unit(benchmark::kMillisecond); }
BENCHMARK_CAPTURE(BM_TransferFit, map, std::string("map"))->Apply(shots);
BENCHMARK_CAPTURE(BM_TransferFit, finetune, std::string("finetune"))->Apply(shots);
BENCHMARK_CAPTURE(BM_TransferFit, opscale, std::string("opscale"))->Apply(shots);
BENCHMARK_CAPTURE(BM_TransferFit, help, std::string("help"))->Apply(shots);

}  // namespace
}  // namespace hwnas

BENCHMARK_MAIN();
