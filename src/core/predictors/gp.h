// Gaussian-process regression (Rasmussen & Williams 2006, Alg. 2.1) with a
// Matern kernel. y is normalised; the kernel is s^2 (R(d / length_scale) +
// noise I) with the amplitude s^2 profiled out analytically, and length scale
// and noise chosen by maximising the log marginal likelihood over a log grid
// (extended past its edges while that helps) plus two finer local grids.
// HURRICANE App. D uses a GP with Matern(nu=0.35, length_scale=1.5) as its DSP
// latency predictor: "gp:length_scale=1.5,nu=0.35,standardize=0" fixes those
// values on raw one-hot features.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/predictors/regressor.h"

namespace hwnas {

class FactoryOptions;

struct GpOptions {
  /// Matern smoothness: 0.5, 1.5, 2.5 have closed forms, inf is the RBF
  /// kernel, any other positive value uses the modified Bessel function K_nu.
  double nu = 2.5;
  /// > 0: fixed, in (standardised) feature units; 0 (text "auto"): by marginal likelihood.
  double length_scale = 0.0;
  /// Noise variance relative to the signal variance; > 0 fixed, 0 ("auto"): by likelihood.
  double noise = 0.0;
  /// Standardise features before computing distances (1) or use them raw (0).
  bool standardize = true;
  /// The hyper-parameter search uses at most this many training rows (a
  /// seeded random subset; each grid point costs one Cholesky of that size).
  int hp_samples = 500;
  uint64_t seed = 0;  ///< subset choice

  static GpOptions from_factory(FactoryOptions* o);
  std::map<std::string, std::string> non_default() const;
};

/// Matern correlation at scaled distance r = d / length_scale (1 at r = 0).
double matern(double r, double nu);

class GpRegressor : public Regressor {
 public:
  explicit GpRegressor(GpOptions opts = {});
  void fit(const Matrix& x, const std::vector<double>& y) override;
  /// Posterior mean, O(n p) per call.
  double predict(const std::vector<double>& x) const override;
  std::string describe() const override;
  std::string summary() const override;

  double length_scale() const { return length_scale_; }    ///< chosen or given
  double noise() const { return noise_; }                  ///< chosen or given (relative)
  double log_marginal_likelihood() const { return lml_; }  ///< of the normalised y on the hp subset

 private:
  GpOptions opts_;
  bool fitted_ = false;
  Standardizer x_scale_;
  Matrix x_train_;               ///< scaled training features
  Vector weights_;               ///< (R + noise I)^-1 y_normalised
  double y_mean_ = 0.0, y_std_ = 1.0;
  double length_scale_ = 0.0, noise_ = 0.0, lml_ = 0.0;
};

}  // namespace hwnas
