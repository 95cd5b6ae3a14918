// Learned latency predictors: the SPD solve, each regressor on
// synthetic data with a known answer, metrics on hand-computed cases, the
// factory round trip, the one-hot arch encoding, and one check on real
// measured latencies (HW-NAS-Bench Raspberry Pi 4 column of NAS-Bench-201).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "core/error.h"
#include "core/io.h"
#include "core/predictors/bayesian_ridge.h"
#include "core/predictors/encoding.h"
#include "core/predictors/flops.h"
#include "core/predictors/gp.h"
#include "core/predictors/lasso.h"
#include "core/predictors/linear.h"
#include "core/predictors/matrix.h"
#include "core/predictors/metrics.h"
#include "core/predictors/regressor.h"
#include "core/rng.h"
#include "core/search_space.h"
#include "core/strings.h"
#include "core/tables.h"

namespace hwnas {
namespace {

// ---------------------------------------------------------------- helpers

struct Dataset {
  Matrix x;
  std::vector<double> y;       ///< noisy targets
  std::vector<double> y_true;  ///< noise-free targets
};

/// n rows of p features uniform in [-2, 2]; y = f(x) + N(0, noise^2).
template <class F>
Dataset make_data(int n, int p, double noise, uint64_t seed, F f) {
  Rng rng(mix_seed(seed));
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::normal_distribution<double> e(0.0, noise);
  Dataset d;
  d.x = Matrix(n, p);
  for (double& v : d.x.reshaped<Eigen::RowMajor>()) v = u(rng);
  for (int r = 0; r < n; ++r) {
    d.y_true.push_back(f(to_std_vector(d.x.row(r))));
    d.y.push_back(d.y_true.back() + (noise > 0 ? e(rng) : 0.0));
  }
  return d;
}

double rmse(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s / a.size());
}

/// RMSE of `r` fitted on `train` against the noise-free targets of `test`.
double test_rmse(Regressor* r, const Dataset& train, const Dataset& test) {
  r->fit(train.x, train.y);
  return rmse(r->predict_rows(test.x), test.y_true);
}

// Sparse linear truth: 30 features, 3 of them matter.
double sparse_linear(const std::vector<double>& x) {
  return 4.0 + 3.0 * x[0] - 2.0 * x[5] + 1.5 * x[17];
}
// Dense linear truth: 10 features.
double dense_linear(const std::vector<double>& x) {
  double s = 1.0;
  for (size_t j = 0; j < x.size(); ++j) s += (static_cast<double>(j) - 4.5) * 0.3 * x[j];
  return s;
}
// Smooth nonlinear truth on 2 features.
double smooth_nonlinear(const std::vector<double>& x) {
  return std::sin(2.0 * x[0]) + 0.5 * x[1] * x[1];
}

// ---------------------------------------------------------------- matrix

TEST(Matrix, CholeskySolvesSpdSystem) {
  const Matrix a = matrix_from_rows({{4, 2, 0.6}, {2, 5, 1}, {0.6, 1, 3}});
  const Vector x{{1.0, -2.0, 0.5}};
  const Vector b = a * x;
  const Vector got = solve_spd(a, b);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], x[i], 1e-12);
  EXPECT_THROW(solve_spd(matrix_from_rows({{1, 2}, {2, 1}}), Vector::Ones(2)), Error);  // indefinite
  const double nan = std::nan("");
  EXPECT_THROW(solve_spd(matrix_from_rows({{1, nan}, {nan, 1}}), Vector::Ones(2)), Error);  // Eigen's LLT passes it
  EXPECT_THROW(matrix_from_rows({{1, 2}, {3}}), Error);
}

TEST(Standardizer, GramMatchesExplicitForSparseAndDense) {
  Rng rng(13);
  for (double density : {0.2, 0.9}) {
    Matrix x(30, 6);
    for (double& v : x.reshaped<Eigen::RowMajor>()) v = uniform01(rng) < density ? uniform01(rng) : 0.0;
    const Standardizer s = Standardizer::fit(x);
    const Matrix z = s.apply(x);
    const Matrix g = s.gram(x), gz = z.transpose() * z;
    for (int j = 0; j < 6; ++j)
      for (int k = 0; k < 6; ++k) EXPECT_NEAR(g(j, k), gz(j, k), 1e-9);
    const Vector v = Vector::LinSpaced(30, -1.0, 2.0);
    EXPECT_LT((s.apply_t(x, v) - z.transpose() * v).cwiseAbs().maxCoeff(), 1e-9);
  }
}

