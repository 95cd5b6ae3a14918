#include "latency/diff_predictors.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/factory.h"
#include "core/rng.h"
#include "core/strings.h"
#include "nn/execution.h"

namespace hwnas {

// ---------------------------------------------------------------- encoding

double channel_fraction(const SearchSpace& space, int layer, const Gene& gene) {
  const LayerSpec& spec = space.layers.at(layer);
  if (!space.ops.at(gene.op).scalable || spec.widths.size() < 2) return 1.0;
  int max_mid = 0;
  for (int w : spec.widths) max_mid = std::max(max_mid, space.mid_channels(layer, Gene{gene.op, w}));
  return max_mid > 0 ? static_cast<double>(space.mid_channels(layer, gene)) / max_mid : 1.0;
}

at::Tensor op_one_hot_tensor(const SearchSpace& space, const std::vector<Arch>& archs) {
  const int64_t n = static_cast<int64_t>(archs.size()), layers = space.num_layers();
  torch::Tensor t = torch::zeros({n, layers, static_cast<int64_t>(space.ops.size())}, torch::kFloat64);
  auto a = t.accessor<double, 3>();
  for (int64_t i = 0; i < n; ++i) {
    space.validate(archs[i]);
    for (int64_t l = 0; l < layers; ++l) a[i][l][archs[i].genes[l].op] = 1.0;
  }
  return t;
}

at::Tensor width_tensor(const SearchSpace& space, const std::vector<Arch>& archs) {
  const int64_t n = static_cast<int64_t>(archs.size()), layers = space.num_layers();
  torch::Tensor t = torch::ones({n, layers}, torch::kFloat64);
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    space.validate(archs[i]);
    for (int64_t l = 0; l < layers; ++l) a[i][l] = channel_fraction(space, static_cast<int>(l), archs[i].genes[l]);
  }
  return t;
}

namespace {

torch::Tensor cpu_double(const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat64); }

/// `ms` [N] back to the caller's dtype and device.
torch::Tensor like_input(const torch::Tensor& ms, const torch::Tensor& input) {
  return ms.to(input.device(), input.scalar_type());
}

}  // namespace

// ---------------------------------------------------------------- interface

DiffLatencyPredictor::DiffLatencyPredictor(const SearchSpace& space) : space_(space.clone()) {}

DiffLatencyPredictor::~DiffLatencyPredictor() = default;

void DiffLatencyPredictor::check_inputs(const at::Tensor& one_hot, const at::Tensor& widths) const {
  const int64_t layers = space_->num_layers(), ops = static_cast<int64_t>(space_->ops.size());
  HWNAS_CHECK(one_hot.defined() && widths.defined(), "latency predictor: undefined input tensor");
  HWNAS_CHECK(one_hot.dim() == 3 && one_hot.size(1) == layers && one_hot.size(2) == ops,
              "latency predictor: one-hot must be [N, ", layers, ", ", ops, "], got ", one_hot.sizes());
  HWNAS_CHECK(widths.dim() == 2 && widths.size(0) == one_hot.size(0) && widths.size(1) == layers,
              "latency predictor: widths must be [", one_hot.size(0), ", ", layers, "], got ", widths.sizes());
  HWNAS_CHECK(one_hot.is_floating_point() && widths.is_floating_point(),
              "latency predictor: inputs must be floating point, got ", one_hot.scalar_type(), " and ",
              widths.scalar_type());
}

// ---------------------------------------------------------------- lut-linear

