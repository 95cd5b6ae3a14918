// Latency on a new device from K measured archs ("shots") and the latency
// tables of devices measured before (HELP, Lee et al. 2021, does this with
// a meta-learned network; here with closed-form ridge models whose penalty
// is chosen by leave-one-out error).
//
//   nearest   the one source whose log latency maps best onto the shots
//             (affine, leave-one-out error): "this device is like that one"
//   map       every source combined: target = a + sum_d w_d source_d in ms,
//             ridge with the penalty chosen by leave-one-out over the shots
//             (the LUT + bias idea across devices: op costs add up, so a
//             device whose op costs mix the sources' is a linear combination)
//   logmap    the same in log space: a product of powers of the sources
//   finetune  map, then a ridge correction on the arch's one-hot encoding fitted
//             to the shots' residuals (a learned predictor on the encoding,
//             warm-started from the sources, fine-tuned on the K shots)
//   opscale   the LUT idea across devices: a source's latency as a table of
//             per-(edge, op) costs (least squares over all its archs); the new
//             device's is that table with a scale per op type and an overhead,
//             fitted on the shots, from the source that fits them best
//   help      the device described by its log latencies on the shots (HELP's
//             hardware embedding); across the source devices, each arch's log
//             latency is regressed on that embedding (ridge, the penalty
//             meta-learned by predicting each source device from the others)
//
// The shots: one arch from each of K strata of equal size along the
// sources' mean log latency, drawn at random within its stratum, so the
// shots span the latency range whatever the draw.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/arch.h"
#include "core/latency_model.h"
#include "core/predictors/matrix.h"
#include "core/predictors/metrics.h"
#include "core/rng.h"
#include "core/search_space.h"
#include "core/tables.h"

namespace hwnas {

/// Every arch of a space with its latency on each source device.
struct TransferSources {
  const SearchSpace* space = nullptr;
  std::vector<Arch> archs;           ///< the archs predictions are made for
  Matrix ms;                         ///< archs x devices, positive milliseconds
  std::vector<std::string> devices;  ///< a name per column
  /// Throws hwnas::Error on a size mismatch, fewer than 1 device or 2 archs,
  /// or a latency that is not positive and finite.
  void check() const;
};

/// The archs of `target` that every table `sources` (FILE:COL each) holds,
/// in the target's order, with the sources' latencies: what a transfer to
/// the target's device starts from. The target's values are not read.
TransferSources transfer_sources(const SearchSpace& space, const std::vector<std::string>& sources,
                                 const ArchTable& target);

/// K shot indices (into sources.archs): one from each of K equal strata of
/// the sources' mean log latency, drawn with `rng`. Throws when K is not in
/// 2..archs.
std::vector<int> choose_shots(const TransferSources& sources, int k, Rng& rng);

class TransferPredictor {
 public:
  virtual ~TransferPredictor() = default;
  /// Fits on the shots alone: their indices into sources.archs and their
  /// latency on the new device (ms). Nothing else of the new device is read.
  virtual void fit(const TransferSources& sources, const std::vector<int>& shots, const std::vector<double>& shot_ms) = 0;
  /// The latency of every arch of the sources on the new device (ms).
  virtual std::vector<double> predict_all() const = 0;
  /// The name (make_transfer_predictor's argument).
  virtual std::string describe() const = 0;
  /// What the fit chose (source, weights, penalty), for logs.
  virtual std::string summary() const = 0;
};

/// "nearest", "map", "logmap", "finetune", "opscale" or "help"; throws naming the known ones.
std::unique_ptr<TransferPredictor> make_transfer_predictor(const std::string& name);
/// The built-in predictors' names, in the order above.
std::vector<std::string> transfer_predictor_names();

/// A fitted transfer as a LatencyModel over the archs of its sources (a
/// search's latency model on the new device), every prediction times
/// `scale` (a safety margin); an arch outside them throws.
class TransferLatency : public LatencyModel {
 public:
  TransferLatency(const TransferSources& sources, const TransferPredictor& fitted, std::string description,
                  double scale = 1);
  double predict_ms(const Arch& arch) const override;
  /// Whether `arch` is among the sources' archs (predict_ms throws otherwise).
  bool covers(const Arch& arch) const;
  std::string describe() const override { return description_; }

 private:
  const SearchSpace* space_;
  std::unordered_map<std::string, double> ms_;  ///< by canonical arch text
  std::string description_;
};

/// One predictor scored over several draws of the shots.
struct TransferScore {
  std::string predictor;
  std::vector<FitMetrics> draws;  ///< one per draw, on the archs not drawn as shots
  std::string first_summary;      ///< summary() after the first draw
  /// Mean over the draws of a metric.
  double mean(double FitMetrics::*field) const;
};

/// For draw s of `draws`: K shots by choose_shots (seed, s), measured by
/// `measure(arch index)` (asked for the shots and nothing else), every
/// predictor fitted on them, then scored against `truth_ms` on every other
/// arch. Throws when truth_ms does not match the archs.
std::vector<TransferScore> evaluate_transfer(const TransferSources& sources, const std::function<double(int)>& measure,
                                             const std::vector<double>& truth_ms,
                                             const std::vector<std::string>& predictors, int k, int draws,
                                             uint64_t seed);

}  // namespace hwnas
