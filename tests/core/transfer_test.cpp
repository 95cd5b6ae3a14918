// Latency transfer (core/predictors/transfer.h): exact recovery of a device
// that is a function of the sources, the shots as the only values of the
// new device read, stratified shots, and the rank metrics it is judged by.
#include "core/predictors/transfer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/rng.h"

namespace hwnas {
namespace {

/// Every arch of a small NB201 space with three synthetic source devices
/// whose costs differ per op (so they are not multiples of each other).
struct Fixture {
  std::unique_ptr<SearchSpace> space = make_space("nb201");
  TransferSources src;
  Fixture() {
    src.space = space.get();
    Rng rng(3);
    const std::vector<std::vector<double>> cost = {{0.1, 0.3, 2.0, 0.8, 0.5}, {0.2, 0.2, 4.0, 1.0, 0.3},
                                                  {0.05, 0.4, 1.0, 0.9, 0.7}};
    std::vector<std::vector<double>> rows;
    for (int i = 0; i < 400; ++i) {
      const Arch a = space->sample(rng);
      src.archs.push_back(a);
      std::vector<double> row;
      for (const auto& c : cost) {
        double ms = 1.0;
        for (const Gene& g : a.genes) ms += c[g.op % c.size()];
        row.push_back(ms);
      }
      rows.push_back(row);
    }
    src.ms = matrix_from_rows(rows);
    src.devices = {"a", "b", "c"};
  }
  /// A new device: 3 x a^0.5 b^0.5 (exactly log-linear in the sources).
  std::vector<double> log_linear() const {
    std::vector<double> t;
    for (int i = 0; i < src.ms.rows(); ++i) t.push_back(3 * std::sqrt(src.ms(i, 0) * src.ms(i, 1)));
    return t;
  }
};

TEST(Transfer, RecoversADeviceThatIsAFunctionOfTheSources) {
  Fixture f;
  const std::vector<double> truth = f.log_linear();
  const auto scores = evaluate_transfer(
      f.src, [&](int i) { return truth[i]; }, truth, {"map", "logmap", "finetune", "help", "ensemble"}, 10, 3, 0);
  for (const TransferScore& s : scores) {
    EXPECT_GT(s.mean(&FitMetrics::spearman_rho), 0.999) << s.predictor;
    EXPECT_LT(s.mean(&FitMetrics::mape), 1.0) << s.predictor << " " << s.first_summary;
  }
  // 2.5 x device b: the nearest source, scaled.
  std::vector<double> scaled;
  for (int i = 0; i < f.src.ms.rows(); ++i) scaled.push_back(2.5 * f.src.ms(i, 1));
  const auto nearest = evaluate_transfer(f.src, [&](int i) { return scaled[i]; }, scaled, {"nearest"}, 5, 2, 1);
  EXPECT_LT(nearest[0].mean(&FitMetrics::mape), 1e-4);
  EXPECT_NE(nearest[0].first_summary.find("source b"), std::string::npos) << nearest[0].first_summary;
}

// The predictors are given the new device's latency of the shots and of
// nothing else: the oracle is asked K times a draw, for the shots only, and
// poisoning every other value of the column changes the scores, never the fits.
TEST(Transfer, TheShotsAreTheOnlyValuesOfTheNewDeviceRead) {
  Fixture f;
  const std::vector<double> truth = f.log_linear();
  std::vector<int> asked;
  const auto clean = evaluate_transfer(
      f.src, [&](int i) { asked.push_back(i); return truth[i]; }, truth, {"nearest", "map", "logmap", "finetune", "help", "ensemble"}, 8, 2, 5);
  EXPECT_EQ(asked.size(), 2u * 8u);
  std::set<int> shots(asked.begin(), asked.end());
  std::vector<double> poisoned = truth;
  for (size_t i = 0; i < poisoned.size(); ++i)
    if (!shots.count(static_cast<int>(i))) poisoned[i] = 1e6;  // never a fit's input
  const auto dirty = evaluate_transfer(
      f.src, [&](int i) { EXPECT_TRUE(shots.count(i)) << i; return poisoned[i]; }, poisoned,
      {"nearest", "map", "logmap", "finetune", "help", "ensemble"}, 8, 2, 5);
  for (size_t p = 0; p < clean.size(); ++p) EXPECT_EQ(clean[p].first_summary, dirty[p].first_summary);
}

TEST(Transfer, ShotsComeOneFromEachStratumOfLatency) {
  Fixture f;
  Rng rng(9);
  const std::vector<int> shots = choose_shots(f.src, 4, rng);
  ASSERT_EQ(shots.size(), 4u);
  std::vector<double> level;
  for (int i = 0; i < f.src.ms.rows(); ++i)
    level.push_back(std::log(f.src.ms(i, 0)) + std::log(f.src.ms(i, 1)) + std::log(f.src.ms(i, 2)));
  std::vector<double> sorted = level;
  std::sort(sorted.begin(), sorted.end());
  for (int s = 0; s < 4; ++s) {
    EXPECT_GE(level[shots[s]], sorted[s * 100]);
    EXPECT_LE(level[shots[s]], sorted[s * 100 + 99]);
  }
  EXPECT_THROW(choose_shots(f.src, 1, rng), Error);
  EXPECT_THROW(make_transfer_predictor("oracle"), Error);
  TransferSources two = f.src;
  two.ms = Matrix::Constant(f.src.ms.rows(), 2, 1.0);
  two.devices = {"a", "b"};
  auto help = make_transfer_predictor("help");
  EXPECT_THROW(help->fit(two, {0, 1, 2}, {1, 2, 3}), Error);  // needs 3 sources
}

TEST(RankMetrics, FastKendallEqualsThePairCountAndSpearmanHandCases) {
  Rng rng(1);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> a, b;
    for (int i = 0; i < 60; ++i) {
      a.push_back(uniform_int(rng, 8));  // many ties
      b.push_back(uniform_int(rng, 5) + 0.1 * a.back());
    }
    long long c = 0, d = 0, ua = 0, ub = 0;
    for (size_t i = 0; i < a.size(); ++i)
      for (size_t j = i + 1; j < a.size(); ++j) {
        const double da = a[i] - a[j], db = b[i] - b[j];
        ua += da != 0;
        ub += db != 0;
        if (da != 0 && db != 0) ((da > 0) == (db > 0) ? c : d)++;
      }
    EXPECT_NEAR(kendall_tau_b(a, b), (c - d) / std::sqrt(double(ua) * double(ub)), 1e-12);
  }
  EXPECT_DOUBLE_EQ(spearman_rho({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(spearman_rho({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  EXPECT_NEAR(spearman_rho({1, 2, 3, 4, 5}, {2, 1, 4, 3, 5}), 0.8, 1e-12);
  EXPECT_EQ(ranks({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
  EXPECT_TRUE(std::isnan(spearman_rho({1, 1, 1}, {1, 2, 3})));
}

}  // namespace
}  // namespace hwnas
