#include "core/predictors/flops.h"

#include <cmath>

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"

namespace hwnas {

FlopsOptions FlopsOptions::from_factory(FactoryOptions* o) {
  FlopsOptions opts;
  opts.col = o->get_int("col", opts.col);
  return opts;
}

std::map<std::string, std::string> FlopsOptions::non_default() const {
  std::map<std::string, std::string> m;
  if (col != FlopsOptions().col) m["col"] = std::to_string(col);
  return m;
}

FlopsRegressor::FlopsRegressor(FlopsOptions opts) : opts_(opts) {}

void FlopsRegressor::fit(const Matrix& x, const std::vector<double>& y) {
  check_fit_input("flops", x, y, 2);
  const int p = static_cast<int>(x.cols());
  col_ = opts_.col < 0 ? p + opts_.col : opts_.col;
  HWNAS_CHECK(col_ >= 0 && col_ < p, "flops: col=", opts_.col, " is outside the ", p,
              " feature columns");
  // Simple linear regression on centred values.
  const double mx = x.col(col_).mean(), my = as_vector(y).mean();
  const Vector dx = x.col(col_).array() - mx;
  const double sxx = dx.squaredNorm();
  const double sxy = dx.dot((as_vector(y).array() - my).matrix());
  HWNAS_CHECK(sxx > 1e-300 && sxx > 1e-24 * mx * mx * x.rows(), "flops: the FLOPs column ", col_,
              " is constant; cannot fit a slope");
  slope_ = sxy / sxx;
  intercept_ = my - slope_ * mx;
  n_features_ = p;
  fitted_ = true;
}

double FlopsRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("flops", fitted_, n_features_, x);
  return slope_ * x[col_] + intercept_;
}

std::string FlopsRegressor::describe() const {
  return format_factory_string("flops", opts_.non_default());
}

std::string FlopsRegressor::summary() const {
  if (!fitted_) return "flops(unfitted)";
  return str_cat("flops(y = ", format_number(slope_), " * x[", col_, "] + ",
                 format_number(intercept_), ")");
}

}  // namespace hwnas
