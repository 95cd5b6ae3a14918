// Pipeline stages shared by `hwnas train`, `hwnas retrain` and `hwnas run`:
// each writes its artifacts to the run directory and skips or resumes work
// already there.
#pragma once

#include <memory>
#include <string>

#include "nn/network.h"
#include "run/context.h"
#include "train/trainer.h"

namespace hwnas {

struct SupernetResult {
  std::shared_ptr<NetworkImpl> supernet;
  TrainStats stats;
  bool reused = false;  ///< loaded as finished from the run directory, not trained now
};

/// Trains (or resumes, or loads when finished) the supernet `<name>.pt` in
/// the run directory on search-train. A run directory holding an unfinished
/// `<name>.ckpt` needs `resume`; one trained with other settings is refused.
SupernetResult train_supernet_stage(Workspace& ws, const TrainOptions& opts, const std::string& name,
                                    bool resume, const SearchSpace* subspace = nullptr,
                                    const std::string& init_from = "");

/// Result of training one arch from scratch and testing it.
struct RetrainResult {
  std::shared_ptr<NetworkImpl> net;
  TrainStats stats;
  double accuracy = 0;  ///< % on the held-out set: test, or search-valid (see Holdout)
  int64_t parameters = 0;
};

/// What a stand-alone training learns from and is scored on.
enum class Holdout {
  kTest,         ///< full training set (search-train + search-valid), then the test set
  kSearchValid,  ///< search-train, then search-valid: for choices the test set must not see
};

/// Trains `arch` stand-alone and evaluates it on the held-out set;
/// `<name>.pt` and `<name>.json` in the run directory. Resumes from
/// `<name>.ckpt`. `space` defaults to the workspace's (baselines may come
/// from another).
RetrainResult retrain_stage(Workspace& ws, const Arch& arch, const TrainOptions& opts,
                            const std::string& name, bool resume, bool quiet = false,
                            const SearchSpace* space = nullptr, Holdout holdout = Holdout::kTest);

}  // namespace hwnas
