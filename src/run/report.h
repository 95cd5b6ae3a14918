// report.md of a pipeline run, with its CSVs and gnuplot PNGs: the chosen
// arch as a layer table, predicted vs measured latency, test accuracy, search
// cost per stage, search progress and latency histogram (HSCoNAS Fig. 7) and
// the accuracy-latency Pareto plot against the baselines.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/search_space.h"
#include "core/stats.h"
#include "latency/target.h"
#include "run/run_dir.h"
#include "search/strategy.h"

namespace hwnas {

/// The family of the archs drawn at random within [0.95 T, T] (--random-baseline).
inline constexpr int kRandomFamily = 3;

/// The random archs against the pick: mean test accuracy of each random
/// arch (over its seeds), their mean and standard error, and the pick's lead
/// in units of the combined standard error.
struct RandomComparison {
  int n = 0;  ///< random archs (0: none)
  double mean = 0, se = 0, mean_measured_ms = 0;
  double pick_mean = 0, pick_se = 0;  ///< the pick's mean over seeds and its standard error
  double lead = 0, lead_in_se = 0;    ///< pick - random, and that over sqrt(se^2 + pick_se^2)
  bool timed = false;                 ///< every random arch was held under 0.98 T as timed (checked_ms)
};

/// One retrained and measured network.
/// A final network exported as ONNX, checked on OpenCV DNN against LibTorch
/// and timed on the runtime the target did not use (run/export_stage.h).
struct ExportCheck {
  std::string file;                       ///< <name>.onnx in the run directory (empty: not exported)
  int images = 0;                         ///< test images compared
  double max_abs_diff = std::nan("");     ///< largest |logit difference|, OpenCV against LibTorch
  double top1_agreement = std::nan("");   ///< share of images with the same top-1 class
  std::string other_runtime;              ///< the other runtime's target (empty: none here)
  double other_runtime_ms = std::nan(""); ///< latency there, as timed
};

struct ReportNet {
  std::string label;
  const SearchSpace* space = nullptr;  ///< the space `arch` is written in
  int family = 0;                      ///< 0 ShuffleNetV2, 1 searched, 2 MobileNetV2, 3 random (kRandomFamily)
  Arch arch;
  std::vector<double> test_accuracies;  ///< % of each seed's training
  int64_t parameters = 0, macs = 0;
  double predicted_ms = 0;          ///< NaN: no model for it
  double measured_ms = 0;           ///< at the table's speed (measurer.h)
  double raw_measured_ms = 0;       ///< as timed
  double measured_cv = 0;
  double checked_ms = std::nan("");  ///< the latency check's timing of the same arch, at profile speed (NaN: not timed)
  ExportCheck exported;
  bool searched() const { return family == 1; }
  double test_accuracy() const { return mean_of(test_accuracies); }    ///< % over the seeds
  double test_accuracy_sd() const { return std_of(test_accuracies); }  ///< sample sd; 0 for one seed
};

RandomComparison compare_with_random(const std::vector<ReportNet>& nets);
/// One phrase: ahead of, behind, or not distinguishable from random.
std::string verdict_against_random(const RandomComparison& rc);

/// One candidate of the re-ranking stage.
struct RerankRow {
  SearchRecord candidate;          ///< as the search scored it (widened: by the same evaluator and model)
  double standalone_accuracy = 0;  ///< % on search-valid after the short training
  double latency_ms = 0;           ///< what it was scored with: measured by the latency check, else predicted
  double score = 0;                ///< the objective with that accuracy and latency
  bool chosen = false;             ///< the re-ranking's pick
  bool uniform = false;            ///< drawn uniformly near T (--rerank-random), not by the search
};

/// One arch of the widening stage (search/widen.h).
struct WidenRow {
  SearchRecord original, widened;   ///< before and after, scored as the search scores
  double measured_ms = std::nan("");  ///< the widened arch on the target (NaN: no latency check)
};

struct ReportInput {
  const SearchSpace* space = nullptr;
  const SearchSpace* searched_space = nullptr;  ///< after shrinking
  TargetInfo target;
  std::string dataset, latency_model, objective, strategy;
  double latency_budget_ms = 0, feasible_lo_ms = 0, feasible_hi_ms = 0;
  /// Median time of re-timed bias archs now / at profiling, minus 1 (NaN: not measured).
  double drift_since_profile = std::nan("");
  int retrain_seeds = 1;  ///< trainings per network, seeds first_seed..
  unsigned first_seed = 0;
  const History* history = nullptr;       ///< the archs the search evaluated; null: a search without a population
  /// Markdown the method adds after the searched arch (the differentiable
  /// searches' trajectories, with their plots).
  std::string method_section;
  std::vector<RerankRow> rerank;           ///< empty: no re-ranking
  std::vector<WidenRow> widen;             ///< empty: no widening
  std::string calibration;                 ///< one line on the calibrated accuracy; empty: off
  std::string latency_check;               ///< one line on the latency check; empty: off
  std::string rerank_training;             ///< e.g. "1 epoch over 6000 search-train images"
  std::vector<double> shrink_log10_sizes;  ///< before, after stage 1, after stage 2
  std::vector<ReportNet> nets;             ///< searched first, then baselines
  std::vector<std::pair<std::string, double>> stage_seconds;
  std::function<double(int layer, const Gene&)> op_latency_ms;  ///< LUT entry of one layer of the pick's space
};

/// Where the pick came from when the re-ranking had uniform draws beside
/// the search's candidates: the search's, or a uniform draw and where the
/// search's best placed; empty without uniform draws. At the default's
/// scale a uniform draw won in 13 of 14 runs (docs/benchmarks/pipeline.md),
/// so every verdict says which.
std::string pick_origin(const std::vector<RerankRow>& rerank);

/// One line against the goals: T hit (measured within 5% under T, never
/// over)? ahead of each baseline family at the pick's latency? of random archs?
std::string verdict_line(const ReportInput& in);

/// Writes report.md, pareto.csv and the plots (skipped with a note in the
/// report when gnuplot is not installed).
void write_report(const RunDir& run, const ReportInput& in);

/// The end of a run on stdout: the pick, each final network's accuracy and
/// latency, and the measured miss of the budget.
void print_summary(const RunDir& run, const ReportInput& in);

}  // namespace hwnas
