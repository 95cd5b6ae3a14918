#include "core/predictors/bayesian_ridge.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"

namespace hwnas {

BayesianRidgeOptions BayesianRidgeOptions::from_factory(FactoryOptions* o) {
  BayesianRidgeOptions opts;
  opts.max_iter = o->get_int("max_iter", opts.max_iter);
  opts.tol = o->get_double("tol", opts.tol);
  opts.alpha_1 = o->get_double("alpha_1", opts.alpha_1);
  opts.alpha_2 = o->get_double("alpha_2", opts.alpha_2);
  opts.lambda_1 = o->get_double("lambda_1", opts.lambda_1);
  opts.lambda_2 = o->get_double("lambda_2", opts.lambda_2);
  return opts;
}

std::map<std::string, std::string> BayesianRidgeOptions::non_default() const {
  const BayesianRidgeOptions d;
  std::map<std::string, std::string> m;
  if (max_iter != d.max_iter) m["max_iter"] = std::to_string(max_iter);
  if (tol != d.tol) m["tol"] = format_number(tol);
  if (alpha_1 != d.alpha_1) m["alpha_1"] = format_number(alpha_1);
  if (alpha_2 != d.alpha_2) m["alpha_2"] = format_number(alpha_2);
  if (lambda_1 != d.lambda_1) m["lambda_1"] = format_number(lambda_1);
  if (lambda_2 != d.lambda_2) m["lambda_2"] = format_number(lambda_2);
  return m;
}

BayesianRidgeRegressor::BayesianRidgeRegressor(BayesianRidgeOptions opts) : opts_(opts) {
  HWNAS_CHECK(opts_.max_iter >= 1, "bayesian-ridge: max_iter must be >= 1, got ", opts_.max_iter);
  HWNAS_CHECK(opts_.tol > 0, "bayesian-ridge: tol must be > 0, got ", opts_.tol);
  HWNAS_CHECK(
      opts_.alpha_1 >= 0 && opts_.alpha_2 >= 0 && opts_.lambda_1 >= 0 && opts_.lambda_2 >= 0,
      "bayesian-ridge: Gamma prior parameters must be >= 0");
}

void BayesianRidgeRegressor::fit(const Matrix& x, const std::vector<double>& y) {
  check_fit_input("bayesian-ridge", x, y, 2);
  const int n = x.rows, p = x.cols;
  const Standardizer s = Standardizer::fit(x, /*center_only=*/true);
  const Matrix xc = s.apply(x);
  const double y_mean = mean_std(y).first;
  std::vector<double> yc(y);
  double y_var = 0.0;
  for (double& v : yc) {
    v -= y_mean;
    y_var += v * v / n;
  }

  // Spectral form of w(alpha, lambda) = (lambda/alpha I + X^T X)^-1 X^T y:
  //   n > p:  X^T X = V S V^T,  w = V diag(1/(S + lambda/alpha)) V^T X^T y
  //   n <= p: X X^T = U S U^T,  w = X^T U diag(1/(S + lambda/alpha)) U^T y
  const bool primal = n > p;
  const SymmetricEigen eig = symmetric_eigen(primal ? gram(xc) : outer_gram(xc));
  // Directions with numerically zero eigenvalue (collinear one-hot columns,
  // the centring direction) carry no data; drop them as a pseudo-inverse would.
  std::vector<double> ev = eig.values;
  const double ev_max = ev.empty() ? 0.0 : std::max(ev.back(), 0.0);
  for (double& v : ev) v = v > 1e-12 * ev_max ? v : 0.0;
  const std::vector<double> q = matvec_t(eig.vectors, primal ? matvec_t(xc, yc) : yc);
  auto coef_for = [&](double ratio) {
    std::vector<double> t(q.size());
    for (size_t i = 0; i < q.size(); ++i) t[i] = ev[i] > 0.0 ? q[i] / (ev[i] + ratio) : 0.0;
    const std::vector<double> u = matvec(eig.vectors, t);
    return primal ? u : matvec_t(xc, u);
  };

  // MacKay fixed point (Bishop Eqs. 3.91, 3.92, 3.95 with Gamma hyper-priors).
  double alpha = 1.0 / (y_var + 1e-12 * (1.0 + y_mean * y_mean));
  double lambda = 1.0;
  std::vector<double> w, w_old;
  int it = 0;
  for (; it < opts_.max_iter; ++it) {
    w = coef_for(lambda / alpha);
    const std::vector<double> fit_vals = matvec(xc, w);
    double sse = 0.0;
    for (int i = 0; i < n; ++i) sse += (yc[i] - fit_vals[i]) * (yc[i] - fit_vals[i]);
    double gamma = 0.0;
    for (double e : ev) gamma += alpha * e / (lambda + alpha * e);
    lambda = (gamma + 2 * opts_.lambda_1) / (dot(w, w) + 2 * opts_.lambda_2);
    alpha = (n - gamma + 2 * opts_.alpha_1) / (sse + 2 * opts_.alpha_2);
    gamma_ = gamma;
    if (!w_old.empty()) {
      double change = 0.0;
      for (int j = 0; j < p; ++j) change += std::fabs(w[j] - w_old[j]);
      if (change < opts_.tol) break;
    }
    w_old = w;
  }
  HWNAS_CHECK(std::isfinite(alpha) && std::isfinite(lambda) && lambda > 0,
              "bayesian-ridge: evidence iteration diverged (alpha=", alpha, ", lambda=", lambda,
              ")");
  alpha_ = alpha;
  lambda_ = lambda;
  iterations_ = std::min(it + 1, opts_.max_iter);
  coef_ = coef_for(lambda / alpha);
  intercept_ = y_mean - dot(coef_, s.mean);
  fitted_ = true;
}

double BayesianRidgeRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("bayesian-ridge", fitted_, static_cast<int>(coef_.size()), x);
  return intercept_ + dot(coef_, x);
}

std::string BayesianRidgeRegressor::describe() const {
  return format_factory_string("bayesian-ridge", opts_.non_default());
}

std::string BayesianRidgeRegressor::summary() const {
  if (!fitted_) return "bayesian-ridge(unfitted)";
  return str_cat("bayesian-ridge(noise sd=", format_number(1.0 / std::sqrt(alpha_)),
                 ", lambda=", format_number(lambda_), ", gamma=", format_number(gamma_), "/",
                 coef_.size(), ", ", iterations_, " iterations)");
}

}  // namespace hwnas