LutLinearPredictor::LutLinearPredictor(const SearchSpace& space, const LutBiasModel& table)
    : DiffLatencyPredictor(space), fixed_ms_(table.fixed_ms() + table.bias_ms()), bias_ms_(table.bias_ms()) {
  const int64_t layers = space.num_layers(), ops = static_cast<int64_t>(space.ops.size());
  int64_t segments = 1;
  for (const LayerSpec& l : space.layers) segments = std::max<int64_t>(segments, l.widths.size() - 1);
  base_ms_ = torch::zeros({layers, ops}, torch::kFloat64);
  knots_ = torch::zeros({layers, ops, segments}, torch::kFloat64);
  spans_ = torch::ones({layers, ops, segments}, torch::kFloat64);
  steps_ms_ = torch::zeros({layers, ops, segments}, torch::kFloat64);
  auto base = base_ms_.accessor<double, 2>();
  auto knot = knots_.accessor<double, 3>(), span = spans_.accessor<double, 3>(), step = steps_ms_.accessor<double, 3>();
  for (int l = 0; l < layers; ++l) {
    const std::vector<int>& widths = space.layers[l].widths;
    for (int op : space.layers[l].ops) {
      // (fraction, ms) at each allowed width, by fraction; widths that round
      // to the same channels are one op spec, so one point.
      std::vector<std::pair<double, double>> points;
      for (int w : widths.empty() ? std::vector<int>{0} : widths) {
        const Gene g{op, w};
        const double ms = table.gene_ms(l, g);
        HWNAS_CHECK(std::isfinite(ms), "lut-linear: no table latency for layer ", l + 1, " op ", space.ops[op].name);
        points.emplace_back(channel_fraction(space, l, g), ms);
      }
      std::sort(points.begin(), points.end());
      points.erase(std::unique(points.begin(), points.end(),
                               [](const auto& a, const auto& b) { return a.first == b.first; }),
                   points.end());
      if (!space.ops[op].scalable) points = {points.back()};  // the canonical (largest) width
      base[l][op] = points[0].second;
      for (size_t i = 0; i + 1 < points.size(); ++i) {
        knot[l][op][i] = points[i].first;
        span[l][op][i] = points[i + 1].first - points[i].first;
        step[l][op][i] = points[i + 1].second - points[i].second;
      }
    }
  }
}

at::Tensor LutLinearPredictor::latency_matrix(const at::Tensor& widths) const {
  // Piecewise linear as a sum of clamped ramps: exact at every knot.
  const torch::Tensor w = cpu_double(widths).unsqueeze(-1).unsqueeze(-1);  // [N, L, 1, 1]
  const torch::Tensor ramps = ((w - knots_) / spans_).clamp(0.0, 1.0);    // [N, L, K, S]
  return base_ms_ + (ramps * steps_ms_).sum(-1);
}

at::Tensor LutLinearPredictor::predict(const at::Tensor& one_hot, const at::Tensor& widths) const {
  check_inputs(one_hot, widths);
  const torch::Tensor ms = (cpu_double(one_hot) * latency_matrix(widths)).sum({1, 2}) + fixed_ms_;
  return like_input(ms, one_hot);
}

std::string LutLinearPredictor::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "lut-linear(B=%.4gms)", bias_ms_);
  return buf;
}

// ---------------------------------------------------------------- options

void PredictorFitOptions::read(FactoryOptions* o) {
  epochs = o->get_int("epochs", epochs);
  lr = o->get_double("lr", lr);
  batch = o->get_int("batch", batch);
  weight_decay = o->get_double("weight_decay", weight_decay);
  val_frac = o->get_double("val_frac", val_frac);
  patience = o->get_int("patience", patience);
  const int s = o->get_int("seed", static_cast<int>(seed));
  HWNAS_CHECK(s >= 0, "predictor option seed must be >= 0, got ", s);
  seed = static_cast<uint64_t>(s);
}

void PredictorFitOptions::write_non_default(std::map<std::string, std::string>* m) const {
  const PredictorFitOptions d;
  if (epochs != d.epochs) (*m)["epochs"] = std::to_string(epochs);
  if (lr != d.lr) (*m)["lr"] = format_number(lr);
  if (batch != d.batch) (*m)["batch"] = std::to_string(batch);
  if (weight_decay != d.weight_decay) (*m)["weight_decay"] = format_number(weight_decay);
  if (val_frac != d.val_frac) (*m)["val_frac"] = format_number(val_frac);
  if (patience != d.patience) (*m)["patience"] = std::to_string(patience);
  if (seed != d.seed) (*m)["seed"] = std::to_string(seed);
}

void PredictorFitOptions::validate(const std::string& who) const {
  HWNAS_CHECK(epochs >= 1, who, ": epochs must be >= 1, got ", epochs);
  HWNAS_CHECK(lr > 0 && std::isfinite(lr), who, ": lr must be > 0, got ", lr);
  HWNAS_CHECK(batch >= 1, who, ": batch must be >= 1, got ", batch);
  HWNAS_CHECK(weight_decay >= 0, who, ": weight_decay must be >= 0, got ", weight_decay);
  HWNAS_CHECK(val_frac >= 0 && val_frac < 1, who, ": val_frac must be in [0, 1), got ", val_frac);
  HWNAS_CHECK(patience >= 0, who, ": patience must be >= 0, got ", patience);
}

