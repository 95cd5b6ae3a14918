#include "search/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "core/latency_model.h"
#include "core/rng.h"

namespace hwnas {
namespace {

/// Inherited accuracies looked up by arch text (a stand-in supernet).
class TableEvaluator : public Evaluator {
 public:
  explicit TableEvaluator(const SearchSpace& s) : space_(s) {}
  double accuracy(const Arch& a) override {
    ++calls;
    return 50.0 + (a.genes[0].op == 0 ? 1.0 : 0.0);
  }
  std::string describe() const override { return "table"; }
  int calls = 0;

 private:
  const SearchSpace& space_;
};

int skip_index(const SearchSpace& s) {
  for (size_t i = 0; i < s.ops.size(); ++i)
    if (s.ops[i].kind == OpKind::kSkip) return static_cast<int>(i);
  return -1;
}

TEST(Calibration, FeaturesCountLayersAndTheirWidths) {
  auto space = make_space("hsconas");
  const int skip = skip_index(*space);
  Arch a;
  for (int i = 0; i < space->num_layers(); ++i) a.genes.push_back({skip, 0});
  a.genes[0] = {0, 9};  // k3 at width 1.0
  a.genes[1] = {1, 1};  // k5 at width 0.2
  const std::vector<double> f = calibration_features(*space, a, 42.0);
  ASSERT_EQ(f.size(), calibration_feature_names().size());
  EXPECT_EQ(f[0], 42.0);
  EXPECT_EQ(f[1], 2.0);
  EXPECT_NEAR(f[2], 0.6, 1e-12);
  Arch skips;
  for (int i = 0; i < space->num_layers(); ++i) skips.genes.push_back({skip, 0});
  EXPECT_EQ(calibration_features(*space, skips, 0.0)[2], 0.0);
}

TEST(Calibration, RecoversAPlantedDepthEffectAndRanksBetterThanTheSupernet) {
  // Stand-alone accuracy = 0.2 * inherited - 1.0 per layer + 5 * width (+ noise);
  // the inherited accuracy alone barely ranks it.
  auto space = make_space("hsconas");
  Rng rng(7);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 16; ++i) {
    const Arch a = space->sample(rng);
    const double inherited = 40.0 + 10.0 * uniform01(rng);
    const std::vector<double> f = calibration_features(*space, a, inherited);
    x.push_back(f);
    y.push_back(60.0 + 0.2 * f[0] - 1.0 * f[1] + 5.0 * f[2] + 0.05 * (uniform01(rng) - 0.5));
  }
  const Calibration c = fit_calibration(x, y);
  EXPECT_NEAR(c.model.coef()[1], -1.0, 0.15);
  EXPECT_GT(c.tau_leave_one_out, 0.7);
  EXPECT_GT(c.tau_leave_one_out, c.tau_inherited);
}

/// Latency: 0.15 ms per non-skip layer, plus 0.05 ms per unit of width factor.
class ToyLatency : public LatencyModel {
 public:
  explicit ToyLatency(const SearchSpace& s) : space_(s) {}
  double predict_ms(const Arch& a) const override {
    const std::vector<double> f = calibration_features(space_, a, 0.0);
    return 0.15 * f[1] + 0.05 * f[1] * f[2];
  }
  std::string describe() const override { return "toy"; }

 private:
  const SearchSpace& space_;
};

TEST(Calibration, ArchsMeetTheBudgetAndSpreadInDepthAndWidth) {
  auto space = make_space("hsconas");
  const ToyLatency latency(*space);
  Rng rng(1);
  const double T = 3.0;
  const std::vector<Arch> archs = calibration_archs(*space, latency, T, 12, rng);
  ASSERT_GE(archs.size(), 8u);  // a grid point or two cannot meet T
  std::set<Arch> distinct(archs.begin(), archs.end());
  EXPECT_EQ(distinct.size(), archs.size());
  double min_layers = 99, max_layers = 0, min_width = 9, max_width = 0;
  for (const Arch& a : archs) {
    const double ms = latency.predict_ms(a);
    EXPECT_LE(ms, T);
    EXPECT_GE(ms, 0.8 * T);
    const std::vector<double> f = calibration_features(*space, a, 0.0);
    min_layers = std::min(min_layers, f[1]), max_layers = std::max(max_layers, f[1]);
    min_width = std::min(min_width, f[2]), max_width = std::max(max_width, f[2]);
  }
  // Uniform samples near this budget spread over about 2 layers and 0.1 in width.
  EXPECT_GE(max_layers - min_layers, 4);
  EXPECT_GE(max_width - min_width, 0.4);
}

TEST(Calibration, TooFewArchsOrMismatchedSizesAreErrors) {
  EXPECT_THROW(fit_calibration({{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}, {1, 2, 3}), Error);
  EXPECT_THROW(fit_calibration({{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}}, {1, 2, 3}), Error);
}

TEST(Calibration, EvaluatorAppliesTheFitToTheBaseAccuracy) {
  auto space = make_space("hsconas");
  Rng rng(3);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  std::vector<Arch> archs;
  TableEvaluator base(*space);
  for (int i = 0; i < 8; ++i) {
    archs.push_back(space->sample(rng));
    x.push_back(calibration_features(*space, archs.back(), base.accuracy(archs.back())));
    y.push_back(70.0 - 0.5 * x.back()[1]);
  }
  const Calibration c = fit_calibration(x, y);
  CalibratedEvaluator ev(base, *space, c);
  for (size_t i = 0; i < archs.size(); ++i) EXPECT_NEAR(ev.accuracy(archs[i]), y[i], 0.3);
  EXPECT_NE(ev.describe().find("calibrated(table,"), std::string::npos);
}

}  // namespace
}  // namespace hwnas
