// Bayesian ridge regression (MacKay 1992; Bishop 2006 sec. 3.5; as
// scikit-learn's BayesianRidge): y = Xw + b + noise, noise precision alpha,
// Gaussian prior on w with precision lambda, Gamma hyper-priors on both;
// alpha and lambda maximise the evidence by MacKay's fixed-point updates.
// HURRICANE App. D uses it as the VPU latency predictor.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/predictors/regressor.h"

namespace hwnas {

class FactoryOptions;

struct BayesianRidgeOptions {
  int max_iter = 300;      ///< evidence fixed-point iterations
  double tol = 1e-3;       ///< stop when sum |w_new - w_old| < tol
  double alpha_1 = 1e-6;   ///< Gamma shape of the noise-precision prior
  double alpha_2 = 1e-6;   ///< Gamma rate of the noise-precision prior
  double lambda_1 = 1e-6;  ///< Gamma shape of the weight-precision prior
  double lambda_2 = 1e-6;  ///< Gamma rate of the weight-precision prior

  static BayesianRidgeOptions from_factory(FactoryOptions* o);
  std::map<std::string, std::string> non_default() const;
};

/// Features are centred, not scaled (the prior is isotropic in raw units, as
/// in scikit-learn); one eigen-decomposition of the smaller Gram matrix
/// (p x p or n x n) makes every evidence iteration O(n p).
class BayesianRidgeRegressor : public Regressor {
 public:
  explicit BayesianRidgeRegressor(BayesianRidgeOptions opts = {});
  void fit(const Matrix& x, const std::vector<double>& y) override;
  double predict(const std::vector<double>& x) const override;
  std::string describe() const override;
  std::string summary() const override;

  double noise_precision() const { return alpha_; }    ///< alpha: 1 / noise variance
  double weight_precision() const { return lambda_; }  ///< lambda
  double effective_params() const { return gamma_; }   ///< gamma: well-determined parameters
  const std::vector<double>& coef() const { return coef_; }
  double intercept() const { return intercept_; }

 private:
  BayesianRidgeOptions opts_;
  bool fitted_ = false;
  double alpha_ = 0.0, lambda_ = 0.0, gamma_ = 0.0;
  int iterations_ = 0;
  std::vector<double> coef_;
  double intercept_ = 0.0;
};

}  // namespace hwnas