namespace {

std::string int_list(const std::vector<int>& v) {
  std::vector<std::string> parts;
  for (int x : v) parts.push_back(std::to_string(x));
  return join(parts, "/");
}

void check_widths(const std::string& who, const std::string& key, const std::vector<int>& v) {
  HWNAS_CHECK(!v.empty(), who, ": ", key, " needs at least one layer");
  for (int h : v) HWNAS_CHECK(h >= 1, who, ": ", key, " widths must be >= 1, got ", h);
}

}  // namespace

MlpPredictorOptions MlpPredictorOptions::from_factory(FactoryOptions* o) {
  MlpPredictorOptions opts;
  opts.hidden = o->get_ints("hidden", opts.hidden);
  opts.fit.read(o);
  return opts;
}

std::string MlpPredictorOptions::describe() const {
  std::map<std::string, std::string> m;
  if (hidden != MlpPredictorOptions().hidden) m["hidden"] = int_list(hidden);
  fit.write_non_default(&m);
  return format_factory_string("mlp", m);
}

GnnPredictorOptions GnnPredictorOptions::from_factory(FactoryOptions* o) {
  GnnPredictorOptions opts;
  opts.graph = o->get_ints("graph", opts.graph);
  opts.hidden = o->get_ints("hidden", opts.hidden);
  opts.fit.read(o);
  return opts;
}

std::string GnnPredictorOptions::describe() const {
  std::map<std::string, std::string> m;
  const GnnPredictorOptions d;
  if (graph != d.graph) m["graph"] = int_list(graph);
  if (hidden != d.hidden) m["hidden"] = int_list(hidden);
  fit.write_non_default(&m);
  return format_factory_string("gnn", m);
}

// ---------------------------------------------------------------- training

