#include "core/predictors/linear.h"

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"

namespace hwnas {
namespace {
constexpr double kJitter = 1e-8;  // keeps collinear one-hot systems positive definite

/// Fits w of min (1/n)||y - Zw - mean(y)||^2 + ridge ||w||^2 on Z = s.apply(x),
/// solving the primal (p x p) or dual (n x n) system, whichever is smaller.
/// Returns w in standardised units.
std::vector<double> ridge_solve(const Matrix& x, const Standardizer& s,
                                const std::vector<double>& y, double ridge) {
  const int n = x.rows, p = x.cols;
  const double y_mean = mean_std(y).first;
  std::vector<double> yc(y);
  for (double& v : yc) v -= y_mean;
  const double lam = (ridge + kJitter) * n;
  if (p <= n) {
    // (Z^T Z + n lambda I) w = Z^T y
    Matrix a = s.gram(x);
    for (int j = 0; j < p; ++j) a(j, j) += lam;
    return solve_spd(a, s.apply_t(x, yc));
  }
  // Dual: w = Z^T (Z Z^T + n lambda I)^-1 y
  const Matrix z = s.apply(x);
  Matrix a = outer_gram(z);
  for (int i = 0; i < n; ++i) a(i, i) += lam;
  return matvec_t(z, solve_spd(a, yc));
}

}  // namespace

LinearOptions LinearOptions::from_factory(FactoryOptions* o) {
  LinearOptions opts;
  opts.ridge = o->get_double("ridge", opts.ridge);
  return opts;
}

std::map<std::string, std::string> LinearOptions::non_default() const {
  std::map<std::string, std::string> m;
  if (ridge != LinearOptions().ridge) m["ridge"] = format_number(ridge);
  return m;
}

LinearRegressor::LinearRegressor(LinearOptions opts) : opts_(opts) {
  HWNAS_CHECK(opts_.ridge >= 0, "linear: ridge must be >= 0, got ", opts_.ridge);
}

void LinearRegressor::fit(const Matrix& x, const std::vector<double>& y) {
  check_fit_input("linear", x, y, 2);
  const Standardizer s = Standardizer::fit(x);
  const std::vector<double> w = ridge_solve(x, s, y, opts_.ridge);
  coef_.assign(x.cols, 0.0);
  intercept_ = mean_std(y).first;
  for (int j = 0; j < x.cols; ++j) {
    coef_[j] = w[j] / s.scale[j];
    intercept_ -= coef_[j] * s.mean[j];
  }
  fitted_ = true;
}

double LinearRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("linear", fitted_, static_cast<int>(coef_.size()), x);
  return intercept_ + dot(coef_, x);
}

std::string LinearRegressor::describe() const {
  return format_factory_string("linear", opts_.non_default());
}

std::string LinearRegressor::summary() const {
  if (!fitted_) return "linear(unfitted)";
  return str_cat("linear(ridge=", format_number(opts_.ridge), ", ", coef_.size(),
                 " features, intercept=", format_number(intercept_), ")");
}

}  // namespace hwnas