// ---------------------------------------------------------------- regressors

TEST(Linear, RecoversNoisyLinearFunction) {
  const Dataset train = make_data(200, 10, 0.1, 1, dense_linear);
  const Dataset test = make_data(500, 10, 0.0, 2, dense_linear);
  LinearRegressor r;
  const double err = test_rmse(&r, train, test);
  std::cout << "[synthetic] linear on dense linear (noise 0.1): test rmse " << err << "\n";
  EXPECT_LT(err, 0.05);  // estimation error only, well below the noise
  for (int j = 0; j < 10; ++j) EXPECT_NEAR(r.coef()[j], (j - 4.5) * 0.3, 0.03) << j;
  EXPECT_NEAR(r.intercept(), 1.0, 0.03);
}

TEST(Linear, RidgeShrinksAndCollinearOneHotIsFine) {
  const Dataset train = make_data(100, 10, 0.1, 3, dense_linear);
  LinearRegressor ols, ridge(LinearOptions{1.0});
  ols.fit(train.x, train.y);
  ridge.fit(train.x, train.y);
  EXPECT_LT(as_vector(ridge.coef()).squaredNorm(), 0.5 * as_vector(ols.coef()).squaredNorm());
  // One-hot of 3 choices in 2 groups: columns sum to 1 per group (collinear with
  // the intercept). y = 1 + 2*[g1=b] + 5*[g2=c].
  Matrix x = Matrix::Zero(60, 6);
  std::vector<double> y;
  for (int r = 0; r < 60; ++r) {
    x(r, r % 3) = 1;
    x(r, 3 + (r / 3) % 3) = 1;
    y.push_back(1 + 2 * x(r, 1) + 5 * x(r, 5));
  }
  ols.fit(x, y);
  const std::vector<double> pred = ols.predict_rows(x);
  EXPECT_LT(rmse(pred, y), 1e-5);
}

TEST(Linear, DualPathWhenFeaturesExceedSamples) {
  const Dataset train = make_data(20, 40, 0.0, 4, dense_linear);
  LinearRegressor r;
  r.fit(train.x, train.y);
  EXPECT_LT(rmse(r.predict_rows(train.x), train.y), 1e-3);  // interpolates
}

TEST(Lasso, CrossValidatedAlphaFindsSparseTruth) {
  const Dataset train = make_data(200, 30, 0.1, 5, sparse_linear);
  const Dataset test = make_data(500, 30, 0.0, 6, sparse_linear);
  LassoRegressor lasso;
  LinearRegressor ols;
  const double err = test_rmse(&lasso, train, test);
  const double err_ols = test_rmse(&ols, train, test);
  std::cout << "[synthetic] lasso on sparse linear (3 of 30, noise 0.1): test rmse " << err
            << " (ols " << err_ols << "), " << lasso.summary() << "\n";
  EXPECT_LT(err, 0.06);
  EXPECT_NEAR(lasso.coef()[0], 3.0, 0.05);
  EXPECT_NEAR(lasso.coef()[5], -2.0, 0.05);
  EXPECT_NEAR(lasso.coef()[17], 1.5, 0.05);
  EXPECT_LE(lasso.num_nonzero(), 20);  // most irrelevant features dropped
  EXPECT_GT(lasso.alpha(), 0.0);
}

TEST(Lasso, FixedAlphaAboveMaxGivesConstantModel) {
  const Dataset train = make_data(50, 5, 0.1, 7, dense_linear);
  LassoOptions o;
  o.alpha = 100.0;
  LassoRegressor r(o);
  r.fit(train.x, train.y);
  EXPECT_EQ(r.num_nonzero(), 0);
  EXPECT_NEAR(r.predict(to_std_vector(train.x.row(0))), mean_std(train.y).first, 1e-12);
  EXPECT_EQ(r.alpha(), 100.0);
}

