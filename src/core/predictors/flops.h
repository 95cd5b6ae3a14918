// The FLOPs baseline every latency predictor is compared against: latency
// taken as affine in the network's FLOPs, y = a * flops + b, fitted by least
// squares. The FLOPs value is one designated column of the feature vector, so
// the baseline plugs into the same Regressor interface as the learned models:
// fit it on an n x 1 matrix of FLOPs (col=0, the default) or on an encoding
// with FLOPs appended (col=-1, counted from the end).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/predictors/regressor.h"

namespace hwnas {

class FactoryOptions;

struct FlopsOptions {
  /// Feature column holding FLOPs; negative counts from the end (-1 = last).
  int col = 0;

  static FlopsOptions from_factory(FactoryOptions* o);
  std::map<std::string, std::string> non_default() const;
};

class FlopsRegressor : public Regressor {
 public:
  explicit FlopsRegressor(FlopsOptions opts = {});
  /// Throws when `col` is outside x or the FLOPs column is constant.
  void fit(const Matrix& x, const std::vector<double>& y) override;
  double predict(const std::vector<double>& x) const override;
  std::string describe() const override;
  std::string summary() const override;

  double slope() const { return slope_; }          ///< a: y units per FLOP
  double intercept() const { return intercept_; }  ///< b

 private:
  FlopsOptions opts_;
  bool fitted_ = false;
  int n_features_ = 0;
  int col_ = 0;  ///< resolved non-negative column
  double slope_ = 0.0, intercept_ = 0.0;
};

}  // namespace hwnas
