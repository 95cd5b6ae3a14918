// What most commands need before they start: the space, the data with its
// search split and normalisation, and the run directory with its config.
#pragma once

#include <memory>
#include <string>

#include "core/search_space.h"
#include "data/dataset.h"
#include "nn/execution.h"
#include "run/run_dir.h"

namespace hwnas {

/// The options every training / searching command shares.
struct CommonOptions {
  std::string space = "hsconas";          ///< search space factory string
  std::string dataset = "fashion-mnist";  ///< data set spec (see load_dataset)
  std::string run_dir = "runs/default";   ///< where artifacts go
  ExecutionContext exec;                  ///< threads, jobs, seed
  int valid_per_class = 500;              ///< search-validation images per class, taken from train
};

/// Loaded data plus its splits, kept together so references stay valid.
struct Workspace {
  CommonOptions opts;
  std::unique_ptr<SearchSpace> space;
  DataSplits data;
  SearchSplit split;      ///< search-train / search-valid from data.train
  Normalization norm;     ///< computed on search-train
  std::unique_ptr<RunDir> run;
  /// The command's intra-op thread count (exec.threads) while the workspace
  /// is open; stages and jobs that need another count scope their own.
  std::unique_ptr<ThreadScope> threads;
  /// Where the command's trainings and evaluations run (exec.device).
  torch::Device device = torch::kCPU;
};

/// Loads everything, checks the data fits the space (channels, size,
/// classes) with a clear message, and creates the run directory.
std::unique_ptr<Workspace> open_workspace(const CommonOptions& opts);

}  // namespace hwnas
