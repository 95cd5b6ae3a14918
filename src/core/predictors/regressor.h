// Regressor: a learned map from a feature vector (an encoded arch, see
// encoding.h) to a latency in milliseconds. Implementations, one file each:
// linear (OLS / ridge), lasso, bayesian-ridge, gp (Matern), flops. The
// HURRICANE latency predictors (App. D) are GP / Lasso / Bayesian ridge on a
// one-hot arch encoding. LightNAS's MLP and SurgeNAS's GNN are LibTorch
// modules, differentiable in the arch (latency/diff_predictors.h).
// Built by make_regressor("lasso:alpha=0.01"); describe() prints that string back.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/predictors/matrix.h"

namespace hwnas {

class Regressor {
 public:
  virtual ~Regressor() = default;
  /// Fits to rows of `x` (n samples x p features) and targets `y` (n values,
  /// e.g. ms). Refitting replaces the previous fit. Throws hwnas::Error when
  /// sizes disagree, values are not finite or there are too few samples.
  virtual void fit(const Matrix& x, const std::vector<double>& y) = 0;
  /// Prediction for one feature vector of the fitted width p. Throws
  /// hwnas::Error before fit() or on a wrong length.
  virtual double predict(const std::vector<double>& x) const = 0;
  /// The canonical factory string (only options that differ from the
  /// defaults, keys sorted): make_regressor(describe()) builds an equal model.
  virtual std::string describe() const = 0;
  /// What the last fit chose (hyper-parameters found by CV / evidence /
  /// likelihood, sparsity, epochs), for logs; "unfitted" before fit().
  virtual std::string summary() const = 0;

  /// predict() of every row of `x`.
  std::vector<double> predict_rows(const Matrix& x) const;
};

/// Builds a regressor from "name" or "name:key=value,..."; throws
/// hwnas::Error naming the known regressors / the bad option.
std::unique_ptr<Regressor> make_regressor(const std::string& spec);
/// Names of the built-in regressors with a one-line description each.
std::vector<std::pair<std::string, std::string>> list_regressors();

/// Per-column affine scaling to zero mean and unit variance, fitted on
/// training rows and re-applied to query rows. Constant columns keep scale 1
/// (they become all zero), so they never divide by zero.
struct Standardizer {
  Eigen::RowVectorXd mean;   ///< per column
  Eigen::RowVectorXd scale;  ///< per column standard deviation (population), 1 if constant

  /// Fits mean/scale on `x`; with `center_only` scales stay 1.
  static Standardizer fit(const Matrix& x, bool center_only = false);
  Matrix apply(const Matrix& x) const;
  Eigen::RowVectorXd apply(const std::vector<double>& x) const;
  /// Z^T Z for Z = apply(x), p x p. For mostly-zero x (one-hot encodings) it
  /// is computed from x's nonzeros (Eigen's sparse product) without forming Z.
  Matrix gram(const Matrix& x) const;
  /// Z^T v for Z = apply(x).
  Vector apply_t(const Matrix& x, const Vector& v) const;
};

/// Mean and population standard deviation of `v` (std 1 when constant or
/// empty, so dividing by it is always safe).
std::pair<double, double> mean_std(const std::vector<double>& v);

/// Shared argument checks for fit(): sizes agree, values finite, at least
/// `min_samples` rows and one column. `who` names the regressor in errors.
void check_fit_input(const std::string& who, const Matrix& x, const std::vector<double>& y,
                     int min_samples);
/// Shared argument check for predict(): fitted with `n_features` columns.
void check_predict_input(const std::string& who, bool fitted, int n_features,
                         const std::vector<double>& x);

}  // namespace hwnas