TEST(BayesianRidge, EstimatesNoiseAndFits) {
  const Dataset train = make_data(300, 10, 0.1, 8, dense_linear);
  const Dataset test = make_data(500, 10, 0.0, 9, dense_linear);
  BayesianRidgeRegressor r;
  const double err = test_rmse(&r, train, test);
  const double noise_sd = 1.0 / std::sqrt(r.noise_precision());
  std::cout << "[synthetic] bayesian-ridge on dense linear (noise 0.1): test rmse " << err << ", "
            << r.summary() << "\n";
  EXPECT_LT(err, 0.05);
  EXPECT_NEAR(noise_sd, 0.1, 0.015);
  EXPECT_GT(r.effective_params(), 9.0);  // all 10 weights well determined
  EXPECT_LE(r.effective_params(), 10.0 + 1e-9);
}

TEST(BayesianRidge, MoreFeaturesThanSamples) {
  const Dataset train = make_data(40, 80, 0.05, 10, sparse_linear);
  BayesianRidgeRegressor r;
  r.fit(train.x, train.y);
  for (double v : r.predict_rows(train.x)) EXPECT_TRUE(std::isfinite(v));
  EXPECT_LT(rmse(r.predict_rows(train.x), train.y), mean_std(train.y).second);
}

TEST(Gp, MaternClosedFormsMatchBesselForm) {
  for (double r : {0.1, 0.7, 2.0}) {
    // The general branch at nu slightly off the special values converges to them.
    EXPECT_NEAR(matern(r, 0.5 + 1e-9), std::exp(-r), 1e-6);
    EXPECT_NEAR(matern(r, 1.5 + 1e-9), matern(r, 1.5), 1e-6);
    EXPECT_NEAR(matern(r, 2.5 + 1e-9), matern(r, 2.5), 1e-6);
  }
  EXPECT_EQ(matern(0.0, 0.35), 1.0);
  EXPECT_GT(matern(0.5, 0.35), matern(1.0, 0.35));
}

TEST(Gp, BeatsLinearOnSmoothNonlinearFunction) {
  const Dataset train = make_data(200, 2, 0.05, 11, smooth_nonlinear);
  const Dataset test = make_data(500, 2, 0.0, 12, smooth_nonlinear);
  GpRegressor gp;
  LinearRegressor lin;
  const double err = test_rmse(&gp, train, test), err_lin = test_rmse(&lin, train, test);
  std::cout << "[synthetic] gp on sin(2a)+b^2/2 (noise 0.05): test rmse " << err << " (linear "
            << err_lin << "), " << gp.summary() << "\n";
  EXPECT_LT(err, 0.1);
  EXPECT_LT(err, 0.2 * err_lin);
  EXPECT_LT(gp.noise(), 0.05);  // true noise var / signal var ~ 0.0025 / 0.9
}

TEST(Gp, HurricaneSettingsAndFixedHyperParameters) {
  const Dataset train = make_data(80, 2, 0.05, 13, smooth_nonlinear);
  std::unique_ptr<Regressor> r =
      make_regressor("gp:length_scale=1.5,noise=0.01,nu=0.35,standardize=0");
  r->fit(train.x, train.y);
  auto* gp = dynamic_cast<GpRegressor*>(r.get());
  ASSERT_NE(gp, nullptr);
  EXPECT_EQ(gp->length_scale(), 1.5);
  EXPECT_EQ(gp->noise(), 0.01);
  EXPECT_LT(rmse(r->predict_rows(train.x), train.y), 0.2);
}

TEST(FlopsBaseline, ExactOnAffineFunction) {
  Matrix x(5, 1);
  std::vector<double> y;
  for (int i = 0; i < 5; ++i) {
    x(i, 0) = 10.0 * i + 2;
    y.push_back(3.0 * x(i, 0) + 1.0);
  }
  FlopsRegressor r;
  r.fit(x, y);
  EXPECT_NEAR(r.slope(), 3.0, 1e-12);
  EXPECT_NEAR(r.intercept(), 1.0, 1e-9);
  EXPECT_NEAR(r.predict({100.0}), 301.0, 1e-9);
  // The FLOPs column designated from the end of a wider feature vector.
  Matrix wide(5, 3);
  for (int i = 0; i < 5; ++i) {
    wide(i, 0) = i % 2;
    wide(i, 1) = -i;
    wide(i, 2) = x(i, 0);
  }
  std::unique_ptr<Regressor> last = make_regressor("flops:col=-1");
  last->fit(wide, y);
  EXPECT_NEAR(last->predict({7.0, 7.0, 100.0}), 301.0, 1e-9);
  EXPECT_THROW(make_regressor("flops:col=3")->fit(wide, y), Error);
  EXPECT_THROW(r.fit(Matrix::Constant(5, 1, 4.0), y), Error);  // constant FLOPs
}

