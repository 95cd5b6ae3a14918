#include "core/predictors/linear.h"

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"

namespace hwnas {
namespace {
constexpr double kJitter = 1e-8;  // keeps collinear one-hot systems positive definite

/// Fits w of min (1/n)||yc - Zw||^2 + ridge ||w||^2 on Z = s.apply(x) (yc
/// centred), solving the primal (p x p) or dual (n x n) system, whichever is
/// smaller. Returns w in standardised units.
Vector ridge_solve(const Matrix& x, const Standardizer& s, const Vector& yc, double ridge) {
  const int n = static_cast<int>(x.rows()), p = static_cast<int>(x.cols());
  const double lam = (ridge + kJitter) * n;
  if (p <= n) {
    // (Z^T Z + n lambda I) w = Z^T y
    Matrix a = s.gram(x);
    a.diagonal().array() += lam;
    return solve_spd(a, s.apply_t(x, yc));
  }
  // Dual: w = Z^T (Z Z^T + n lambda I)^-1 y
  const Matrix z = s.apply(x);
  Matrix a = z * z.transpose();
  a.diagonal().array() += lam;
  return z.transpose() * solve_spd(a, yc);
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
  const double y_mean = mean_std(y).first;
  const Vector w = ridge_solve(x, s, (as_vector(y).array() - y_mean).matrix(), opts_.ridge);
  const Eigen::RowVectorXd coef = w.transpose().cwiseQuotient(s.scale);
  coef_ = to_std_vector(coef);
  intercept_ = y_mean - coef.dot(s.mean);
  fitted_ = true;
}

double LinearRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("linear", fitted_, static_cast<int>(coef_.size()), x);
  return intercept_ + as_vector(coef_).dot(as_vector(x));
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
