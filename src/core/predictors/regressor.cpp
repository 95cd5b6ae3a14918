#include "core/predictors/regressor.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <Eigen/Sparse>

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
  std::vector<double> out(x.rows());
  for (int r = 0; r < x.rows(); ++r) out[r] = predict(to_std_vector(x.row(r)));
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
  s.mean = Eigen::RowVectorXd::Zero(x.cols());
  s.scale = Eigen::RowVectorXd::Ones(x.cols());
  if (x.rows() == 0) return s;
  s.mean = x.colwise().mean();
  if (center_only) return s;
  const Eigen::RowVectorXd sd =
      ((x.rowwise() - s.mean).array().square().colwise().sum() / x.rows()).sqrt();
  // Relative threshold: a column equal up to rounding is constant.
  for (int c = 0; c < x.cols(); ++c)
    s.scale[c] = sd[c] > 1e-12 * std::max(1.0, std::fabs(s.mean[c])) ? sd[c] : 1.0;
  return s;
}

Matrix Standardizer::apply(const Matrix& x) const {
  HWNAS_ASSERT(x.cols() == mean.size());
  return (x.rowwise() - mean).array().rowwise() / scale.array();
}

Eigen::RowVectorXd Standardizer::apply(const std::vector<double>& x) const {
  HWNAS_ASSERT(static_cast<Eigen::Index>(x.size()) == mean.size());
  return (as_vector(x).transpose() - mean).cwiseQuotient(scale);
}

Matrix Standardizer::gram(const Matrix& x) const {
  HWNAS_ASSERT(x.cols() == mean.size());
  if (2 * (x.array() == 0.0).count() < x.size()) {
    const Matrix z = apply(x);
    return z.transpose() * z;
  }
  // Z^T Z = D^-1 (X^T X - n mu^T mu) D^-1 (X's column sums are n mu), X^T X
  // from the nonzeros of X.
  const Eigen::SparseMatrix<double, Eigen::RowMajor> xs = x.sparseView();
  Matrix g = xs.transpose() * x;
  g -= static_cast<double>(x.rows()) * mean.transpose() * mean;
  return g.array() / (scale.transpose() * scale).array();
}

Vector Standardizer::apply_t(const Matrix& x, const Vector& v) const {
  HWNAS_ASSERT(x.cols() == mean.size() && x.rows() == v.size());
  return (x.transpose() * v - mean.transpose() * v.sum()).cwiseQuotient(scale.transpose());
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
  HWNAS_CHECK(static_cast<Eigen::Index>(y.size()) == x.rows(), who, ": ", x.rows(),
              " feature rows but ", y.size(), " targets");
  HWNAS_CHECK(x.rows() >= min_samples, who, ": needs at least ", min_samples,
              " samples to fit, got ", x.rows());
  HWNAS_CHECK(x.cols() >= 1, who, ": needs at least one feature column");
  for (int r = 0; r < x.rows(); ++r)
    for (int c = 0; c < x.cols(); ++c)
      HWNAS_CHECK(std::isfinite(x(r, c)), who, ": feature (", r, ", ", c, ") is not finite");
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