// ---------------------------------------------------------------- interface and factory

TEST(RegressorFactory, DescribeRoundTrips) {
  const std::vector<std::string> specs = {"linear",
                                          "linear:ridge=0.01",
                                          "lasso",
                                          "lasso:alpha=0.01",
                                          "lasso:folds=3,seed=4",
                                          "bayesian-ridge",
                                          "bayesian-ridge:lambda_2=0.001,max_iter=50",
                                          "gp",
                                          "gp:length_scale=1.5,nu=0.35,standardize=0",
                                          "gp:hp_samples=200,noise=0.01,nu=inf",
                                          "flops",
                                          "flops:col=-1"};
  for (const std::string& s : specs) EXPECT_EQ(make_regressor(s)->describe(), s);
  std::set<std::string> listed;
  for (const auto& [name, help] : list_regressors()) {
    EXPECT_EQ(make_regressor(name)->describe(), name);
    EXPECT_FALSE(help.empty());
    listed.insert(name);
  }
  EXPECT_EQ(listed,
            (std::set<std::string>{"linear", "lasso", "bayesian-ridge", "gp", "flops"}));
  // Defaults written out explicitly describe as the bare name.
  EXPECT_EQ(make_regressor("lasso:alpha=cv,folds=5")->describe(), "lasso");
}

TEST(RegressorFactory, RefusesUnknownNamesOptionsAndValues) {
  auto expect_error = [](const std::string& spec, const std::string& needle) {
    try {
      make_regressor(spec);
      FAIL() << "accepted " << spec;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("svm", "unknown regressor 'svm'");
  expect_error("svm", "lasso");  // lists the known ones
  expect_error("lasso:alhpa=0.1", "unknown option 'alhpa'");
  expect_error("lasso:alpha=-1", "alpha must be > 0");
  expect_error("lasso:alpha=abc", "not a number");
  expect_error("gp:nu=-1", "nu must be > 0");
  expect_error("bayesian-ridge:tol=0", "tol");
}

TEST(RegressorInterface, PredictChecksFitAndWidth) {
  const Dataset train = make_data(40, 3, 0.1, 16, dense_linear);
  for (const auto& [name, help] : list_regressors()) {
    std::unique_ptr<Regressor> r = make_regressor(name);
    EXPECT_THROW(r->predict({0.0, 0.0, 0.0}), Error) << name;
    EXPECT_NE(r->summary().find("unfitted"), std::string::npos) << name;
    r->fit(train.x, train.y);
    EXPECT_THROW(r->predict({0.0, 0.0}), Error) << name;
    EXPECT_TRUE(std::isfinite(r->predict({0.0, 0.0, 0.0}))) << name;
    EXPECT_THROW(r->fit(train.x, std::vector<double>(39, 1.0)), Error) << name;
  }
}

// ---------------------------------------------------------------- metrics

TEST(Metrics, KendallTauHandCases) {
  const std::vector<double> a = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(kendall_tau_b(a, a), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau_b(a, {50, 40, 30, 20, 10}), -1.0);
  // One swapped pair of 6: (5 - 1) / 6.
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {1, 3, 2, 4}), 2.0 / 3.0);
  // Ties (tau-b, as scipy.stats.kendalltau): C=4, D=0, 5 untied pairs each -> 0.8.
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 2, 3}, {1, 2, 3, 3}), 0.8);
  EXPECT_TRUE(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3})));
}

