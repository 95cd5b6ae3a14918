// Searches on tabular benchmarks (NAS-Bench-201 accuracy + HW-NAS-Bench
// latency, or any FILE:COLUMN tables): a strategy under one or more
// budgets and several seeds, each result with its gap to the exhaustive
// oracle; and HW-EvRSNAS's population fill study (section 4.4.2). `hwnas
// search` parses options and prints these records.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/evaluator.h"
#include "core/latency_model.h"
#include "core/search_space.h"
#include "search/strategy.h"

namespace hwnas {

/// One arch with both values, for the exhaustive oracle.
struct TablePoint {
  Arch arch;
  double accuracy = 0;
  double latency_ms = 0;
};

/// Where accuracies and latencies come from. `all` lists every arch with both
/// values when the source can enumerate them cheaply (tables); sources that
/// cannot (a supernet) leave it empty and results carry no oracle or gap.
struct SearchSource {
  std::unique_ptr<Evaluator> evaluator;  ///< null when only latency is needed
  std::unique_ptr<LatencyModel> latency;
  std::vector<TablePoint> all;
  std::vector<double> sorted_latencies_ms;  ///< of every arch it knows: its range, and budgets as a share ("30%")
  /// Fastest and slowest arch known to the latency source (0 and infinity when it lists none).
  double min_latency_ms() const { return sorted_latencies_ms.empty() ? 0 : sorted_latencies_ms.front(); }
  double max_latency_ms() const {
    return sorted_latencies_ms.empty() ? std::numeric_limits<double>::infinity() : sorted_latencies_ms.back();
  }
  std::string latency_name;   ///< names the latency source in messages
  /// The table itself when `latency` is a model transferred to its device
  /// from other devices and a few shots (use_transfer): found archs are
  /// checked against it, and the oracle comes from it.
  std::unique_ptr<LatencyModel> truth;
};

/// Tables as FILE:COLUMN; the accuracy table only when `need_accuracy`.
SearchSource make_table_source(const SearchSpace& space, const std::string& latency_table,
                               const std::string& accuracy_table, bool need_accuracy);

/// Replaces `src`'s latency table by a prediction for its device from the
/// tables `sources` (FILE:COL each) and `shots` archs of the table drawn by
/// choose_shots(seed): the table is read at those archs only, and kept as
/// src->truth to judge what the search finds. With `margin`, predictions are
/// raised by the worst under-prediction of the shots left out one at a time,
/// at most 3x (a budget is a limit; the shots say how far the model can be under).
/// Returns a one-line summary.
std::string use_transfer(SearchSource* src, const SearchSpace& space, const std::vector<std::string>& sources,
                         const std::string& predictor, int shots, uint64_t seed, bool margin = true);

/// The latency of one arch on the new device (ms): a table lookup, or a
/// measurement on a live target.
using ShotReader = std::function<double(const Arch&)>;

/// The same for a device without a table (a live target): `device` times
/// the shots, and, as src->truth, every arch a search returns (never the
/// archs it only evaluates). The archs searched are those of the accuracy
/// table that every source holds; there is no oracle. Needs src->evaluator
/// to be a table.
std::string use_live_transfer(SearchSource* src, const SearchSpace& space, const std::vector<std::string>& sources,
                              const std::string& predictor, int shots, uint64_t seed, bool margin,
                              std::unique_ptr<LatencyModel> device);

/// Budgets with units ("5ms", lists "5ms,10ms") in ms, each checked against
/// the source's latency range; "P%" is the latency within which P% of the
/// archs known to the source fit, a budget that exists on any device (one
/// known from a few shots has latencies nobody can guess before).
std::vector<double> parse_budgets(const std::vector<std::string>& budgets, const SearchSource& src);

struct TabularSearchOptions {
  std::string objective = "hard";  ///< without T: each budget supplies it
  int seeds = 1;
  uint64_t seed = 0;               ///< runs use seed .. seed + seeds - 1
  int max_evals = 0;               ///< 0 = the strategy's own length
  std::string out;                 ///< search.csv of each run (empty: none)
};

struct RunResult {
  uint64_t seed = 0;
  int evals = 0;
  int generations = 0;
  bool found = false;  ///< some evaluated arch met the budget
  std::string arch;
  double accuracy = 0, latency_ms = 0, score = 0;
  double gap = std::nan("");  ///< oracle - accuracy (when there is an oracle and found)
  double seconds = 0;
  /// The non-dominated evaluated archs (accuracy up, latency down), by latency.
  std::vector<SearchRecord> front;
  /// Hypervolume of the evaluated archs over that of every arch of the table
  /// (reference: the table's lowest accuracy and highest latency); NaN without a table.
  double hypervolume_ratio = std::nan("");
  /// With a transferred latency model: the found arch's latency in the table, and whether it meets T.
  double true_latency_ms = std::nan("");
  bool meets_budget = false;
};

struct BudgetResult {
  double budget_ms = 0;
  std::string objective;
  bool has_oracle = false;
  int feasible_archs = 0, total_archs = 0;
  TablePoint oracle;
  std::vector<RunResult> runs;
};

/// The strategy under `budget_ms`, once per seed; progress on stderr.
/// `single_run`: the only run of the command (--out is its file as given).
BudgetResult run_budget(const SearchSpace& space, SearchSource& src, const Strategy& strategy,
                        const TabularSearchOptions& o, double budget_ms, bool single_run);

/// The gaps to the oracle of the runs that found an arch.
std::vector<double> gaps_of(const BudgetResult& b);

/// Every budget's runs as one record (`hwnas search --json`).
nlohmann::ordered_json search_json(const SearchSpace& space, const SearchSource& src, const Strategy& strategy,
                                   int max_evals, const std::vector<BudgetResult>& results);

/// HW-EvRSNAS 4.4.2 at one budget: uniform samples until `population`
/// members are admitted, by rejection sampling and by the penalty objective.
struct FillRow {
  double budget_ms = 0;
  double feasible_fraction = 0;  ///< exhaustive over the latency table
  std::vector<double> rejection, penalty;
  int rejection_unfilled = 0;
};
struct FillStudyOptions {
  int population = 50;
  int64_t max_samples = 10'000'000;
  int runs = 1;
  uint64_t seed = 0;
};
std::vector<FillRow> fill_study(const SearchSpace& space, const SearchSource& src, const std::vector<double>& budgets,
                                const FillStudyOptions& o);
nlohmann::ordered_json fill_study_json(const SearchSpace& space, const SearchSource& src, const FillStudyOptions& o,
                                       const std::vector<FillRow>& rows);

}  // namespace hwnas