namespace {

/// Fit archs encoded, targets standardised on the training rows.
struct FitData {
  torch::Tensor one_hot, widths;  ///< [N, L, K], [N, L]
  torch::Tensor y;                ///< [N] standardised ms
  torch::Tensor train, val;       ///< row indices (long)
  double y_mean = 0, y_std = 1;
};

FitData encode_fit(const SearchSpace& space, const MeasuredArchs& data, const PredictorFitOptions& o,
                   const std::string& who) {
  const int n = static_cast<int>(data.size());
  HWNAS_CHECK(data.ms.size() == data.size(), who, ": ", n, " archs but ", data.ms.size(), " latencies");
  for (double ms : data.ms) HWNAS_CHECK(std::isfinite(ms), who, ": a measured latency is not finite");
  const int n_val = o.val_frac > 0 ? std::max(1, static_cast<int>(std::lround(o.val_frac * n))) : 0;
  HWNAS_CHECK(n - n_val >= 1, who, ": ", n, " measured archs leave none to train on after holding out ", n_val);
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  Rng rng(mix_seed(o.seed));
  std::shuffle(perm.begin(), perm.end(), rng);
  FitData d;
  d.one_hot = op_one_hot_tensor(space, data.archs);
  d.widths = width_tensor(space, data.archs);
  d.val = torch::tensor(std::vector<int64_t>(perm.begin(), perm.begin() + n_val), torch::kLong);
  d.train = torch::tensor(std::vector<int64_t>(perm.begin() + n_val, perm.end()), torch::kLong);
  const torch::Tensor ms = torch::tensor(data.ms, torch::kFloat64);
  const torch::Tensor y_train = ms.index_select(0, d.train);
  d.y_mean = y_train.mean().item<double>();
  d.y_std = y_train.std(/*unbiased=*/false).item<double>();
  if (!(d.y_std > 1e-12)) d.y_std = 1.0;  // all equal: predict the mean
  d.y = (ms - d.y_mean) / d.y_std;
  return d;
}

struct FitReport {
  int best_epoch = 0, epochs_run = 0;
  double val_rmse = 0;  ///< in standardised units
};

const double kPi = std::acos(-1.0);

/// Standardised predictions of the rows in a long index tensor.
using RowsFn = std::function<torch::Tensor(const torch::Tensor& rows)>;

double mse_on(const RowsFn& rows_fn, const FitData& d, const torch::Tensor& rows) {
  torch::NoGradGuard no_grad;
  return torch::mse_loss(rows_fn(rows), d.y.index_select(0, rows)).item<double>();
}

/// One pass over the training rows in a fresh order; `step` counts Adam
/// steps across epochs for the cosine schedule.
void run_epoch(torch::optim::Adam* adam, const RowsFn& rows_fn, const FitData& d, const PredictorFitOptions& o,
               double total_steps, std::vector<int64_t>* order, Rng* rng, int64_t* step) {
  auto& adam_opts = static_cast<torch::optim::AdamOptions&>(adam->param_groups()[0].options());
  std::shuffle(order->begin(), order->end(), *rng);
  for (size_t start = 0; start < order->size(); start += o.batch, ++*step) {
    adam_opts.lr(o.lr * 0.5 * (1.0 + std::cos(kPi * static_cast<double>(*step) / total_steps)));
    const size_t end = std::min(order->size(), start + static_cast<size_t>(o.batch));
    const torch::Tensor rows = torch::tensor(std::vector<int64_t>(order->begin() + start, order->begin() + end));
    adam->zero_grad();
    torch::mse_loss(rows_fn(rows), d.y.index_select(0, rows)).backward();
    adam->step();
  }
}

/// Adam with cosine decay to 0, keeping the epoch with the lowest held-out
/// MSE; leaves the parameters frozen (no requires_grad).
FitReport train(torch::nn::Module& net, const RowsFn& rows_fn, const FitData& d, const PredictorFitOptions& o) {
  std::vector<torch::Tensor> params = net.parameters();
  torch::optim::Adam adam(params, torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  std::vector<int64_t> order(d.train.data_ptr<int64_t>(), d.train.data_ptr<int64_t>() + d.train.numel());
  const double total_steps = static_cast<double>(o.epochs) * ((order.size() + o.batch - 1) / o.batch);
  Rng rng(mix_seed(o.seed ^ 0x6261746368ULL));  // batch order, apart from the split's stream
  std::vector<torch::Tensor> best;
  double best_mse = std::numeric_limits<double>::infinity();
  FitReport r;
  int64_t step = 0;
  for (int epoch = 1, since_best = 0; epoch <= o.epochs; ++epoch) {
    run_epoch(&adam, rows_fn, d, o, total_steps, &order, &rng, &step);
    r.epochs_run = epoch;
    if (d.val.numel() == 0) continue;
    const double val_mse = mse_on(rows_fn, d, d.val);
    if (val_mse < best_mse) {
      best_mse = val_mse;
      best.clear();
      for (const torch::Tensor& p : params) best.push_back(p.detach().clone());
      r.best_epoch = epoch;
      since_best = 0;
    } else if (o.patience > 0 && ++since_best >= o.patience) {
      break;
    }
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < best.size(); ++i) params[i].copy_(best[i]);
  r.best_epoch = best.empty() ? r.epochs_run : r.best_epoch;
  r.val_rmse = best.empty() ? 0.0 : std::sqrt(best_mse);
  for (torch::Tensor& p : params) p.requires_grad_(false);
  return r;
}

std::string fit_summary(const std::string& name, const std::string& shape, const FitReport& r, double y_std) {
  return str_cat(name, "(", shape, ", best epoch ", r.best_epoch, "/", r.epochs_run,
                 ", held-out rmse ", format_number(std::round(r.val_rmse * y_std * 1e4) / 1e4), "ms)");
}

/// Linear layers with ReLU between them: in -> hidden... -> 1.
torch::nn::Sequential make_mlp(int64_t in, const std::vector<int>& hidden) {
  torch::nn::Sequential net;
  for (int h : hidden) {
    net->push_back(torch::nn::Linear(in, h));
    net->push_back(torch::nn::ReLU());
    in = h;
  }
  net->push_back(torch::nn::Linear(in, 1));
  return net;
}

bool has_several_widths(const SearchSpace& space) {
  for (const LayerSpec& l : space.layers)
    if (l.widths.size() > 1) return true;
  return false;
}

// ---------------------------------------------------------------- mlp

class MlpPredictor : public DiffLatencyPredictor {
 public:
  MlpPredictor(const SearchSpace& space, const MeasuredArchs& data, MlpPredictorOptions opts)
      : DiffLatencyPredictor(space), opts_(std::move(opts)), with_widths_(has_several_widths(space)) {
    check_widths("mlp", "hidden", opts_.hidden);
    opts_.fit.validate("mlp");
    const FitData d = encode_fit(space, data, opts_.fit, "mlp");
    const torch::Tensor x = features(d.one_hot, d.widths);
    const torch::Tensor x_train = x.index_select(0, d.train);
    x_mean_ = x_train.mean(0);
    const torch::Tensor sd = x_train.std(0, /*unbiased=*/false);
    x_scale_ = torch::where(sd > 1e-12, sd, torch::ones_like(sd));  // constant columns stay put
    y_mean_ = d.y_mean;
    y_std_ = d.y_std;
    with_torch_seed(opts_.fit.seed, [&] { net_ = make_mlp(x.size(1), opts_.hidden).ptr(); });
    net_->to(torch::kFloat64);
    const torch::Tensor z = (x - x_mean_) / x_scale_;
    report_ = train(*net_, [&](const torch::Tensor& rows) { return net_->forward(z.index_select(0, rows)).squeeze(-1); },
                    d, opts_.fit);
  }

  at::Tensor predict(const at::Tensor& one_hot, const at::Tensor& widths) const override {
    check_inputs(one_hot, widths);
    const torch::Tensor z = (features(cpu_double(one_hot), cpu_double(widths)) - x_mean_) / x_scale_;
    return like_input(y_mean_ + y_std_ * net_->forward(z).squeeze(-1), one_hot);
  }

  std::string describe() const override { return opts_.describe(); }

  std::string summary() const override {
    std::vector<int> dims = {static_cast<int>(x_mean_.size(0))};
    dims.insert(dims.end(), opts_.hidden.begin(), opts_.hidden.end());
    dims.push_back(1);
    return fit_summary("mlp", int_list(dims), report_, y_std_);
  }

 private:
  /// [N, L*K] one-hot, then [N, L*K] one_hot * width where widths vary.
  torch::Tensor features(const torch::Tensor& one_hot, const torch::Tensor& widths) const {
    const torch::Tensor ops = one_hot.flatten(1);
    if (!with_widths_) return ops;
    return torch::cat({ops, (one_hot * widths.unsqueeze(-1)).flatten(1)}, 1);
  }

  MlpPredictorOptions opts_;
  bool with_widths_;
  torch::Tensor x_mean_, x_scale_;
  double y_mean_ = 0, y_std_ = 1;
  std::shared_ptr<torch::nn::SequentialImpl> net_;
  FitReport report_;
};

// ---------------------------------------------------------------- gnn

/// One gated directed graph layer (SurgeNAS Eq. 3.15, see the header). The
/// four maps W+, W-, G+, G- are one Linear: a quarter of the kernels.
struct GraphLayerImpl : torch::nn::Module {
  GraphLayerImpl(int64_t in, int64_t out) : maps(register_module("maps", torch::nn::Linear(in, 4 * out))) {}

  /// h [N, L, in], a [L, L] = M + I -> [N, L, out].
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& a) {
    const std::vector<torch::Tensor> m = maps(h).chunk(4, -1);  // W+ h, W- h, G+ h, G- h
    const torch::Tensor down = torch::sigmoid(m[2]) * torch::relu(torch::matmul(a, m[0]));
    const torch::Tensor up = torch::sigmoid(m[3]) * torch::relu(torch::matmul(a.t(), m[1]));
    return 0.5 * (down + up);
  }

  torch::nn::Linear maps;
};

struct GnnNetImpl : torch::nn::Module {
  GnnNetImpl(int64_t layers, int64_t ops, const GnnPredictorOptions& opts) {
    // (M h)_l = h_{l-1}: row l has its 1 at column l - 1; plus the self loop.
    adjacency = register_buffer("adjacency", torch::eye(layers) + torch::eye(layers).roll(1, 0).tril(-1));
    position = register_buffer("position", torch::eye(layers));
    int64_t in = ops + 1 + layers;
    for (size_t i = 0; i < opts.graph.size(); ++i) {
      graph.push_back(register_module("graph" + std::to_string(i), std::make_shared<GraphLayerImpl>(in, opts.graph[i])));
      in = opts.graph[i];
    }
    readout = register_module("readout", make_mlp(in, opts.hidden));
  }

