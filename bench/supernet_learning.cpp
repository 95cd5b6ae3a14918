// How fast single-path supernet training learns on Fashion-MNIST, against a
// stand-alone network: the training loss over windows of 25 steps for one
// sampling mode. docs/benchmarks/supernet.md has the runs.
//   supernet_learning MODE [LR] [STEPS] [BATCH] [SPACE]
//   MODE: standalone (one fixed random arch, its own network), fixed (that
//   arch through the supernet), random (uniform op + width per layer, the
//   real workload), widths (the largest arch's ops, random widths), ops
//   (random ops at full width).
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/search_space.h"
#include "data/dataset.h"
#include "nn/network.h"
#include "train/trainer.h"

using namespace hwnas;

int main(int argc, char** argv) try {
  HWNAS_CHECK(argc >= 2, "usage: supernet_learning standalone|fixed|random|widths|ops [LR] [STEPS] [BATCH] [SPACE]");
  const std::string mode = argv[1];
  TrainOptions o;
  o.epochs = 1;
  o.lr = argc > 2 ? std::atof(argv[2]) : 0.1;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 300;
  o.batch_size = argc > 4 ? std::atoi(argv[4]) : 128;
  o.limit = static_cast<int64_t>(o.batch_size) * steps;
  std::shared_ptr<SearchSpace> space = make_space(argc > 5 ? argv[5] : "hsconas");
  const DataSplits data = load_dataset("fashion-mnist");
  const Normalization norm = compute_normalization(data.train);
  Rng rng(1);
  const Arch fixed = space->sample(rng), big = space->largest();
  std::shared_ptr<NetworkImpl> net = mode == "standalone" ? make_network(*space, fixed) : make_supernet(*space);
  ArchSampler sampler;
  if (mode == "standalone" || mode == "fixed") {
    sampler = [fixed](int64_t) { return fixed; };
  } else if (mode == "random") {
    sampler = uniform_path_sampler(*space, 0);
  } else if (mode == "widths" || mode == "ops") {
    const bool widths = mode == "widths";
    sampler = [space, big, widths](int64_t step) {
      Rng r = derive_rng(0, Stage::kSupernet, static_cast<uint64_t>(step));
      Arch a = space->sample(r);
      for (size_t l = 0; l < a.genes.size(); ++l) {
        if (widths) a.genes[l].op = big.genes[l].op;
        else a.genes[l].width = space->layers[l].widths.back();
      }
      return space->canonical(a);
    };
  } else {
    HWNAS_CHECK(false, "unknown mode '", mode, "'");
  }
  double prev_loss = 0, prev_acc = 0;
  std::printf("mode,step,window_loss,window_acc\n");
  train(*net, sampler, data.train, norm, o, [&](int64_t s, int64_t, double loss, double acc) {
    if (s % 25 != 0) return;
    // The callback reports running means over the epoch; turn them into window means.
    std::printf("%s,%lld,%.3f,%.1f\n", mode.c_str(), static_cast<long long>(s), (s * loss - (s - 25) * prev_loss) / 25,
                (s * acc - (s - 25) * prev_acc) / 25);
    std::fflush(stdout);
    prev_loss = loss;
    prev_acc = acc;
  });
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "supernet_learning: %s\n", e.what());
  return 1;
}
