// Differentiable latency predictors: the tensor encodings, lut-linear against
// LutBiasModel, input gradients against finite differences, recovery of a
// known nonlinear latency function, determinism, the factory, refused inputs,
// and real measured latencies (HW-NAS-Bench Raspberry Pi 4 on NAS-Bench-201).
#include "latency/diff_predictors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <set>

#include "core/error.h"
#include "core/flops.h"
#include "core/io.h"
#include "core/predictors/metrics.h"
#include "core/rng.h"
#include "core/tables.h"
#include "latency/lut.h"

namespace hwnas {
namespace {

// Eight layers, four widths, skip in every second layer.
const char* kSpace = "hsconas:depths=2/2/2/2,widths=4";

TargetInfo synthetic_target() {
  TargetInfo t;
  t.kind = "synthetic";
  t.batch = 1;
  return t;
}

/// A table affine in each op's MACs, with a per-key wobble so that op and
/// width matter beyond MACs.
Lut synthetic_lut(const SearchSpace& space) {
  Lut lut = Lut::empty(space, synthetic_target(), ProfileOptions());
  int i = 0;
  for (const OpSpec& s : space_op_specs(space, 1))
    lut.ops[s.key()].median_ms = 0.01 + 2e-6 * op_cost(s).macs + 0.001 * (++i % 7);
  return lut;
}

/// A known latency function: a cost per (layer, op) that grows with the
/// channel fraction, plus the product of neighbouring layers' costs (data
/// movement between layers) that no per-layer sum represents.
struct Truth {
  const SearchSpace& space;
  std::vector<std::vector<double>> cost;  ///< [layer][op] ms at full width
  explicit Truth(const SearchSpace& s) : space(s) {
    Rng rng(mix_seed(31));
    cost.assign(s.num_layers(), std::vector<double>(s.ops.size(), 0.02));
    for (auto& layer : cost)
      for (size_t k = 0; k < layer.size(); ++k)
        if (s.ops[k].scalable) layer[k] = 0.2 + 0.8 * uniform01(rng);
  }
  double layer_ms(const Arch& a, int l) const {
    const Gene& g = a.genes[l];
    return cost[l][g.op] * (0.25 + 0.75 * channel_fraction(space, l, g));
  }
  double operator()(const Arch& a) const {
    double ms = 0.3;
    for (int l = 0; l < space.num_layers(); ++l) {
      ms += layer_ms(a, l);
      if (l > 0) ms += 0.5 * layer_ms(a, l - 1) * layer_ms(a, l);
    }
    return ms;
  }
};

MeasuredArchs sample_measured(const SearchSpace& space, const Truth& truth, int n, uint64_t seed) {
  Rng rng(mix_seed(seed));
  MeasuredArchs m;
  for (int i = 0; i < n; ++i) {
    m.archs.push_back(space.sample(rng));
    m.ms.push_back(truth(m.archs.back()));
  }
  return m;
}

double mape_on(const LatencyModel& model, const MeasuredArchs& data) {
  std::vector<double> pred;
  for (const Arch& a : data.archs) pred.push_back(model.predict_ms(a));
  return fit_metrics(pred, data.ms).mape;
}

/// Soft one-hot rows (a softmax of random logits) and random fractions, double.
std::pair<torch::Tensor, torch::Tensor> soft_inputs(const SearchSpace& space, int n, uint64_t seed) {
  torch::manual_seed(seed);
  const int64_t layers = space.num_layers(), ops = static_cast<int64_t>(space.ops.size());
  torch::Tensor one_hot = torch::softmax(2.0 * torch::randn({n, layers, ops}, torch::kFloat64), -1);
  torch::Tensor widths = 0.25 + 0.75 * torch::rand({n, layers}, torch::kFloat64);
  return {one_hot, widths};
}

/// Central differences of sum(predict) in every entry of `x` (one_hot or widths).
torch::Tensor finite_differences(const DiffLatencyPredictor& p, const torch::Tensor& one_hot,
                                 const torch::Tensor& widths, bool of_one_hot) {
  const double eps = 1e-6;
  torch::NoGradGuard no_grad;
  torch::Tensor x = (of_one_hot ? one_hot : widths).clone();
  torch::Tensor flat = x.view(-1), fd = torch::zeros_like(flat);
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double v = flat[i].item<double>();
    auto f = [&](double at) {
      flat[i] = at;
      return p.predict(of_one_hot ? x : one_hot, of_one_hot ? widths : x).sum().item<double>();
    };
    fd[i] = (f(v + eps) - f(v - eps)) / (2 * eps);
    flat[i] = v;
  }
  return fd.view_as(x);
}

// ---------------------------------------------------------------- encoding

TEST(DiffPredictors, EncodingsMarkOpsAndRealisedFractions) {
  auto space = make_space(kSpace);
  const int skip = space->op_index("skip");
  Rng rng(mix_seed(3));
  std::vector<Arch> archs;
  for (int i = 0; i < 20; ++i) archs.push_back(space->sample(rng));
  const torch::Tensor one_hot = op_one_hot_tensor(*space, archs), widths = width_tensor(*space, archs);
  ASSERT_EQ(one_hot.sizes(), (std::vector<int64_t>{20, 8, 5}));
  ASSERT_EQ(widths.sizes(), (std::vector<int64_t>{20, 8}));
  EXPECT_TRUE(torch::equal(one_hot.sum(-1), torch::ones({20, 8}, torch::kFloat64)));
  int skips = 0;
  for (int i = 0; i < 20; ++i)
    for (int l = 0; l < 8; ++l) {
      const Gene& g = archs[i].genes[l];
      EXPECT_EQ(one_hot[i][l][g.op].item<double>(), 1.0);
      Gene widest = g;
      widest.width = space->layers[l].widths.back();
      const double expect = g.op == skip ? 1.0
                                         : static_cast<double>(space->mid_channels(l, g)) / space->mid_channels(l, widest);
      EXPECT_EQ(widths[i][l].item<double>(), expect);
      skips += g.op == skip;
    }
  EXPECT_GT(skips, 0);
  Arch bad = archs[0];
  bad.genes[0].op = skip;  // layer 1 changes channels: no skip there
  EXPECT_THROW(op_one_hot_tensor(*space, {bad}), Error);
}

// ---------------------------------------------------------------- lut-linear

TEST(LutLinear, EqualsLutBiasOnEveryArch) {
  for (const char* spec : {"hsconas", kSpace, "hsconas:depths=1/1/1/1,widths=1"}) {
    auto space = make_space(spec);
    const LutBiasModel table(*space, synthetic_lut(*space), 0.37);
    auto predictor = std::make_shared<LutLinearPredictor>(*space, table);
    const DiffLatencyModel model(predictor);
    Rng rng(mix_seed(5));
    std::vector<Arch> archs;
    for (int i = 0; i < 200; ++i) archs.push_back(space->sample(rng));
    archs.push_back(space->largest());
    const torch::Tensor batch =
        predictor->predict(op_one_hot_tensor(*space, archs), width_tensor(*space, archs));
    for (size_t i = 0; i < archs.size(); ++i) {
      const double want = table.predict_ms(archs[i]);
      EXPECT_NEAR(model.predict_ms(archs[i]), want, 1e-9 * want) << spec << " " << space->format(archs[i]);
      EXPECT_NEAR(batch[i].item<double>(), want, 1e-9 * want) << spec;
    }
    EXPECT_EQ(model.describe(), "lut-linear(B=0.37ms)");
  }
}

TEST(LutLinear, GradientIsItsLatencyMatrix) {
  auto space = make_space(kSpace);
  const LutBiasModel table(*space, synthetic_lut(*space), 0.1);
  const LutLinearPredictor predictor(*space, table);
  Rng rng(mix_seed(6));
  std::vector<Arch> archs = {space->sample(rng), space->sample(rng), space->sample(rng)};
  const torch::Tensor one_hot = op_one_hot_tensor(*space, archs).requires_grad_(true);
  const torch::Tensor widths = width_tensor(*space, archs);
  predictor.predict(one_hot, widths).sum().backward();
  const torch::Tensor matrix = predictor.latency_matrix(widths);
  EXPECT_TRUE(torch::allclose(one_hot.grad(), matrix, 0, 1e-15));
  // At the arch's own op it is the table's latency of that gene; other ops
  // of a layer that share the fraction are priced at the same width.
  for (size_t i = 0; i < archs.size(); ++i)
    for (int l = 0; l < space->num_layers(); ++l) {
      const Gene& g = archs[i].genes[l];
      EXPECT_NEAR(matrix[i][l][g.op].item<double>(), table.gene_ms(l, g), 1e-15);
      for (int op : space->layers[l].ops) {
        const Gene same_width{op, g.width};
        if (channel_fraction(*space, l, same_width) == widths[i][l].item<double>())
          EXPECT_NEAR(matrix[i][l][op].item<double>(), table.gene_ms(l, same_width), 1e-15);
      }
    }
  // Between two widths, a scalable op's latency is interpolated linearly.
  const int k5 = space->op_index("k5");
  const double lo = channel_fraction(*space, 2, Gene{k5, 1}), hi = channel_fraction(*space, 2, Gene{k5, 2});
  torch::Tensor mid = torch::ones({1, space->num_layers()}, torch::kFloat64);
  mid[0][2] = 0.5 * (lo + hi);
  EXPECT_NEAR(predictor.latency_matrix(mid)[0][2][k5].item<double>(),
              0.5 * (table.gene_ms(2, Gene{k5, 1}) + table.gene_ms(2, Gene{k5, 2})), 1e-12);
}

// ---------------------------------------------------------------- mlp and gnn

TEST(DiffPredictors, InputGradientsMatchFiniteDifferences) {
  auto space = make_space("hsconas:depths=1/2/1/1,widths=2");
  const Truth truth(*space);
  const MeasuredArchs data = sample_measured(*space, truth, 40, 1);
  MlpPredictorOptions mlp;
  mlp.hidden = {16, 8};
  mlp.fit.epochs = 3;
  GnnPredictorOptions gnn;
  gnn.graph = {12, 12, 12};
  gnn.hidden = {8, 8};
  gnn.fit.epochs = 3;
  const std::unique_ptr<DiffLatencyPredictor> predictors[] = {fit_mlp_predictor(*space, data, mlp),
                                                              fit_gnn_predictor(*space, data, gnn)};
  for (const auto& p : predictors) {
    auto [one_hot, widths] = soft_inputs(*space, 3, 2);
    one_hot.requires_grad_(true);
    widths.requires_grad_(true);
    p->predict(one_hot, widths).sum().backward();
    for (bool of_one_hot : {true, false}) {
      const torch::Tensor grad = of_one_hot ? one_hot.grad() : widths.grad();
      const torch::Tensor fd = finite_differences(*p, one_hot.detach(), widths.detach(), of_one_hot);
      EXPECT_GT(grad.abs().max().item<double>(), 1e-6) << p->describe();  // not trivially zero
      EXPECT_TRUE(torch::allclose(grad, fd, 1e-5, 1e-7))
          << p->describe() << (of_one_hot ? " one-hot" : " widths") << " max diff "
          << (grad - fd).abs().max().item<double>();
    }
    // A float32 caller gets float32 back, with a gradient.
    torch::Tensor f32 = one_hot.detach().to(torch::kFloat32).requires_grad_(true);
    const torch::Tensor ms = p->predict(f32, widths.detach().to(torch::kFloat32));
    EXPECT_EQ(ms.scalar_type(), torch::kFloat32);
    ms.sum().backward();
    EXPECT_TRUE(f32.grad().defined());
  }
}

TEST(DiffPredictors, MlpAndGnnRecoverAKnownLatencyFunction) {
  auto space = make_space("hsconas:depths=1/1/1/1,widths=2");
  const Truth truth(*space);
  const MeasuredArchs fit = sample_measured(*space, truth, 300, 7), test = sample_measured(*space, truth, 200, 8);
  double mean = 0;
  for (double ms : fit.ms) mean += ms / fit.size();
  const double mape_mean = fit_metrics(std::vector<double>(test.size(), mean), test.ms).mape;
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.fit = &fit;
  // The thesis recipe; the GNN narrower than its 128 units to stay fast.
  for (const char* spec : {"mlp:epochs=60", "gnn:epochs=120,graph=32/32/32,hidden=32/32"}) {
    const auto model = make_latency_model(spec, ctx);
    const double mape = mape_on(*model, test);
    std::cout << "[synthetic, 300 fit / 200 test] " << spec << ": held-out MAPE " << mape
              << "% (the mean: " << mape_mean << "%)  " << dynamic_cast<const DiffLatencyModel&>(*model).summary()
              << "\n";
    EXPECT_LT(mape, 4.0) << spec;
    EXPECT_LT(mape, 0.3 * mape_mean) << spec;
  }
}

TEST(DiffPredictors, SameSeedSameWeightsOtherSeedOther) {
  auto space = make_space("hsconas:depths=1/1/1/1,widths=2");
  const Truth truth(*space);
  const MeasuredArchs data = sample_measured(*space, truth, 30, 2);
  const auto [one_hot, widths] = soft_inputs(*space, 4, 3);
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.fit = &data;
  for (const std::string name : {"mlp", "gnn"}) {
    const std::string small = name == "mlp" ? ",hidden=16/8" : ",graph=12/12,hidden=8";
    auto run = [&](int seed) {
      return make_diff_predictor(name + ":epochs=4,seed=" + std::to_string(seed) + small, ctx)->predict(one_hot, widths);
    };
    EXPECT_TRUE(torch::equal(run(1), run(1))) << name;
    EXPECT_FALSE(torch::equal(run(1), run(2))) << name;
  }
}

// ---------------------------------------------------------------- factory and errors

TEST(DiffPredictors, FactoryBuildsListsAndDescribesRoundTrip) {
  auto space = make_space("hsconas:depths=1/1/1/1,widths=2");
  const Truth truth(*space);
  const MeasuredArchs data = sample_measured(*space, truth, 20, 4);
  Lut lut = synthetic_lut(*space);
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.fit = &data;
  ctx.lut = &lut;
  for (const std::string spec : {"mlp:epochs=2", "mlp:batch=4,epochs=2,hidden=8,lr=0.01,seed=3,val_frac=0.2",
                                 "gnn:epochs=2,graph=8/8,hidden=4", "gnn:epochs=2,patience=1,weight_decay=0"}) {
    const auto model = make_latency_model(spec, ctx);
    EXPECT_EQ(model->describe(), spec);
    EXPECT_EQ(make_latency_model(model->describe(), ctx)->describe(), spec);
    EXPECT_TRUE(std::isfinite(model->predict_ms(data.archs[0])));
  }
  EXPECT_EQ(MlpPredictorOptions().describe(), "mlp");
  EXPECT_EQ(GnnPredictorOptions().describe(), "gnn");
  // lut-linear takes B as lut+bias does: fitted on the measured archs.
  const auto bias = make_latency_model("lut+bias", ctx), linear = make_latency_model("lut-linear", ctx);
  EXPECT_NEAR(linear->predict_ms(data.archs[1]), bias->predict_ms(data.archs[1]), 1e-12);
  std::set<std::string> names;
  for (const auto& [name, help] : list_latency_models()) {
    EXPECT_TRUE(names.insert(name).second) << name << " listed twice";
    EXPECT_FALSE(help.empty());
  }
  for (const char* name : {"lut-linear", "mlp", "gnn", "linear", "lut+bias"}) EXPECT_EQ(names.count(name), 1u) << name;
}

TEST(DiffPredictors, RefuseBadOptionsTooFewArchsAndWrongShapes) {
  auto space = make_space("hsconas:depths=1/1/1/1,widths=2");
  const Truth truth(*space);
  const MeasuredArchs data = sample_measured(*space, truth, 20, 5);
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.fit = &data;
  auto expect_error = [&](const std::string& spec, const std::string& needle) {
    try {
      make_latency_model(spec, ctx);
      ADD_FAILURE() << "accepted " << spec;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("mlp:epochs=0", "epochs must be >= 1");
  expect_error("mlp:hiden=8", "unknown option 'hiden'");
  expect_error("mlp:val_frac=1", "val_frac");
  expect_error("gnn:graph=0/8", "graph widths must be >= 1");
  expect_error("gnn:lr=-1", "lr must be > 0");
  expect_error("lut-linear", "needs a latency table");
  expect_error("lut-linear:b=1", "takes no options");
  MeasuredArchs one;
  one.archs = {data.archs[0]};
  one.ms = {data.ms[0]};
  ctx.fit = &one;
  expect_error("mlp", "leave none to train on");  // the one arch is held out
  EXPECT_NO_THROW(make_latency_model("gnn:epochs=1,val_frac=0", ctx));  // it trains, none held out
  one.ms[0] = NAN;
  expect_error("gnn:val_frac=0", "not finite");
  ctx.fit = nullptr;
  expect_error("gnn", "needs measured archs");

  ctx.fit = &data;
  const auto p = make_diff_predictor("mlp:epochs=1,hidden=4", ctx);
  const torch::Tensor one_hot = op_one_hot_tensor(*space, data.archs), widths = width_tensor(*space, data.archs);
  EXPECT_THROW(p->predict(one_hot.narrow(2, 0, 4), widths), Error);   // K - 1 ops
  EXPECT_THROW(p->predict(one_hot[0], widths[0]), Error);             // no batch dimension
  EXPECT_THROW(p->predict(one_hot, widths.narrow(0, 0, 3)), Error);   // N differs
  EXPECT_THROW(p->predict(one_hot.to(torch::kLong), widths), Error);  // not floating point
  EXPECT_EQ(p->predict(one_hot, widths).sizes(), (std::vector<int64_t>{20}));
}

// ---------------------------------------------------------------- real measurements

TEST(DiffPredictors, Nb201RaspberryPi4) {
  const std::string path = "data/nb201/latency.csv";
  ASSERT_TRUE(file_exists(path)) << "no " << path;
  auto space = make_space("nb201");
  const ArchTable table(path + ":raspi4_ms", *space);
  // Seeded 300 fit / 1000 test split.
  std::vector<int> perm(table.entries().size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int>(i);
  Rng rng(mix_seed(19));
  std::shuffle(perm.begin(), perm.end(), rng);
  MeasuredArchs fit, test;
  for (int i = 0; i < 1300; ++i) {
    MeasuredArchs& m = i < 300 ? fit : test;
    m.archs.push_back(table.entries()[perm[i]].first);
    m.ms.push_back(table.entries()[perm[i]].second);
  }
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.fit = &fit;
  // Only the MLP: the GNN's chain is not the graph of a cell.
  const auto model = make_latency_model("mlp:epochs=60", ctx);
  std::vector<double> pred;
  for (const Arch& a : test.archs) pred.push_back(model->predict_ms(a));
  const FitMetrics m = fit_metrics(pred, test.ms);
  std::cout << "[nb201 raspi4, 300 fit / 1000 test] mlp:epochs=60: " << format_fit_metrics(m) << "  "
            << dynamic_cast<const DiffLatencyModel&>(*model).summary() << "\n";
  // The cell's "none" edges make latency non-additive in the edge ops; the
  // linear models of core/predictors rank at tau 0.80 on this split's kind.
  EXPECT_GT(m.kendall_tau, 0.75);
}

}  // namespace
}  // namespace hwnas