  /// one_hot [N, L, K], widths [N, L] -> [N] (standardised ms).
  torch::Tensor forward(const torch::Tensor& one_hot, const torch::Tensor& widths) {
    const int64_t n = one_hot.size(0);
    torch::Tensor h = torch::cat({one_hot, widths.unsqueeze(-1), position.expand({n, -1, -1})}, -1);
    for (const auto& layer : graph) h = layer->forward(h, adjacency);
    return readout->forward(h.sum(1)).squeeze(-1);
  }

  torch::Tensor adjacency, position;
  std::vector<std::shared_ptr<GraphLayerImpl>> graph;
  torch::nn::Sequential readout;
};

class GnnPredictor : public DiffLatencyPredictor {
 public:
  GnnPredictor(const SearchSpace& space, const MeasuredArchs& data, GnnPredictorOptions opts)
      : DiffLatencyPredictor(space), opts_(std::move(opts)) {
    check_widths("gnn", "graph", opts_.graph);
    check_widths("gnn", "hidden", opts_.hidden);
    opts_.fit.validate("gnn");
    const FitData d = encode_fit(space, data, opts_.fit, "gnn");
    y_mean_ = d.y_mean;
    y_std_ = d.y_std;
    with_torch_seed(opts_.fit.seed, [&] {
      net_ = std::make_shared<GnnNetImpl>(space.num_layers(), static_cast<int64_t>(space.ops.size()), opts_);
    });
    net_->to(torch::kFloat64);
    report_ = train(*net_,
                    [&](const torch::Tensor& rows) {
                      return net_->forward(d.one_hot.index_select(0, rows), d.widths.index_select(0, rows));
                    },
                    d, opts_.fit);
  }

