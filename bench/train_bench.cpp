// Training throughput (images/s) of the supernet (one sampled path per step)
// against a stand-alone network of one arch, and of the supernet held on
// that same arch's path (so the ratio to stand-alone is the cost of channel
// slicing and shared blocks alone), and the time to evaluate one candidate
// with inherited weights (BN recalibration + validation).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>

#include "core/search_space.h"
#include "eval/accuracy.h"
#include "nn/network.h"
#include "train/trainer.h"

namespace hwnas {
namespace {

/// The space under test: HWNAS_BENCH_SPACE or the default.
std::string bench_space() {
  const char* s = std::getenv("HWNAS_BENCH_SPACE");
  return s ? s : "hsconas";
}

ImageSet random_set(int64_t n) {
  ImageSet s;
  s.name = "random";
  s.images = torch::randint(0, 256, {n, 1, 28, 28}).to(torch::kUInt8);
  s.labels = torch::randint(0, 10, {n}, torch::kLong);
  return s;
}

enum class Mode { kSupernet, kSupernetFixedPath, kStandalone };

void run_train(benchmark::State& state, Mode mode) {
  at::set_num_threads(static_cast<int>(state.range(0)));
  auto space = make_space(bench_space());
  const ImageSet data = random_set(256 * 4);
  const Normalization norm = compute_normalization(data);
  Rng rng(0);
  const Arch fixed = space->sample(rng);
  std::shared_ptr<NetworkImpl> net = mode == Mode::kStandalone ? make_network(*space, fixed) : make_supernet(*space);
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 256;
  o.lr = 0.1;
  int64_t images = 0;
  for (auto _ : state) {
    // Supernet: a new path per step (the real workload); otherwise the fixed arch.
    ArchSampler sampler = mode == Mode::kSupernet ? uniform_path_sampler(*space, images)
                                                  : ArchSampler([&](int64_t) { return fixed; });
    const TrainStats s = train(*net, sampler, data, norm, o);
    images += s.images;
  }
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(images), benchmark::Counter::kIsRate);
}

void BM_TrainSupernet(benchmark::State& state) { run_train(state, Mode::kSupernet); }
void BM_TrainSupernetFixedPath(benchmark::State& state) { run_train(state, Mode::kSupernetFixedPath); }
void BM_TrainStandalone(benchmark::State& state) { run_train(state, Mode::kStandalone); }
BENCHMARK(BM_TrainSupernet)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TrainSupernetFixedPath)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TrainStandalone)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_EvaluateCandidate(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(0)));
  auto space = make_space(bench_space());
  const ImageSet data = random_set(2000);
  const Normalization norm = compute_normalization(data);
  std::shared_ptr<NetworkImpl> super = make_supernet(*space);
  SupernetEvalOptions eo;
  eo.bn_images = 1000;
  eo.valid_images = 1000;
  Rng rng(0);
  for (auto _ : state) {
    SupernetEvaluator ev(super, *space, data, data, norm, eo);  // fresh cache each time
    benchmark::DoNotOptimize(ev.accuracy(space->sample(rng)));
  }
}
BENCHMARK(BM_EvaluateCandidate)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hwnas

BENCHMARK_MAIN();
