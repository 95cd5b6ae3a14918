#include "core/predictors/lasso.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/factory.h"
#include "core/rng.h"
#include "core/strings.h"

namespace hwnas {
namespace {

/// Standardised least-squares problem in covariance form: G = Z^T Z / n,
/// c = Z^T (y - mean y) / n. Coordinate descent then costs O(p) per changed
/// weight, independent of n.
struct CovarianceProblem {
  Standardizer s;
  Matrix g;
  Vector c;
  double y_mean = 0.0;
};

CovarianceProblem make_problem(const Matrix& x, const std::vector<double>& y) {
  CovarianceProblem pr;
  pr.s = Standardizer::fit(x);
  pr.y_mean = mean_std(y).first;
  pr.g = pr.s.gram(x) / x.rows();
  pr.c = pr.s.apply_t(x, (as_vector(y).array() - pr.y_mean).matrix()) / x.rows();
  return pr;
}

double soft_threshold(double v, double t) { return v > t ? v - t : (v < -t ? v + t : 0.0); }

/// Minimises (1/2)w^T G w - c^T w + alpha ||w||_1 from the warm start `w`.
void coordinate_descent(const CovarianceProblem& pr, double alpha, int max_iter, double tol, Vector* w) {
  const int p = static_cast<int>(pr.c.size());
  Vector q = pr.c - pr.g * *w;  // the negative gradient of the smooth part
  for (int it = 0; it < max_iter; ++it) {
    double max_delta = 0.0, max_w = 0.0;
    for (int j = 0; j < p; ++j) {
      const double gjj = pr.g(j, j);
      if (gjj <= 0.0) continue;  // constant column
      const double old = (*w)[j];
      const double updated = soft_threshold(q[j] + gjj * old, alpha) / gjj;
      const double delta = updated - old;
      if (delta != 0.0) {
        (*w)[j] = updated;
        q -= delta * pr.g.row(j).transpose();  // G symmetric: row j == column j
      }
      max_delta = std::max(max_delta, std::fabs(delta));
      max_w = std::max(max_w, std::fabs(updated));
    }
    if (max_w == 0.0 || max_delta <= tol * max_w) return;
  }
}

/// Descending alpha grid from alpha_max (all weights zero) to alpha_max * 1e-3.
std::vector<double> alpha_grid(const CovarianceProblem& pr, int n_alphas) {
  double alpha_max = pr.c.size() == 0 ? 0.0 : pr.c.cwiseAbs().maxCoeff();
  if (alpha_max == 0.0) alpha_max = 1.0;  // y constant: any alpha gives w = 0
  std::vector<double> grid(n_alphas);
  for (int i = 0; i < n_alphas; ++i)
    grid[i] = alpha_max * std::pow(10.0, n_alphas == 1 ? 0.0 : -3.0 * i / (n_alphas - 1));
  return grid;
}

}  // namespace

LassoOptions LassoOptions::from_factory(FactoryOptions* o) {
  LassoOptions opts;
  const std::string alpha = o->get("alpha", "cv");
  opts.alpha = alpha == "cv" ? 0.0 : parse_double(alpha, "lasso option alpha");
  HWNAS_CHECK(alpha == "cv" || opts.alpha > 0, "lasso: alpha must be > 0 or 'cv', got ", alpha);
  opts.folds = o->get_int("folds", opts.folds);
  opts.n_alphas = o->get_int("n_alphas", opts.n_alphas);
  opts.max_iter = o->get_int("max_iter", opts.max_iter);
  opts.tol = o->get_double("tol", opts.tol);
  opts.seed = static_cast<uint64_t>(o->get_int("seed", static_cast<int>(opts.seed)));
  return opts;
}

std::map<std::string, std::string> LassoOptions::non_default() const {
  const LassoOptions d;
  std::map<std::string, std::string> m;
  if (alpha > 0) m["alpha"] = format_number(alpha);
  if (folds != d.folds) m["folds"] = std::to_string(folds);
  if (n_alphas != d.n_alphas) m["n_alphas"] = std::to_string(n_alphas);
  if (max_iter != d.max_iter) m["max_iter"] = std::to_string(max_iter);
  if (tol != d.tol) m["tol"] = format_number(tol);
  if (seed != d.seed) m["seed"] = std::to_string(seed);
  return m;
}

LassoRegressor::LassoRegressor(LassoOptions opts) : opts_(opts) {
  HWNAS_CHECK(opts_.folds >= 2, "lasso: folds must be >= 2, got ", opts_.folds);
  HWNAS_CHECK(opts_.n_alphas >= 1, "lasso: n_alphas must be >= 1, got ", opts_.n_alphas);
  HWNAS_CHECK(opts_.max_iter >= 1, "lasso: max_iter must be >= 1, got ", opts_.max_iter);
  HWNAS_CHECK(opts_.tol > 0, "lasso: tol must be > 0, got ", opts_.tol);
}

void LassoRegressor::fit(const Matrix& x, const std::vector<double>& y) {
  const bool use_cv = opts_.alpha <= 0;
  check_fit_input("lasso", x, y, use_cv ? 2 * opts_.folds : 2);
  const CovarianceProblem full = make_problem(x, y);
  const int p = static_cast<int>(x.cols());
  Vector w = Vector::Zero(p);

  if (use_cv) {
    const std::vector<double> grid = alpha_grid(full, opts_.n_alphas);
    std::vector<int> perm(x.rows());
    std::iota(perm.begin(), perm.end(), 0);
    Rng rng(mix_seed(opts_.seed));
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<double> mse(grid.size(), 0.0);
    for (int f = 0; f < opts_.folds; ++f) {
      std::vector<int> train, held;
      for (int i = 0; i < x.rows(); ++i) (i % opts_.folds == f ? held : train).push_back(perm[i]);
      std::vector<double> yt;
      for (int i : train) yt.push_back(y[i]);
      const CovarianceProblem pr = make_problem(x(train, Eigen::all), yt);
      const Matrix z_held = pr.s.apply(x(held, Eigen::all));
      const Vector y_held = as_vector(y)(held);
      Vector wf = Vector::Zero(p);
      for (size_t a = 0; a < grid.size(); ++a) {  // warm-started path, large alpha first
        coordinate_descent(pr, grid[a], opts_.max_iter, opts_.tol, &wf);
        mse[a] += ((z_held * wf).array() + pr.y_mean - y_held.array()).square().sum() / x.rows();
      }
    }
    const size_t best = std::min_element(mse.begin(), mse.end()) - mse.begin();
    alpha_ = grid[best];
    cv_mse_ = mse[best];
    for (size_t a = 0; a <= best; ++a)
      coordinate_descent(full, grid[a], opts_.max_iter, opts_.tol, &w);
  } else {
    alpha_ = opts_.alpha;
    coordinate_descent(full, alpha_, opts_.max_iter, opts_.tol, &w);
  }
  const Eigen::RowVectorXd coef = w.transpose().cwiseQuotient(full.s.scale);
  coef_ = to_std_vector(coef);
  intercept_ = full.y_mean - coef.dot(full.s.mean);
  fitted_ = true;
}

double LassoRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("lasso", fitted_, static_cast<int>(coef_.size()), x);
  return intercept_ + as_vector(coef_).dot(as_vector(x));
}

int LassoRegressor::num_nonzero() const {
  return static_cast<int>(
      std::count_if(coef_.begin(), coef_.end(), [](double v) { return v != 0.0; }));
}

std::string LassoRegressor::describe() const {
  return format_factory_string("lasso", opts_.non_default());
}

std::string LassoRegressor::summary() const {
  if (!fitted_) return "lasso(unfitted)";
  return str_cat("lasso(alpha=", format_number(alpha_),
                 opts_.alpha > 0 ? ""
                                 : str_cat(" by ", opts_.folds,
                                           "-fold CV, cv rmse=", format_number(std::sqrt(cv_mse_))),
                 ", ", num_nonzero(), "/", coef_.size(), " nonzero)");
}

}  // namespace hwnas
