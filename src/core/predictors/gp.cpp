#include "core/predictors/gp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

#include "core/error.h"
#include "core/factory.h"
#include "core/rng.h"
#include "core/strings.h"

namespace hwnas {
namespace {

constexpr double kPi = 3.14159265358979323846;

/// Pairwise Euclidean distances between the rows of x (exactly 0 between equal rows).
Matrix pairwise_distances(const Matrix& x) {
  Matrix d(x.rows(), x.rows());
  for (int i = 0; i < x.rows(); ++i) {
    d(i, i) = 0.0;
    for (int j = 0; j < i; ++j) d(i, j) = d(j, i) = (x.row(i) - x.row(j)).norm();
  }
  return d;
}

/// R = matern(D / l) + noise I.
Matrix kernel_matrix(const Matrix& dist, double length_scale, double nu, double noise) {
  Matrix k = dist.unaryExpr([&](double d) { return matern(d / length_scale, nu); });
  k.diagonal().setConstant(1.0 + noise);
  return k;
}

/// Log marginal likelihood of y (normalised) under s^2 (R + noise I), with s^2
/// at its maximum-likelihood value y^T A^-1 y / n (R&W Eq. 2.30 profiled):
///   -n/2 log(2 pi s^2) - sum log L_ii - n/2.
/// -inf when the matrix is not numerically positive definite.
double profiled_lml(const Matrix& dist, const Vector& y, double length_scale, double nu, double noise) {
  const Eigen::LLT<Matrix> llt(kernel_matrix(dist, length_scale, nu, noise));
  if (!positive_definite(llt)) return -std::numeric_limits<double>::infinity();
  const double n = static_cast<double>(y.size());
  const double s2 = std::max(y.dot(llt.solve(y)) / n, 1e-300);
  const double log_det_half = llt.matrixLLT().diagonal().array().log().sum();
  return -0.5 * n * std::log(2 * kPi * s2) - log_det_half - 0.5 * n;
}

}  // namespace

double matern(double r, double nu) {
  if (r <= 0.0) return 1.0;
  if (std::isinf(nu)) return std::exp(-0.5 * r * r);
  if (nu == 0.5) return std::exp(-r);
  if (nu == 1.5) {
    const double t = std::sqrt(3.0) * r;
    return (1.0 + t) * std::exp(-t);
  }
  if (nu == 2.5) {
    const double t = std::sqrt(5.0) * r;
    return (1.0 + t + t * t / 3.0) * std::exp(-t);
  }
  // R&W Eq. 4.14: 2^(1-nu)/Gamma(nu) (sqrt(2 nu) r)^nu K_nu(sqrt(2 nu) r).
  const double t = std::sqrt(2.0 * nu) * r;
  if (t > 700.0) return 0.0;
  const double v = std::exp((1.0 - nu) * std::log(2.0) - std::lgamma(nu) + nu * std::log(t)) *
                   std::cyl_bessel_k(nu, t);
  return std::isfinite(v) ? std::min(v, 1.0) : 0.0;
}

GpOptions GpOptions::from_factory(FactoryOptions* o) {
  GpOptions opts;
  const std::string nu = o->get("nu", "2.5");
  opts.nu =
      nu == "inf" ? std::numeric_limits<double>::infinity() : parse_double(nu, "gp option nu");
  const std::string ls = o->get("length_scale", "auto");
  opts.length_scale = ls == "auto" ? 0.0 : parse_double(ls, "gp option length_scale");
  HWNAS_CHECK(ls == "auto" || opts.length_scale > 0, "gp: length_scale must be > 0 or 'auto', got ",
              ls);
  const std::string noise = o->get("noise", "auto");
  opts.noise = noise == "auto" ? 0.0 : parse_double(noise, "gp option noise");
  HWNAS_CHECK(noise == "auto" || opts.noise > 0, "gp: noise must be > 0 or 'auto', got ", noise);
  const int standardize = o->get_int("standardize", 1);
  HWNAS_CHECK(standardize == 0 || standardize == 1, "gp: standardize must be 0 or 1, got ",
              standardize);
  opts.standardize = standardize == 1;
  opts.hp_samples = o->get_int("hp_samples", opts.hp_samples);
  opts.seed = static_cast<uint64_t>(o->get_int("seed", static_cast<int>(opts.seed)));
  return opts;
}

std::map<std::string, std::string> GpOptions::non_default() const {
  const GpOptions d;
  std::map<std::string, std::string> m;
  if (nu != d.nu) m["nu"] = std::isinf(nu) ? "inf" : format_number(nu);
  if (length_scale > 0) m["length_scale"] = format_number(length_scale);
  if (noise > 0) m["noise"] = format_number(noise);
  if (standardize != d.standardize) m["standardize"] = standardize ? "1" : "0";
  if (hp_samples != d.hp_samples) m["hp_samples"] = std::to_string(hp_samples);
  if (seed != d.seed) m["seed"] = std::to_string(seed);
  return m;
}

GpRegressor::GpRegressor(GpOptions opts) : opts_(opts) {
  HWNAS_CHECK(opts_.nu > 0, "gp: nu must be > 0, got ", opts_.nu);
  HWNAS_CHECK(opts_.length_scale >= 0, "gp: length_scale must be > 0 or auto");
  HWNAS_CHECK(opts_.noise >= 0, "gp: noise must be > 0 or auto");
  HWNAS_CHECK(opts_.hp_samples >= 2, "gp: hp_samples must be >= 2, got ", opts_.hp_samples);
}

void GpRegressor::fit(const Matrix& x, const std::vector<double>& y) {
  check_fit_input("gp", x, y, 2);
  x_scale_ = opts_.standardize ? Standardizer::fit(x) : Standardizer::fit(x, true);
  x_train_ = x_scale_.apply(x);
  std::tie(y_mean_, y_std_) = mean_std(y);
  const Vector yn = (as_vector(y).array() - y_mean_) / y_std_;

  // Hyper-parameters on a seeded subset of at most hp_samples rows.
  std::vector<int> idx(x.rows());
  std::iota(idx.begin(), idx.end(), 0);
  if (x.rows() > opts_.hp_samples) {
    Rng rng(mix_seed(opts_.seed));
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(opts_.hp_samples);
    std::sort(idx.begin(), idx.end());
  }
  const Matrix dist = pairwise_distances(x_train_(idx, Eigen::all));
  const Vector ys = yn(idx);

  std::vector<double> nonzero;
  for (int i = 0; i < dist.rows(); ++i)
    for (int j = 0; j < i; ++j)
      if (dist(i, j) > 0) nonzero.push_back(dist(i, j));
  double median = 1.0;
  if (!nonzero.empty()) {
    std::nth_element(nonzero.begin(), nonzero.begin() + nonzero.size() / 2, nonzero.end());
    median = nonzero[nonzero.size() / 2];
  }

  // Coarse grid: length scale median * 2^-3..2^3, noise 1e-4..1, extended
  // past its edges while that helps; then two local 3x3 grids at half and
  // quarter spacing (in log space).
  const bool auto_l = opts_.length_scale <= 0, auto_g = opts_.noise <= 0;
  double best_l = auto_l ? median : opts_.length_scale;
  double best_g = auto_g ? 1e-2 : opts_.noise;
  double best = -std::numeric_limits<double>::infinity();
  auto try_point = [&](double l, double g) {
    const double v = profiled_lml(dist, ys, l, opts_.nu, g);
    if (v > best) {
      best = v;
      best_l = l;
      best_g = g;
    }
  };
  std::vector<double> ls = {best_l}, gs = {best_g};
  if (auto_l) {
    ls.clear();
    for (int e = -3; e <= 3; ++e) ls.push_back(median * std::pow(2.0, e));
  }
  if (auto_g) gs = {1e-4, 1e-3, 1e-2, 1e-1, 1.0};
  for (double l : ls)
    for (double g : gs) try_point(l, g);
  // An optimum on the edge of the grid: walk outwards while it improves
  // (near-linear targets want very long length scales, clean data tiny noise).
  auto extend = [&](bool length, double factor) {
    for (int k = 0; k < 8; ++k) {
      const double before = best;
      if (length)
        try_point(best_l * factor, best_g);
      else
        try_point(best_l, best_g * factor);
      if (!(best > before)) break;
    }
  };
  if (auto_l && best_l >= ls.back()) extend(true, 2.0);
  if (auto_l && best_l <= ls.front()) extend(true, 0.5);
  if (auto_g && best_g <= gs.front()) extend(false, 0.1);
  for (double step : {0.5, 0.25}) {
    const double l0 = best_l, g0 = best_g;
    for (int a = -1; a <= 1; ++a)
      for (int b = -1; b <= 1; ++b) {
        if ((a != 0 && !auto_l) || (b != 0 && !auto_g) || (a == 0 && b == 0)) continue;
        try_point(l0 * std::pow(2.0, a * step), g0 * std::pow(10.0, b * step));
      }
  }
  // Data so degenerate that every kernel matrix failed: fall back to more noise.
  if (!std::isfinite(best)) {
    best_g = std::max(best_g, 1.0);
    best = profiled_lml(dist, ys, best_l, opts_.nu, best_g);
  }
  length_scale_ = best_l;
  noise_ = best_g;
  lml_ = best;

  const Eigen::LLT<Matrix> llt(kernel_matrix(pairwise_distances(x_train_), length_scale_, opts_.nu, noise_));
  HWNAS_CHECK(positive_definite(llt), "gp: kernel matrix not positive definite (length_scale=",
              length_scale_, ", noise=", noise_, "); try a larger noise");
  weights_ = llt.solve(yn);
  fitted_ = true;
}

double GpRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("gp", fitted_, static_cast<int>(x_train_.cols()), x);
  const Vector dist = (x_train_.rowwise() - x_scale_.apply(x)).rowwise().norm();
  const double mean =
      dist.unaryExpr([&](double d) { return matern(d / length_scale_, opts_.nu); }).dot(weights_);
  return y_mean_ + y_std_ * mean;
}

std::string GpRegressor::describe() const {
  return format_factory_string("gp", opts_.non_default());
}

std::string GpRegressor::summary() const {
  if (!fitted_) return "gp(unfitted)";
  return str_cat("gp(nu=", std::isinf(opts_.nu) ? "inf" : format_number(opts_.nu),
                 ", length_scale=", format_number(length_scale_), ", noise=", format_number(noise_),
                 ", lml=", format_number(lml_), ", n=", x_train_.rows(), ")");
}

}  // namespace hwnas
