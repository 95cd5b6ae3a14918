#include "core/predictors/regressor.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "core/factory.h"
#include "core/predictors/bayesian_ridge.h"
#include "core/predictors/flops.h"
#include "core/predictors/gp.h"
#include "core/predictors/lasso.h"
#include "core/predictors/linear.h"
#include "core/strings.h"

namespace hwnas {

std::vector<double> Regressor::predict_rows(const Matrix& x) const {
  std::vector<double> out(x.rows);
  for (int r = 0; r < x.rows; ++r) out[r] = predict(x.row_vector(r));
  return out;
}

namespace {

struct RegressorEntry {
  const char* name;
  const char* help;
  std::unique_ptr<Regressor> (*make)(FactoryOptions* o);
};

template <class R, class O>
std::unique_ptr<Regressor> make_with(FactoryOptions* o) {
  return std::make_unique<R>(O::from_factory(o));
}

const RegressorEntry kRegressors[] = {
    {"linear", "least squares on standardised features, optional ridge (ridge=0)",
     make_with<LinearRegressor, LinearOptions>},
    {"lasso",
     "L1 linear model by coordinate descent; alpha by 5-fold CV or fixed "
     "(HURRICANE CPU: alpha=0.01)",
     make_with<LassoRegressor, LassoOptions>},
    {"bayesian-ridge",
     "Bayesian ridge, noise/weight precisions by evidence maximisation "
     "(HURRICANE VPU)",
     make_with<BayesianRidgeRegressor, BayesianRidgeOptions>},
    {"gp",
     "Gaussian process, Matern kernel (nu=2.5), length scale and noise by marginal "
     "likelihood (HURRICANE DSP: nu=0.35)",
     make_with<GpRegressor, GpOptions>},
    {"flops", "baseline y = a * flops + b on one feature column (col=0)",
     make_with<FlopsRegressor, FlopsOptions>},
};

}  // namespace

std::unique_ptr<Regressor> make_regressor(const std::string& spec) {
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(spec, &opts);
  std::vector<std::string> names;
  for (const RegressorEntry& e : kRegressors) {
    names.push_back(e.name);
    if (name == e.name) {
      FactoryOptions o(name, opts);
      std::unique_ptr<Regressor> r = e.make(&o);
      o.finish();
      return r;
    }
  }
  HWNAS_CHECK(false, "unknown regressor '", name, "' (known: ", join(names, ", "), ")");
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> list_regressors() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RegressorEntry& e : kRegressors) out.emplace_back(e.name, e.help);
  return out;
}

Standardizer Standardizer::fit(const Matrix& x, bool center_only) {
  Standardizer s;
  s.mean.assign(x.cols, 0.0);
  s.scale.assign(x.cols, 1.0);
  if (x.rows == 0) return s;
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < x.cols; ++c) s.mean[c] += x(r, c);
  for (double& m : s.mean) m /= x.rows;
  if (center_only) return s;
  std::vector<double> var(x.cols, 0.0);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < x.cols; ++c) {
      const double d = x(r, c) - s.mean[c];
      var[c] += d * d;
    }
  for (int c = 0; c < x.cols; ++c) {
    const double sd = std::sqrt(var[c] / x.rows);
    // Relative threshold: a column equal up to rounding is constant.
    s.scale[c] = sd > 1e-12 * std::max(1.0, std::fabs(s.mean[c])) ? sd : 1.0;
  }
  return s;
}

Matrix Standardizer::apply(const Matrix& x) const {
  HWNAS_ASSERT(static_cast<size_t>(x.cols) == mean.size());
  Matrix z(x.rows, x.cols);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < x.cols; ++c) z(r, c) = (x(r, c) - mean[c]) / scale[c];
  return z;
}

std::vector<double> Standardizer::apply(const std::vector<double>& x) const {
  HWNAS_ASSERT(x.size() == mean.size());
  std::vector<double> z(x.size());
  for (size_t c = 0; c < x.size(); ++c) z[c] = (x[c] - mean[c]) / scale[c];
  return z;
}

Matrix Standardizer::gram(const Matrix& x) const {
  HWNAS_ASSERT(static_cast<size_t>(x.cols) == mean.size());
  size_t zeros = 0;
  for (double v : x.data) zeros += v == 0.0;
  if (2 * zeros < x.data.size()) return hwnas::gram(apply(x));
  // Z^T Z = D^-1 (X^T X - mu s^T - s mu^T + n mu mu^T) D^-1, s = column sums of X.
  const int p = x.cols;
  Matrix g = hwnas::gram(x);
  std::vector<double> sums(p, 0.0);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < p; ++c) sums[c] += x(r, c);
  for (int j = 0; j < p; ++j)
    for (int k = 0; k < p; ++k)
      g(j, k) = (g(j, k) - mean[j] * sums[k] - sums[j] * mean[k] + x.rows * mean[j] * mean[k]) /
                (scale[j] * scale[k]);
  return g;
}

std::vector<double> Standardizer::apply_t(const Matrix& x, const std::vector<double>& v) const {
  std::vector<double> out = matvec_t(x, v);
  double total = 0.0;
  for (double e : v) total += e;
  for (size_t c = 0; c < out.size(); ++c) out[c] = (out[c] - mean[c] * total) / scale[c];
  return out;
}

std::pair<double, double> mean_std(const std::vector<double>& v) {
  if (v.empty()) return {0.0, 1.0};
  double m = 0.0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  double var = 0.0;
  for (double x : v) var += (x - m) * (x - m);
  const double sd = std::sqrt(var / static_cast<double>(v.size()));
  return {m, sd > 1e-12 * std::max(1.0, std::fabs(m)) ? sd : 1.0};
}

void check_fit_input(const std::string& who, const Matrix& x, const std::vector<double>& y,
                     int min_samples) {
  HWNAS_CHECK(static_cast<int>(y.size()) == x.rows, who, ": ", x.rows, " feature rows but ",
              y.size(), " targets");
  HWNAS_CHECK(x.rows >= min_samples, who, ": needs at least ", min_samples, " samples to fit, got ",
              x.rows);
  HWNAS_CHECK(x.cols >= 1, who, ": needs at least one feature column");
  for (size_t i = 0; i < x.data.size(); ++i)
    HWNAS_CHECK(std::isfinite(x.data[i]), who, ": feature (", i / x.cols, ", ", i % x.cols,
                ") is not finite");
  for (size_t i = 0; i < y.size(); ++i)
    HWNAS_CHECK(std::isfinite(y[i]), who, ": target ", i, " is not finite");
}

void check_predict_input(const std::string& who, bool fitted, int n_features,
                         const std::vector<double>& x) {
  HWNAS_CHECK(fitted, who, ": predict() before fit()");
  HWNAS_CHECK(static_cast<int>(x.size()) == n_features, who, ": fitted on ", n_features,
              " features, got a vector of ", x.size());
}

}  // namespace hwnas
