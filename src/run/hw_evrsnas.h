// HW-EvRSNAS's parts on the LibTorch side: the reference model (trained
// stand-alone), the single batch and the RMI proxy against the reference.
// `hwnas rmi` and `hwnas run --method hw-evrsnas` both use them.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/rmi.h"
#include "search/objective.h"
#include "search/strategy.h"
#include "run/context.h"
#include "train/trainer.h"

namespace hwnas {

/// Settings of the reference and the proxy.
struct HwEvrsnasOptions {
  std::string reference_arch = "largest";  ///< arch text, or nor_conv_3x3 on every edge
  TrainOptions reference_train;
  RmiOptions rmi;
  int batch_size = 32;  ///< images in the single RMI batch (RMI-NAS uses 32)
  HwEvrsnasOptions();   ///< the defaults `hwnas rmi` documents
};

/// The reference's files in the run directory: <name>.pt and <name>.json.
inline constexpr const char* kReferenceName = "rmi_reference";

struct Reference {
  std::shared_ptr<NetworkImpl> net;
  Arch arch;
  double test_accuracy = 0;
};

/// Trains the reference (stand-alone, full training set, tested on the test
/// set) as `rmi_reference.pt/.json`, or loads it when it is already there.
/// With `reuse_any`, a finished reference is reused whatever its training
/// settings (scoring and search need *a* reference, not a retraining).
Reference reference_stage(Workspace& ws, const HwEvrsnasOptions& a, bool resume, bool reuse_any);

/// The RMI proxy on the single seeded batch of search-train, against `ref`.
std::unique_ptr<RmiProxy> make_proxy(Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref);

/// What must match for stored RMI scores to be reused.
nlohmann::json rmi_settings(const Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref);

/// HW-EvRSNAS Algorithm 1: `strategy` (the GA) over the RMI proxy with
/// `objective` (the penalty, Eq. 4, 5); progress per generation on stderr,
/// the history written to `csv` after each generation.
History search_with_proxy(const SearchSpace& space, RmiProxy& proxy, const LatencyModel& latency,
                          const Strategy& strategy, const Objective& objective, const SearchOptions& so,
                          const std::string& csv);

/// One scored arch (a row of rmi_scores.csv).
struct ScoreRow {
  std::string arch;
  RmiResult rmi;
  double accuracy = std::nan("");  ///< stand-alone search-valid accuracy (%), NaN when not trained
  double train_seconds = std::nan("");
};

struct ScoreOptions {
  TrainOptions standalone;      ///< epochs 0: RMI only
  int64_t valid_images = 2000;  ///< search-valid images of the stand-alone accuracy (0 = all)
  std::string out = "rmi_scores.csv";  ///< in the run directory, with <out>.json holding its settings
};

/// The archs `rmi score` scores: the given texts, then `random` more drawn
/// uniformly (seeded), each once.
std::vector<Arch> archs_to_score(const SearchSpace& space, const std::vector<std::string>& texts, int random,
                                 uint64_t seed);

/// Scores `archs` by RMI, and with standalone.epochs > 0 also trains each
/// from scratch (seeded by the seed and its position) and tests it on
/// search-valid. Rows go to `out` as they come, beside the earlier rows of
/// other archs; rows of an interrupted call with the same settings are
/// reused, other settings are refused. `on_row(i, row)` after each arch.
std::vector<ScoreRow> score_archs(Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref, RmiProxy& proxy,
                                  const std::vector<Arch>& archs, const ScoreOptions& o,
                                  const std::function<void(size_t, const ScoreRow&)>& on_row);

/// How well RMI ranks: Kendall tau-b against the stand-alone accuracies and,
/// with `accuracy_table` (FILE:COLUMN), against tabulated accuracies too.
struct ScoreSummary {
  double rmi_seconds_mean = 0;
  int trained = 0;  ///< rows with a stand-alone accuracy
  double tau_standalone = std::nan("");
  double tau_table = std::nan(""), tau_table_standalone = std::nan("");
};
ScoreSummary summarize_scores(const SearchSpace& space, const std::vector<ScoreRow>& rows,
                              const std::string& accuracy_table);

}  // namespace hwnas