TEST(Metrics, FitMetricsHandCase) {
  const FitMetrics m = fit_metrics({11, 19, 30, 44}, {10, 20, 30, 40});
  EXPECT_EQ(m.n, 4);
  EXPECT_NEAR(m.rmse_ms, std::sqrt(18.0 / 4), 1e-12);  // errors 1, 1, 0, 4
  EXPECT_NEAR(m.mape, 100.0 * (0.1 + 0.05 + 0 + 0.1) / 4, 1e-12);
  EXPECT_EQ(m.max_abs_err_ms, 4.0);
  EXPECT_DOUBLE_EQ(m.kendall_tau, 1.0);
  EXPECT_EQ(m.within_5pct, 50.0);    // 19 vs 20 and 30 vs 30
  EXPECT_EQ(m.within_10pct, 100.0);  // every error <= 10% of its measurement
  EXPECT_NE(format_fit_metrics(m).find("tau=1.000"), std::string::npos) << format_fit_metrics(m);
  EXPECT_THROW(fit_metrics({1, 2}, {1}), Error);
  EXPECT_THROW(fit_metrics({1, 2}, {1, 0}), Error);
  EXPECT_THROW(fit_metrics({}, {}), Error);
}

// ---------------------------------------------------------------- encoding

TEST(OneHot, LengthsNamesAndDeterminism) {
  auto space = make_space("hsconas");
  // 20 layers, 5 ops (4 scalable + skip), 10 widths; skip not allowed at the
  // 4 stage-first layers: 4 x 4 + 16 x 5 = 96 op slots.
  EXPECT_EQ(one_hot_size(*space, OneHotMode::kOp), 96);
  EXPECT_EQ(one_hot_size(*space, OneHotMode::kOpWidth), 96 + 20 * 4);
  EXPECT_EQ(one_hot_size(*space, OneHotMode::kOpXWidth), 4 * 4 * 10 + 16 * (4 * 10 + 1));
  for (OneHotMode mode : {OneHotMode::kOp, OneHotMode::kOpWidth, OneHotMode::kOpXWidth}) {
    EXPECT_EQ(parse_one_hot_mode(to_string(mode)), mode);
    const std::vector<std::string> names = one_hot_names(*space, mode);
    EXPECT_EQ(static_cast<int>(names.size()), one_hot_size(*space, mode));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  }
  EXPECT_EQ(one_hot_names(*space)[1], "L1:k3*width");
  EXPECT_THROW(parse_one_hot_mode("ops"), Error);

  Rng rng(17);
  for (int i = 0; i < 50; ++i) {
    const Arch a = space->sample(rng);
    const std::vector<double> v = one_hot(*space, a);
    EXPECT_EQ(v, one_hot(*space, a));
    const std::vector<double> ops = one_hot(*space, a, OneHotMode::kOp);
    double ones = 0.0;
    for (double e : ops) ones += e;
    EXPECT_EQ(ones, 20.0);  // exactly one op per layer
    const std::vector<double> cross = one_hot(*space, a, OneHotMode::kOpXWidth);
    ones = 0.0;
    for (double e : cross) ones += e;
    EXPECT_EQ(ones, 20.0);                               // exactly one (op, width) per layer
    EXPECT_EQ(one_hot(*space, space->canonical(a)), v);  // skip's width is irrelevant
  }
  // Width is visible in op+width and opxwidth but not in op.
  Arch a = space->largest(), b = a;
  b.genes[0].width = 0;
  EXPECT_NE(one_hot(*space, a), one_hot(*space, b));
  EXPECT_NE(one_hot(*space, a, OneHotMode::kOpXWidth), one_hot(*space, b, OneHotMode::kOpXWidth));
  EXPECT_EQ(one_hot(*space, a, OneHotMode::kOp), one_hot(*space, b, OneHotMode::kOp));
  Arch bad = a;
  bad.genes.pop_back();
  EXPECT_THROW(one_hot(*space, bad), Error);
}

/// A synthetic per-layer latency for the encoding comparison: a fixed cost
/// per (layer, op) plus a cost linear in the layer's internal channels whose
/// slope depends on op and resolution (the shape of conv costs), plus noise.
/// Not a measurement: it only checks that each encoding can express it.
double toy_latency_ms(const SearchSpace& s, const Arch& a) {
  double t = 0.5;
  for (int l = 0; l < s.num_layers(); ++l) {
    const OpSpec o = s.op_spec(l, a.genes[l], 1);
    if (o.kind == OpKind::kSkip) {
      t += 0.002;
      continue;
    }
    const double per_channel = (o.cin + o.cout) * 0.5 + o.kernel * o.kernel;  // 1x1 + depthwise
    t += 0.01 * (1 + o.kernel / 3.0) + 2e-7 * per_channel * o.mid * o.h * o.w;
  }
  return t;
}