  at::Tensor predict(const at::Tensor& one_hot, const at::Tensor& widths) const override {
    check_inputs(one_hot, widths);
    return like_input(y_mean_ + y_std_ * net_->forward(cpu_double(one_hot), cpu_double(widths)), one_hot);
  }

  std::string describe() const override { return opts_.describe(); }

  std::string summary() const override {
    return fit_summary("gnn", str_cat("graph ", int_list(opts_.graph), ", readout ", int_list(opts_.hidden), "/1"),
                       report_, y_std_);
  }

 private:
  GnnPredictorOptions opts_;
  double y_mean_ = 0, y_std_ = 1;
  std::shared_ptr<GnnNetImpl> net_;
  FitReport report_;
};

}  // namespace

std::unique_ptr<DiffLatencyPredictor> fit_mlp_predictor(const SearchSpace& space, const MeasuredArchs& data,
                                                        const MlpPredictorOptions& opts) {
  return std::make_unique<MlpPredictor>(space, data, opts);
}

std::unique_ptr<DiffLatencyPredictor> fit_gnn_predictor(const SearchSpace& space, const MeasuredArchs& data,
                                                        const GnnPredictorOptions& opts) {
  return std::make_unique<GnnPredictor>(space, data, opts);
}

// ---------------------------------------------------------------- adapter and factory

DiffLatencyModel::DiffLatencyModel(std::shared_ptr<const DiffLatencyPredictor> predictor)
    : predictor_(std::move(predictor)) {
  HWNAS_CHECK(predictor_ != nullptr, "latency model: no predictor");
}

double DiffLatencyModel::predict_ms(const Arch& arch) const {
  torch::NoGradGuard no_grad;
  const SearchSpace& space = predictor_->space();
  return predictor_->predict(op_one_hot_tensor(space, {arch}), width_tensor(space, {arch})).item<double>();
}

std::shared_ptr<const DiffLatencyPredictor> make_diff_predictor(const std::string& spec,
                                                                const LatencyModelContext& ctx) {
  HWNAS_CHECK(ctx.space != nullptr, "latency model ", spec, ": no search space");
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(spec, &opts);
  if (name == "lut-linear") {
    HWNAS_CHECK(opts.empty(), "latency model lut-linear takes no options, got '", spec, "'");
    const double b = table_bias_ms(spec, ctx);
    return std::make_shared<LutLinearPredictor>(*ctx.space, LutBiasModel(*ctx.space, *ctx.lut, b));
  }
  HWNAS_CHECK(name == "mlp" || name == "gnn", "unknown differentiable latency predictor '", name,
              "' (known: lut-linear, mlp, gnn)");
  FactoryOptions o(name, opts);
  MlpPredictorOptions mlp;
  GnnPredictorOptions gnn;
  if (name == "mlp") mlp = MlpPredictorOptions::from_factory(&o);
  else gnn = GnnPredictorOptions::from_factory(&o);
  o.finish();
  HWNAS_CHECK(ctx.fit != nullptr && ctx.fit->size() > 0, "latency model ", spec, " needs measured archs to fit on");
  if (name == "mlp") return fit_mlp_predictor(*ctx.space, *ctx.fit, mlp);
  return fit_gnn_predictor(*ctx.space, *ctx.fit, gnn);
}

std::vector<std::pair<std::string, std::string>> list_diff_predictors() {
  return {
      {"lut-linear", "lut+bias as a linear map of the one-hot, differentiable (HSCoNAS Eq. 3)"},
      {"mlp", "LibTorch MLP 128-64-1 on the one-hot ops and widths, Adam, cosine lr (LightNAS)"},
      {"gnn", "LibTorch gated directed GNN 3x128 on the layer chain, sum readout, MLP 64-64-1 (SurgeNAS)"},
  };
}

}  // namespace hwnas
