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
  const int n = static_cast<int>(x.rows()), p = static_cast<int>(x.cols());
  const Standardizer s = Standardizer::fit(x, /*center_only=*/true);
  const Matrix xc = s.apply(x);
  const double y_mean = mean_std(y).first;
  const Vector yc = (as_vector(y).array() - y_mean).matrix();
  const double y_var = yc.squaredNorm() / n;

  // Spectral form of w(alpha, lambda) = (lambda/alpha I + X^T X)^-1 X^T y:
  //   n > p:  X^T X = V S V^T,  w = V diag(1/(S + lambda/alpha)) V^T X^T y
  //   n <= p: X X^T = U S U^T,  w = X^T U diag(1/(S + lambda/alpha)) U^T y
  const bool primal = n > p;
  const Eigen::SelfAdjointEigenSolver<Matrix> eig(primal ? Matrix(xc.transpose() * xc)
                                                         : Matrix(xc * xc.transpose()));
  HWNAS_CHECK(eig.info() == Eigen::Success, "bayesian-ridge: the eigen-decomposition did not converge");
  // Directions with numerically zero eigenvalue (collinear one-hot columns,
  // the centring direction) carry no data; drop them as a pseudo-inverse would.
  // The eigenvalues are ascending.
  Vector ev = eig.eigenvalues();
  const double ev_max = ev.size() == 0 ? 0.0 : std::max(ev[ev.size() - 1], 0.0);
  ev = (ev.array() > 1e-12 * ev_max).select(ev.array(), 0.0);
  const Matrix& v = eig.eigenvectors();
  const Vector q = v.transpose() * (primal ? Vector(xc.transpose() * yc) : yc);
  auto coef_for = [&](double ratio) -> Vector {
    const Vector t = (ev.array() > 0.0).select(q.array() / (ev.array() + ratio), 0.0);
    if (primal) return v * t;
    return xc.transpose() * (v * t);
  };

  // MacKay fixed point (Bishop Eqs. 3.91, 3.92, 3.95 with Gamma hyper-priors).
  double alpha = 1.0 / (y_var + 1e-12 * (1.0 + y_mean * y_mean));
  double lambda = 1.0;
  Vector w, w_old;
  int it = 0;
  for (; it < opts_.max_iter; ++it) {
    w = coef_for(lambda / alpha);
    const double sse = (yc - xc * w).squaredNorm();
    const double gamma = (alpha * ev.array() / (lambda + alpha * ev.array())).sum();
    lambda = (gamma + 2 * opts_.lambda_1) / (w.squaredNorm() + 2 * opts_.lambda_2);
    alpha = (n - gamma + 2 * opts_.alpha_1) / (sse + 2 * opts_.alpha_2);
    gamma_ = gamma;
    if (w_old.size() != 0 && (w - w_old).lpNorm<1>() < opts_.tol) break;
    w_old = w;
  }
  HWNAS_CHECK(std::isfinite(alpha) && std::isfinite(lambda) && lambda > 0,
              "bayesian-ridge: evidence iteration diverged (alpha=", alpha, ", lambda=", lambda,
              ")");
  alpha_ = alpha;
  lambda_ = lambda;
  iterations_ = std::min(it + 1, opts_.max_iter);
  const Vector coef = coef_for(lambda / alpha);
  coef_ = to_std_vector(coef);
  intercept_ = y_mean - s.mean.dot(coef.transpose());
  fitted_ = true;
}

double BayesianRidgeRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("bayesian-ridge", fitted_, static_cast<int>(coef_.size()), x);
  return intercept_ + as_vector(coef_).dot(as_vector(x));
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