TEST(OneHot, OpPlusWidthPredictsWidthDependentLatency) {
  auto space = make_space("hsconas");
  Rng rng(18);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<Arch> train, test;
  std::vector<double> y_train, y_test;
  for (int i = 0; i < 600; ++i) {
    train.push_back(space->sample(rng));
    y_train.push_back(toy_latency_ms(*space, train.back()) * (1 + noise(rng)));
  }
  for (int i = 0; i < 400; ++i) {
    test.push_back(space->sample(rng));
    y_test.push_back(toy_latency_ms(*space, test.back()));
  }
  std::map<OneHotMode, FitMetrics> m;
  for (OneHotMode mode : {OneHotMode::kOp, OneHotMode::kOpWidth, OneHotMode::kOpXWidth}) {
    LinearRegressor r(LinearOptions{1e-4});
    r.fit(one_hot_rows(*space, train, mode), y_train);
    m[mode] = fit_metrics(r.predict_rows(one_hot_rows(*space, test, mode)), y_test);
    std::cout << "[synthetic] encoding " << to_string(mode) << " (" << one_hot_size(*space, mode)
              << " features), ridge 1e-4, 600 train / 400 test: " << format_fit_metrics(m[mode])
              << "\n";
  }
  EXPECT_LT(m[OneHotMode::kOpWidth].rmse_ms, 0.5 * m[OneHotMode::kOp].rmse_ms);
  EXPECT_LT(m[OneHotMode::kOpWidth].rmse_ms, m[OneHotMode::kOpXWidth].rmse_ms);
  EXPECT_GT(m[OneHotMode::kOpWidth].kendall_tau, 0.9);
}

// ---------------------------------------------------------------- real measurements

// The NB201 tables committed in data/nb201 (tests run from the repository root).
const std::string kNb201Dir = "data/nb201";

TEST(RealLatency, Nb201RaspberryPi4) {
  const std::string path = kNb201Dir + "/latency.csv";
  ASSERT_TRUE(file_exists(path)) << "no " << path;
  auto space = make_space("nb201");
  // A cell has 6 edges x 5 ops and no widths: every mode is the plain one-hot.
  for (OneHotMode mode : {OneHotMode::kOp, OneHotMode::kOpWidth, OneHotMode::kOpXWidth})
    EXPECT_EQ(one_hot_size(*space, mode), 30);
  const ArchTable table(path + ":raspi4_ms", *space);
  ASSERT_EQ(table.entries().size(), 15625u);
  // Seeded 300 train / 2000 test split (HURRICANE: 1,600 / 400; kept small for speed).
  std::vector<int> perm(table.entries().size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int>(i);
  Rng rng(mix_seed(19));
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<Arch> atr, ate;
  std::vector<double> ytr, yte;
  for (int i = 0; i < 2300; ++i) {
    const auto& [arch, ms] = table.entries()[perm[i]];
    (i < 300 ? atr : ate).push_back(arch);
    (i < 300 ? ytr : yte).push_back(ms);
  }
  const Matrix x_train = one_hot_rows(*space, atr), x_test = one_hot_rows(*space, ate);
  std::map<std::string, FitMetrics> m;
  for (const std::string spec : {"linear", "lasso", "bayesian-ridge", "gp"}) {
    std::unique_ptr<Regressor> r = make_regressor(spec);
    r->fit(x_train, ytr);
    m[spec] = fit_metrics(r->predict_rows(x_test), yte);
    std::cout << "[nb201 raspi4, 300 train / 2000 test] " << spec << ": "
              << format_fit_metrics(m[spec]) << "  " << r->summary() << "\n";
  }
  // The cell's "none" edges make latency non-additive in the edge ops, so the
  // kernel model should beat the linear ones; all must rank well.
  for (const auto& [spec, fm] : m) EXPECT_GT(fm.kendall_tau, 0.75) << spec;
  EXPECT_LT(m["gp"].rmse_ms, 0.9 * m["linear"].rmse_ms);
}

}  // namespace
}  // namespace hwnas
