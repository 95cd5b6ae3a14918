#include "core/predictors/mlp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <tuple>

#include "core/error.h"
#include "core/factory.h"
#include "core/rng.h"
#include "core/strings.h"

namespace hwnas {
namespace {

using Layer = MlpRegressor::Layer;

/// Forward pass; acts[0] = input, acts[l + 1] = output of layer l (ReLU on
/// all but the last). Returns the scalar output.
double forward(const std::vector<Layer>& layers, const double* x,
               std::vector<std::vector<double>>* acts) {
  (*acts)[0].assign(x, x + layers[0].in);
  for (size_t l = 0; l < layers.size(); ++l) {
    const Layer& L = layers[l];
    const std::vector<double>& in = (*acts)[l];
    std::vector<double>& out = (*acts)[l + 1];
    out.resize(L.out);
    const bool relu = l + 1 < layers.size();
    for (int o = 0; o < L.out; ++o) {
      const double z = L.b[o] + dot(&L.w[static_cast<size_t>(o) * L.in], in.data(), L.in);
      out[o] = relu && z < 0.0 ? 0.0 : z;
    }
  }
  return acts->back()[0];
}

double mse_on(const std::vector<Layer>& layers, const Matrix& x, const std::vector<double>& y,
              const std::vector<int>& rows) {
  std::vector<std::vector<double>> acts(layers.size() + 1);
  double s = 0.0;
  for (int r : rows) {
    const double e = forward(layers, x.row(r), &acts) - y[r];
    s += e * e;
  }
  return rows.empty() ? 0.0 : s / rows.size();
}

}  // namespace

MlpOptions MlpOptions::from_factory(FactoryOptions* o) {
  MlpOptions opts;
  opts.hidden = o->get_ints("hidden", opts.hidden);
  opts.lr = o->get_double("lr", opts.lr);
  opts.batch = o->get_int("batch", opts.batch);
  opts.epochs = o->get_int("epochs", opts.epochs);
  opts.patience = o->get_int("patience", opts.patience);
  opts.val_frac = o->get_double("val_frac", opts.val_frac);
  opts.weight_decay = o->get_double("weight_decay", opts.weight_decay);
  opts.seed = static_cast<uint64_t>(o->get_int("seed", static_cast<int>(opts.seed)));
  return opts;
}

std::map<std::string, std::string> MlpOptions::non_default() const {
  const MlpOptions d;
  std::map<std::string, std::string> m;
  if (hidden != d.hidden) {
    std::vector<std::string> parts;
    for (int h : hidden) parts.push_back(std::to_string(h));
    m["hidden"] = join(parts, "/");
  }
  if (lr != d.lr) m["lr"] = format_number(lr);
  if (batch != d.batch) m["batch"] = std::to_string(batch);
  if (epochs != d.epochs) m["epochs"] = std::to_string(epochs);
  if (patience != d.patience) m["patience"] = std::to_string(patience);
  if (val_frac != d.val_frac) m["val_frac"] = format_number(val_frac);
  if (weight_decay != d.weight_decay) m["weight_decay"] = format_number(weight_decay);
  if (seed != d.seed) m["seed"] = std::to_string(seed);
  return m;
}

MlpRegressor::MlpRegressor(MlpOptions opts) : opts_(std::move(opts)) {
  HWNAS_CHECK(!opts_.hidden.empty(), "mlp: needs at least one hidden layer");
  for (int h : opts_.hidden) HWNAS_CHECK(h >= 1, "mlp: hidden widths must be >= 1, got ", h);
  HWNAS_CHECK(opts_.lr > 0, "mlp: lr must be > 0, got ", opts_.lr);
  HWNAS_CHECK(opts_.batch >= 1, "mlp: batch must be >= 1, got ", opts_.batch);
  HWNAS_CHECK(opts_.epochs >= 1, "mlp: epochs must be >= 1, got ", opts_.epochs);
  HWNAS_CHECK(opts_.patience >= 1, "mlp: patience must be >= 1, got ", opts_.patience);
  HWNAS_CHECK(opts_.val_frac >= 0 && opts_.val_frac < 1, "mlp: val_frac must be in [0, 1), got ",
              opts_.val_frac);
  HWNAS_CHECK(opts_.weight_decay >= 0, "mlp: weight_decay must be >= 0, got ", opts_.weight_decay);
}

void MlpRegressor::fit(const Matrix& x, const std::vector<double>& y) {
  check_fit_input("mlp", x, y, 2);
  x_scale_ = Standardizer::fit(x);
  const Matrix z = x_scale_.apply(x);
  std::tie(y_mean_, y_std_) = mean_std(y);
  std::vector<double> yn(y);
  for (double& v : yn) v = (v - y_mean_) / y_std_;

  Rng rng(mix_seed(opts_.seed));
  // Layers with He-normal weights (ReLU), zero biases.
  std::vector<int> dims = {x.cols};
  dims.insert(dims.end(), opts_.hidden.begin(), opts_.hidden.end());
  dims.push_back(1);
  layers_.clear();
  for (size_t l = 0; l + 1 < dims.size(); ++l) {
    Layer L;
    L.in = dims[l];
    L.out = dims[l + 1];
    const bool last = l + 2 == dims.size();
    std::normal_distribution<double> init(0.0, std::sqrt((last ? 1.0 : 2.0) / L.in));
    L.w.resize(static_cast<size_t>(L.in) * L.out);
    for (double& v : L.w) v = init(rng);
    L.b.assign(L.out, 0.0);
    layers_.push_back(std::move(L));
  }

  // Seeded train / validation split.
  std::vector<int> perm(x.rows);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  const int n_val =
      opts_.val_frac > 0 ? std::max(1, static_cast<int>(std::lround(opts_.val_frac * x.rows))) : 0;
  HWNAS_CHECK(x.rows - n_val >= 1, "mlp: ", x.rows, " samples leave none for training");
  const std::vector<int> val(perm.begin(), perm.begin() + n_val);
  std::vector<int> train(perm.begin() + n_val, perm.end());

  // Adam (Kingma & Ba 2015) state, same shapes as the parameters.
  std::vector<Layer> grad = layers_, m = layers_, v = layers_;
  for (std::vector<Layer>* s : {&grad, &m, &v})
    for (Layer& L : *s) {
      std::fill(L.w.begin(), L.w.end(), 0.0);
      std::fill(L.b.begin(), L.b.end(), 0.0);
    }
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  long step = 0;
  std::vector<std::vector<double>> acts(layers_.size() + 1);
  std::vector<double> delta, delta_in;

  std::vector<Layer> best = layers_;
  double best_val = std::numeric_limits<double>::infinity();
  best_epoch_ = 0;
  int since_best = 0;
  epochs_run_ = 0;
  for (int epoch = 1; epoch <= opts_.epochs; ++epoch) {
    std::shuffle(train.begin(), train.end(), rng);
    for (size_t start = 0; start < train.size(); start += opts_.batch) {
      const size_t end = std::min(train.size(), start + static_cast<size_t>(opts_.batch));
      const double inv_b = 1.0 / static_cast<double>(end - start);
      for (Layer& G : grad) {
        std::fill(G.w.begin(), G.w.end(), 0.0);
        std::fill(G.b.begin(), G.b.end(), 0.0);
      }
      for (size_t s = start; s < end; ++s) {
        const int r = train[s];
        const double out = forward(layers_, z.row(r), &acts);
        delta.assign(1, 2.0 * (out - yn[r]) * inv_b);  // d mean-squared-error / d out
        for (int l = static_cast<int>(layers_.size()) - 1; l >= 0; --l) {
          const Layer& L = layers_[l];
          Layer& G = grad[l];
          const std::vector<double>& in = acts[l];
          delta_in.assign(L.in, 0.0);
          for (int o = 0; o < L.out; ++o) {
            const double d = delta[o];
            if (d == 0.0) continue;
            G.b[o] += d;
            double* gw = &G.w[static_cast<size_t>(o) * L.in];
            const double* w = &L.w[static_cast<size_t>(o) * L.in];
            for (int i = 0; i < L.in; ++i) {
              gw[i] += d * in[i];
              delta_in[i] += w[i] * d;
            }
          }
          if (l > 0)
            for (int i = 0; i < L.in; ++i)
              if (in[i] <= 0.0) delta_in[i] = 0.0;  // ReLU'
          delta.swap(delta_in);
        }
      }
      ++step;
      const double c1 = 1.0 - std::pow(beta1, static_cast<double>(step));
      const double c2 = 1.0 - std::pow(beta2, static_cast<double>(step));
      for (size_t l = 0; l < layers_.size(); ++l) {
        auto update = [&](std::vector<double>& p, std::vector<double>& g, std::vector<double>& mm,
                          std::vector<double>& vv, double decay) {
          for (size_t k = 0; k < p.size(); ++k) {
            const double gk = g[k] + decay * p[k];
            mm[k] = beta1 * mm[k] + (1 - beta1) * gk;
            vv[k] = beta2 * vv[k] + (1 - beta2) * gk * gk;
            p[k] -= opts_.lr * (mm[k] / c1) / (std::sqrt(vv[k] / c2) + eps);
          }
        };
        update(layers_[l].w, grad[l].w, m[l].w, v[l].w, opts_.weight_decay);
        update(layers_[l].b, grad[l].b, m[l].b, v[l].b, 0.0);
      }
    }
    epochs_run_ = epoch;
    if (val.empty()) continue;
    const double val_mse = mse_on(layers_, z, yn, val);
    if (val_mse < best_val) {
      best_val = val_mse;
      best = layers_;
      best_epoch_ = epoch;
      since_best = 0;
    } else if (++since_best >= opts_.patience) {
      break;
    }
  }
  if (val.empty()) {
    best_epoch_ = epochs_run_;
    val_rmse_ = 0.0;
  } else {
    layers_ = best;
    val_rmse_ = std::sqrt(best_val) * y_std_;
  }
  fitted_ = true;
}

double MlpRegressor::predict(const std::vector<double>& x) const {
  check_predict_input("mlp", fitted_, layers_.empty() ? 0 : layers_[0].in, x);
  std::vector<std::vector<double>> acts(layers_.size() + 1);
  const std::vector<double> z = x_scale_.apply(x);
  return y_mean_ + y_std_ * forward(layers_, z.data(), &acts);
}

std::string MlpRegressor::describe() const {
  return format_factory_string("mlp", opts_.non_default());
}

std::string MlpRegressor::summary() const {
  if (!fitted_) return "mlp(unfitted)";
  std::vector<std::string> dims = {std::to_string(layers_[0].in)};
  for (const Layer& L : layers_) dims.push_back(std::to_string(L.out));
  return str_cat("mlp(", join(dims, "-"), ", best epoch ", best_epoch_, "/", epochs_run_,
                 ", val rmse=", format_number(val_rmse_), ")");
}

}  // namespace hwnas
