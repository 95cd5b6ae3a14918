// Ordinary least squares / ridge regression on standardised features.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/predictors/regressor.h"

namespace hwnas {

class FactoryOptions;

struct LinearOptions {
  /// L2 weight lambda in (1/n)||y - Zw - b||^2 + lambda ||w||^2, Z the
  /// standardised features (so lambda is unit-free: 0.01 shrinks a feature
  /// that alone explains y by ~1%). 0 is OLS; a 1e-8 jitter is always added so
  /// that collinear one-hot columns give the minimum-norm solution.
  double ridge = 0.0;

  /// Reads "ridge" from factory options.
  static LinearOptions from_factory(FactoryOptions* o);
  /// Options that differ from the defaults, as text.
  std::map<std::string, std::string> non_default() const;
};

class LinearRegressor : public Regressor {
 public:
  explicit LinearRegressor(LinearOptions opts = {});
  void fit(const Matrix& x, const std::vector<double>& y) override;
  double predict(const std::vector<double>& x) const override;
  std::string describe() const override;
  std::string summary() const override;

  /// Weights in raw feature units (after undoing the standardisation).
  const std::vector<double>& coef() const { return coef_; }
  double intercept() const { return intercept_; }

 private:
  LinearOptions opts_;
  bool fitted_ = false;
  std::vector<double> coef_;
  double intercept_ = 0.0;
};

}  // namespace hwnas
