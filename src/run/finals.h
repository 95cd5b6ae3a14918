// The end of every method: the pick and the hand-designed baselines built in
// the same space are retrained from scratch with the same settings, tested,
// and measured on the target; best.json states the result in one schema.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_number.h"
#include "latency/measurer.h"
#include "run/context.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/stage.h"
#include "run/supernet_stage.h"

namespace hwnas {

/// One network of the final comparison.
struct FinalNet {
  std::string name;             ///< file stem in the run directory (final, baseline_...)
  std::string label;            ///< as the report shows it
  const SearchSpace* space = nullptr;
  Arch arch;
  int family = 0;               ///< 0 ShuffleNetV2, 1 searched, 2 MobileNetV2 (pareto.csv)
  RetrainResult result;         ///< the first seed's training (weights, parameters)
  std::vector<double> accuracies;  ///< test accuracy of each seed's training
  Timing measured;                   ///< at the table's speed (measurer.h)
  double measured_raw_ms = std::nan("");  ///< as timed (NaN: as `measured`)
  double checked_ms = std::nan("");  ///< the latency check's timing, at profile speed (NaN: not timed)
  ExportCheck exported;              ///< the export stage's check (file empty: not exported)
};

/// The baselines' own space (MobileNetV2 blocks in the layout of `space`)
/// and the finals: the pick first, then uniform-width ShuffleNetV2 (when
/// `space` has the k3 op) and MobileNetV2 at each width factor.
struct Finals {
  std::unique_ptr<SearchSpace> mbv2;
  std::vector<FinalNet> nets;
};
Finals make_finals(const SearchSpace& space, const Arch& pick, const std::string& pick_label,
                   const std::vector<double>& shufflenet_widths, const std::vector<double>& mbv2_widths);

/// Adds `n` archs drawn uniformly from `space` among those `model` predicts
/// within [0.95 T, T] (random_1 ..., kRandomFamily): retrained and measured
/// exactly like the pick, they say whether the search beat chance. Fewer,
/// with a warning, when 2,000,000 draws do not find `n`.
/// With `timed` (a latency check's end-to-end timings of archs, at the
/// table's speed), they are held to [0.95 T, 0.98 T] as timed as well, the
/// pick's room for a second timing (kRepeatability) kept: an arch timed
/// outside gives way to another, drawn with the model's window scaled by
/// the median ratio of the timings so far to the model, up to kRandomPool x
/// `n` timed; then those timed under it stand in (the nearest first, never one over it);
/// each keeps its timing as its checked_ms. The model misses single
/// archs by up to 10%, so drawn by prediction alone, one of three timed
/// over T in three of four default runs (docs/benchmarks/pipeline.md).
void add_random_finals(Finals* finals, const SearchSpace& space, const LatencyModel& model, double T_ms, int n,
                       uint64_t seed,
                       const std::function<std::vector<double>(const std::vector<Arch>&)>& timed = nullptr);
inline constexpr int kRandomPool = 4;

/// A hand-designed arch: every layer `op_name` at the width factor nearest `w`.
Arch uniform_width(const SearchSpace& space, const std::string& op_name, double w);

/// The retrain stage: every final net trained o.retrain_seeds times (seeds
/// exec.seed ..) with o.retrain, as independent jobs (exec.jobs at once),
/// every first seed before any second and the dearest net first within a
/// seed. Seeds past the first are files <name>_seed<S>.
void retrain_finals_stage(StageRunner& stages, Workspace& ws, const PipelineOptions& o, std::vector<FinalNet>* nets);

/// The settings of a training that decide whether its result can be reused.
nlohmann::json train_settings(const TrainOptions& t);

/// measured.json: the measure stage's timings of final networks by arch
/// text and target (at the table's speed, as timed, and the machine's speed
/// then), so that a resumed run reports what it measured.
class MeasuredCache {
 public:
  explicit MeasuredCache(const RunDir& run);
  /// The stored measurement of `nets` on `target`, when every one of them is stored.
  std::optional<Measurement> get(const Target& target, const std::vector<SpaceArch>& nets) const;
  void put(const Target& target, const std::vector<SpaceArch>& nets, const Measurement& m);

 private:
  const RunDir& run_;
  nlohmann::json data_;
};

/// Times the finals on the target beside the table's speed reference
/// (measure_settled) and returns the stage's record; fills each net's
/// `measured` and `measured_raw_ms`. A net far from its latency check, or
/// without one far over its `predicted` latency (NaN: none), is timed
/// again (record "timed_again").
nlohmann::json measure_finals(const RunDir& run, Target& target, std::vector<FinalNet>* nets,
                              const SpeedReference& reference, const ProfileOptions& opt, double* drift,
                              const std::function<double(const FinalNet&)>& predicted = nullptr);

/// The measure stage: times the finals on `target` (make_fresh_process_target
/// for a local one) beside the table's speed reference. Returns the
/// reference's drift since profiling (NaN: the table has none).
double measure_stage(StageRunner& stages, const PipelineOptions& o, const RunDir& run, Target& target,
                     const SearchSpace& table_space, const Lut& lut, std::vector<FinalNet>* nets);

/// The finals as the report shows them: the pick predicted by `pick_model`,
/// baselines of `table_space` by `table_model`, others not predicted; their
/// timings at the table's speed and as timed.
std::vector<ReportNet> report_nets(const std::vector<FinalNet>& nets, const SearchSpace& table_space,
                                   const LatencyModel& pick_model, const LatencyModel& table_model, Statistic statistic);

/// best.json, one schema for every method. Fields a method does not have are null.
struct BestRecord {
  std::string method, space, arch, dataset;
  double latency_budget_ms = 0;
  double predicted_latency_ms = std::nan("");
  double measured_latency_ms = std::nan("");      ///< at the table's speed (measurer.h)
  double measured_latency_raw_ms = std::nan("");  ///< as timed
  double search_score = std::nan("");       ///< the search's accuracy signal for the pick (%: supernet, proxy, table)
  std::string search_score_kind;            ///< what search_score is ("supernet search-valid accuracy", ...)
  double standalone_search_valid_accuracy = std::nan("");  ///< the re-ranking's short training, when run
  std::vector<double> test_accuracies;      ///< one per retraining seed (empty: not retrained)
  int64_t parameters = 0, macs = 0;
  double drift_since_profile = std::nan("");
  double checked_latency_ms = std::nan("");  ///< the pick timed by the latency check (NaN: not)
  RandomComparison random;                  ///< the pick against random archs at its budget (n = 0: none)
  std::string picked_from = "search";       ///< or "uniform draw": the re-ranking chose one of its uniform candidates
  nlohmann::json target;                    ///< TargetInfo of the measurements (null: none)
};
void write_best(const RunDir& run, const BestRecord& best);

/// best.json's fields every method fills alike, from the report's first net
/// (the pick): arch, budget, latencies, accuracies, size, drift, random
/// comparison, target; and where the pick came from, from the re-ranking.
BestRecord best_record(const std::string& method, const CommonOptions& common, const ReportInput& rep);

/// The report stage: report.md with its CSVs and plots, best.json, and the
/// summary on stdout.
void report_stage(StageRunner& stages, const RunDir& run, const ReportInput& rep, const BestRecord& best);

}  // namespace hwnas
