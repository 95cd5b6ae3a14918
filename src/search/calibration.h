// Calibrating the supernet's accuracy with a few short stand-alone trainings.
// At this scale the supernet misses what decides stand-alone accuracy: depth
// (skips help, stacked layers hurt) and width (docs/benchmarks/supernet.md,
// "What the supernet misses"). A ridge fit of stand-alone accuracy on the
// supernet's accuracy, the number of non-skip layers and their mean width
// factor, over N archs near the budget, gives the search an accuracy that
// sees both: at 3 ms the search's pick trained to 77.75% with it, and to
// 74.61% with a fit on uniform archs (docs/benchmarks/pipeline.md, "A
// calibrated accuracy for the search").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/latency_model.h"
#include "core/predictors/linear.h"
#include "core/rng.h"
#include "core/search_space.h"

namespace hwnas {

/// Names of the calibration features, in calibration_features() order.
std::vector<std::string> calibration_feature_names();
/// {inherited accuracy, number of non-skip layers, mean width factor of the
/// non-skip layers (0 when every layer skips)}.
std::vector<double> calibration_features(const SearchSpace& space, const Arch& arch, double inherited_accuracy);

/// `n` distinct archs predicted within [0.8 T, T] that spread over what the
/// fit must learn. Uniform samples near a budget all have about the same
/// depth and mean width (16-19 layers, mean width 0.43-0.61 at T = 3 ms:
/// nothing to fit), so arch i is drawn with its own skip share (0 - 0.6 of
/// the layers that allow skip) and width centre (low, middle, high) on a
/// grid, and kept when its predicted latency is near T. A grid point that
/// cannot meet the budget (a shrunk space may fix the layers its shape
/// needs) takes a uniform draw near T instead; fewer than `n` only when
/// those fail too.
std::vector<Arch> calibration_archs(const SearchSpace& space, const LatencyModel& latency, double target_ms, int n,
                                    Rng& rng);

/// A fitted calibration and how well it ranks the archs it was fitted on.
struct Calibration {
  LinearRegressor model{LinearOptions{0.1}};
  /// Kendall tau against the stand-alone accuracies: the inherited ones, and
  /// the calibrated ones predicted with each arch left out of its own fit.
  double tau_inherited = 0.0;
  double tau_leave_one_out = 0.0;
};

/// Fits stand-alone accuracy on features (rows of calibration_features()).
/// Throws hwnas::Error with fewer than 4 archs or mismatched sizes.
Calibration fit_calibration(const std::vector<std::vector<double>>& features, const std::vector<double>& standalone);

/// The search's evaluator: `base` (the supernet) passed through a fitted
/// calibration. Results are cached by the base evaluator.
class CalibratedEvaluator : public Evaluator {
 public:
  CalibratedEvaluator(Evaluator& base, const SearchSpace& space, Calibration calibration);
  double accuracy(const Arch& arch) override;
  std::string describe() const override;

 private:
  Evaluator& base_;
  const SearchSpace& space_;
  Calibration calibration_;
};

}  // namespace hwnas
