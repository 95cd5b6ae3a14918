#include "latency/models.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/flops.h"
#include "core/io.h"
#include "core/predictors/metrics.h"
#include "latency/validation.h"

#include <algorithm>

namespace hwnas {
namespace {

// Four layers, two widths: small enough for exact fits on a few dozen archs.
const char* kSpace = "hsconas:widths=2,depths=1/1/1/1";

TargetInfo synthetic_target() {
  TargetInfo t;
  t.kind = "synthetic";
  t.batch = 1;
  return t;
}

/// A table whose op latency is affine in the op's MACs, and archs whose
/// "measured" latency is the table sum plus a constant 0.05 ms.
struct Synthetic {
  std::unique_ptr<SearchSpace> space = make_space(kSpace);
  Lut lut;
  MeasuredArchs fit, test;
  Synthetic() {
    lut = Lut::empty(*space, synthetic_target(), ProfileOptions());
    for (const OpSpec& s : space_op_specs(*space, 1)) lut.ops[s.key()].median_ms = 0.01 + 2e-6 * op_cost(s).macs;
    Rng rng(7);
    for (int i = 0; i < 80; ++i) {
      MeasuredArchs& m = i < 60 ? fit : test;
      m.archs.push_back(space->sample(rng));
      m.ms.push_back(lut.sum_ms(*space, m.archs.back()) + 0.05);
    }
  }
  LatencyModelContext ctx() const {
    LatencyModelContext c;
    c.space = space.get();
    c.lut = &lut;
    c.fit = &fit;
    return c;
  }
};

double mape_on(const LatencyModel& m, const MeasuredArchs& data) {
  std::vector<double> pred;
  for (const Arch& a : data.archs) pred.push_back(m.predict_ms(a));
  return fit_metrics(pred, data.ms).mape;
}

TEST(LatencyModels, LutBiasRecoversAConstantGap) {
  Synthetic s;
  auto model = make_latency_model("lut+bias", s.ctx());
  EXPECT_NEAR(dynamic_cast<LutBiasModel&>(*model).bias_ms(), 0.05, 1e-12);
  EXPECT_LT(mape_on(*model, s.test), 1e-9);
  EXPECT_GT(mape_on(*make_latency_model("lut", s.ctx()), s.test), 1.0);  // without B it is off
}

TEST(LatencyModels, LutBiasPrecomputedSumEqualsTheTableSum) {
  auto space = make_space("hsconas");  // with skip, 20 layers, 10 widths
  Lut lut = Lut::empty(*space, synthetic_target(), ProfileOptions());
  int i = 0;
  for (const OpSpec& s : space_op_specs(*space, 1)) lut.ops[s.key()].median_ms = 0.001 * (++i);
  LutBiasModel model(*space, lut, 0.25);
  Rng rng(9);
  for (int k = 0; k < 50; ++k) {
    const Arch a = space->sample(rng);
    EXPECT_NEAR(model.predict_ms(a), lut.sum_ms(*space, a) + 0.25, 1e-12) << space->format(a);
  }
}

TEST(LatencyModels, LutScaleRecoversPerOpScalesThatOneBiasCannot) {
  // "Measured" = table sum with every k5 layer at 0.6x its table latency,
  // plus 0.05 ms: a gap that grows with the number of k5 layers.
  auto space = make_space("hsconas");
  Lut lut = Lut::empty(*space, synthetic_target(), ProfileOptions());
  for (const OpSpec& s : space_op_specs(*space, 1)) lut.ops[s.key()].median_ms = 0.01 + 2e-6 * op_cost(s).macs;
  const int k5 = space->op_index("k5");
  LutBiasModel sums(*space, lut, 0.0);
  auto truth = [&](const Arch& a) { return sums.sum_ms(a) - 0.4 * sums.op_sums_ms(a)[k5] + 0.05; };
  MeasuredArchs fit, test;
  for (int i = 0; i < 120; ++i) {
    MeasuredArchs& m = i < 60 ? fit : test;
    m.archs.push_back(spread_arch(*space, 3, 1, i));
    m.ms.push_back(truth(m.archs.back()));
  }
  LutScaleModel model(*space, lut, fit);
  EXPECT_NEAR(model.scales()[k5], 0.6, 0.05);
  EXPECT_NEAR(model.scales()[space->op_index("k3")], 1.0, 0.05);
  EXPECT_EQ(model.scales()[space->op_index("skip")], 1.0);
  EXPECT_NEAR(model.bias_ms(), 0.05, 0.05);
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.lut = &lut;
  ctx.fit = &fit;
  const auto bias = make_latency_model("lut+bias", ctx);
  EXPECT_LT(mape_on(model, test), 0.5 * mape_on(*bias, test));
  EXPECT_NE(model.describe().find("k5=x0.6"), std::string::npos) << model.describe();
  MeasuredArchs one;
  one.archs = {fit.archs[0]};
  one.ms = {fit.ms[0]};
  EXPECT_THROW(LutScaleModel(*space, lut, one), Error);
}

TEST(LatencyModels, SpreadArchsReachDepthsAndWidthsUniformSamplesMiss) {
  auto space = make_space("hsconas");
  int min_layers = 99, max_layers = 0;
  double min_width = 9, max_width = 0;
  for (const Arch& a : spread_fit_archs(*space, 0, 24, {})) {
    int layers = 0;
    double w = 0;
    for (const Gene& g : a.genes)
      if (space->ops[g.op].kind != OpKind::kSkip) {
        ++layers;
        w += space->width_factors[g.width];
      }
    min_layers = std::min(min_layers, layers);
    max_layers = std::max(max_layers, layers);
    min_width = std::min(min_width, w / layers);
    max_width = std::max(max_width, w / layers);
  }
  EXPECT_LE(min_layers, 11);
  EXPECT_EQ(max_layers, 20);
  EXPECT_LT(min_width, 0.25);
  EXPECT_GT(max_width, 0.75);
  // Deterministic per seed, and distinct from the fit set when asked.
  EXPECT_EQ(spread_arch(*space, 5, 3, 7), spread_arch(*space, 5, 3, 7));
  const std::vector<Arch> fit = spread_fit_archs(*space, 0, 10, {});
  for (const Arch& a : held_out_archs(*space, 0, 10, fit, true))
    EXPECT_EQ(std::count(fit.begin(), fit.end(), a), 0);
}

TEST(LatencyModels, FlopsBaselineIsExactWhenLatencyIsAffineInMacs) {
  Synthetic s;
  // Every arch has the same number of ops (stem, 4 layers, head), so the
  // synthetic latency is exactly affine in the arch's MACs.
  auto model = make_latency_model("flops", s.ctx());
  EXPECT_LT(mape_on(*model, s.test), 1e-6);
  EXPECT_EQ(model->describe(), "flops");
}

TEST(LatencyModels, LearnedPredictorsFitAdditiveLatencies) {
  Synthetic s;
  for (const char* name : {"linear", "bayesian-ridge"}) {
    auto model = make_latency_model(name, s.ctx());
    EXPECT_LT(mape_on(*model, s.test), 2.0) << name << " " << model->describe();
  }
}

TEST(LatencyModels, MissingInputsAndUnknownNamesAreRefused) {
  Synthetic s;
  LatencyModelContext bare;
  bare.space = s.space.get();
  EXPECT_THROW(make_latency_model("lut+bias", bare), Error);  // no table
  EXPECT_THROW(make_latency_model("lasso", bare), Error);     // nothing to fit on
  EXPECT_THROW(make_latency_model("measured", bare), Error);  // no target
  try {
    make_latency_model("lutt", s.ctx());
    ADD_FAILURE() << "unknown model accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lut+bias"), std::string::npos) << e.what();
  }
  Lut no_bias = s.lut;
  LatencyModelContext c = bare;
  c.lut = &no_bias;
  EXPECT_THROW(make_latency_model("lut+bias", c), Error);  // neither archs nor a stored B
  no_bias.bias_ms = 0.02;
  EXPECT_NEAR(make_latency_model("lut+bias", c)->predict_ms(s.test.archs[0]),
              s.lut.sum_ms(*s.space, s.test.archs[0]) + 0.02, 1e-12);
}

TEST(LatencyModels, MeasuredModelAsksTheTarget) {
  Synthetic s;
  Lut table = s.lut;
  table.archs[s.space->format(s.test.archs[0])].median_ms = 1.25;
  const std::string path = ::testing::TempDir() + "hwnas_models_test_table.json";
  table.save(path);
  auto target = make_target("table:" + path);
  LatencyModelContext c = s.ctx();
  c.target = target.get();
  auto model = make_latency_model("measured", c);
  EXPECT_DOUBLE_EQ(model->predict_ms(s.test.archs[0]), 1.25);
  EXPECT_THROW(model->predict_ms(s.test.archs[1]), Error);
}

}  // namespace
}  // namespace hwnas
