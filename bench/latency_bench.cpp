// How fast the latency models answer: a search calls predict_ms() for every
// candidate (HSCoNAS: 20 generations x 50 = 1000 per search, HURRICANE many
// more), so it must cost microseconds, not a measurement. The table holds
// synthetic values: this measures lookup speed, not latencies.
#include <benchmark/benchmark.h>

#include "core/flops.h"
#include "core/search_space.h"
#include "latency/lut.h"
#include "latency/models.h"

namespace hwnas {
namespace {

struct Fixture {
  std::unique_ptr<SearchSpace> space = make_space("hsconas");
  Lut lut;
  std::vector<Arch> archs;
  MeasuredArchs fit;
  Fixture() {
    TargetInfo t;
    t.kind = "synthetic";
    t.batch = 1;
    lut = Lut::empty(*space, t, ProfileOptions());
    for (const OpSpec& s : space_op_specs(*space, 1))
      lut.ops[s.key()].median_ms = 1e-3 * (1 + op_cost(s).macs * 1e-5);
    Rng rng(1);
    for (int i = 0; i < 256; ++i) archs.push_back(space->sample(rng));
    for (int i = 0; i < 200; ++i) {
      fit.archs.push_back(space->sample(rng));
      fit.ms.push_back(lut.sum_ms(*space, fit.archs.back()) * 1.05 + 0.01);
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_OpSpecKey(benchmark::State& state) {
  Fixture& f = fixture();
  const OpSpec s = f.space->op_spec(3, f.archs[0].genes[3], 1);
  for (auto _ : state) benchmark::DoNotOptimize(s.key());
}
BENCHMARK(BM_OpSpecKey);

void BM_LutSum(benchmark::State& state) {
  Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.lut.sum_ms(*f.space, f.archs[i++ % f.archs.size()]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LutSum);

void BM_ArchCost(benchmark::State& state) {
  Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(arch_cost(*f.space, f.archs[i++ % f.archs.size()]).macs);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArchCost);

void BM_Predict(benchmark::State& state, const std::string& name) {
  Fixture& f = fixture();
  LatencyModelContext ctx;
  ctx.space = f.space.get();
  ctx.lut = &f.lut;
  ctx.fit = &f.fit;
  const std::unique_ptr<LatencyModel> model = make_latency_model(name, ctx);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(model->predict_ms(f.archs[i++ % f.archs.size()]));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(model->describe());
}
BENCHMARK_CAPTURE(BM_Predict, lut_bias, std::string("lut+bias"));
BENCHMARK_CAPTURE(BM_Predict, flops, std::string("flops"));
BENCHMARK_CAPTURE(BM_Predict, linear, std::string("linear"));
BENCHMARK_CAPTURE(BM_Predict, lasso, std::string("lasso"));
BENCHMARK_CAPTURE(BM_Predict, gp, std::string("gp"));

}  // namespace
}  // namespace hwnas

BENCHMARK_MAIN();
