// Lasso (Tibshirani 1996): L1-penalised least squares by cyclic coordinate
// descent on standardised features, with alpha chosen by k-fold
// cross-validation over a log grid unless fixed. HURRICANE App. D uses
// Lasso(alpha=0.01) as its CPU latency predictor.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/predictors/regressor.h"

namespace hwnas {

class FactoryOptions;

struct LassoOptions {
  /// L1 weight in (1/2n)||y - Zw - b||^2 + alpha ||w||_1 (scikit-learn's
  /// objective) with Z the standardised features and y in its own units (ms).
  /// <= 0 (text "cv", the default): chosen by `folds`-fold CV.
  double alpha = 0.0;
  int folds = 5;        ///< CV folds (>= 2)
  int n_alphas = 10;    ///< CV grid: log-spaced from alpha_max down to alpha_max * 1e-3
  int max_iter = 1000;  ///< coordinate-descent sweeps per alpha
  double tol = 1e-4;    ///< stop when the largest update < tol * max |w|
  uint64_t seed = 0;    ///< fold assignment

  static LassoOptions from_factory(FactoryOptions* o);
  std::map<std::string, std::string> non_default() const;
};

class LassoRegressor : public Regressor {
 public:
  explicit LassoRegressor(LassoOptions opts = {});
  void fit(const Matrix& x, const std::vector<double>& y) override;
  double predict(const std::vector<double>& x) const override;
  std::string describe() const override;
  std::string summary() const override;

  /// The alpha of the last fit (given or chosen by CV).
  double alpha() const { return alpha_; }
  /// Weights in raw feature units; exactly zero for dropped features.
  const std::vector<double>& coef() const { return coef_; }
  double intercept() const { return intercept_; }
  int num_nonzero() const;

 private:
  LassoOptions opts_;
  bool fitted_ = false;
  double alpha_ = 0.0;
  double cv_mse_ = 0.0;  ///< mean held-out MSE of the chosen alpha (CV only)
  std::vector<double> coef_;
  double intercept_ = 0.0;
};

}  // namespace hwnas
