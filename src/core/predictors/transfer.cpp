#include "core/predictors/transfer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/predictors/encoding.h"
#include "core/strings.h"

namespace hwnas {

void TransferSources::check() const {
  HWNAS_CHECK(space != nullptr, "transfer: no space");
  HWNAS_CHECK(ms.rows == static_cast<int>(archs.size()), "transfer: ", ms.rows, " latency rows for ", archs.size(),
              " archs");
  HWNAS_CHECK(ms.cols >= 1 && ms.cols == static_cast<int>(devices.size()), "transfer: ", ms.cols,
              " latency columns for ", devices.size(), " source devices");
  HWNAS_CHECK(archs.size() >= 2, "transfer: needs at least 2 archs");
  for (int i = 0; i < ms.rows; ++i)
    for (int d = 0; d < ms.cols; ++d)
      HWNAS_CHECK(ms(i, d) > 0 && std::isfinite(ms(i, d)), "transfer: source ", devices[d], " has latency ", ms(i, d),
                  " for arch ", space->format(archs[i]), " (must be positive)");
}

TransferSources transfer_sources(const SearchSpace& space, const std::vector<std::string>& sources,
                                 const ArchTable& target) {
  std::vector<std::unique_ptr<ArchTable>> tables;
  for (const std::string& r : sources) tables.push_back(std::make_unique<ArchTable>(r, space));
  TransferSources ts;
  ts.space = &space;
  std::vector<std::vector<double>> rows;
  for (const auto& entry : target.entries()) {
    const Arch& arch = entry.first;
    if (!std::all_of(tables.begin(), tables.end(), [&](const auto& t) { return t->contains(arch); })) continue;
    ts.archs.push_back(arch);
    std::vector<double> row;
    for (const auto& t : tables) row.push_back(t->at(arch));
    rows.push_back(row);
  }
  ts.ms = Matrix::from_rows(rows);
  for (const auto& t : tables) ts.devices.push_back(t->column());
  return ts;
}

namespace {

/// Penalties the ridge fits try; leave-one-out picks one.
const std::vector<double> kLambdas = {1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1e3, 1e4};

/// Log of every source latency.
Matrix log_ms(const Matrix& ms) {
  Matrix l = ms;
  for (double& v : l.data) v = std::log(v);
  return l;
}

/// Ridge regression with an intercept on standardised columns, the penalty
/// picked by leave-one-out error (the closed form e_i / (1 - H_ii)).
struct Ridge {
  std::vector<double> mean, scale, w;  ///< per column; w on the standardised columns
  double intercept = 0, lambda = 0, loo_mse = 0;
  std::vector<double> loo_residuals;   ///< y_i - prediction without sample i

  /// With `loo` false the first penalty is taken without leave-one-out (large fits).
  static Ridge fit(const Matrix& x, const std::vector<double>& y, const std::vector<double>& lambdas, bool loo_cv = true) {
    const int n = x.rows, p = x.cols;
    Ridge best;
    best.loo_mse = std::numeric_limits<double>::infinity();
    std::vector<double> mean(p, 0), scale(p, 1);
    for (int c = 0; c < p; ++c) {
      double m = 0, s = 0;
      for (int r = 0; r < n; ++r) m += x(r, c) / n;
      for (int r = 0; r < n; ++r) s += (x(r, c) - m) * (x(r, c) - m) / n;
      mean[c] = m;
      scale[c] = s > 1e-24 ? std::sqrt(s) : 0;  // a constant column carries nothing: zeroed
    }
    Matrix z(n, p);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < p; ++c) z(r, c) = scale[c] > 0 ? (x(r, c) - mean[c]) / scale[c] : 0;
    const double ybar = std::accumulate(y.begin(), y.end(), 0.0) / n;
    std::vector<double> yc(n);
    for (int r = 0; r < n; ++r) yc[r] = y[r] - ybar;
    const Matrix g = gram(z);
    const std::vector<double> zty = matvec_t(z, yc);
    for (double lambda : lambdas) {
      Matrix a = g;
      for (int c = 0; c < p; ++c) a(c, c) += lambda;
      if (!cholesky(&a)) continue;
      const std::vector<double> w = cholesky_solve(a, zty);
      if (!loo_cv) {
        best.w = w;
        best.lambda = lambda;
        break;
      }
      std::vector<double> loo(n);
      double sse = 0;
      for (int r = 0; r < n; ++r) {
        const std::vector<double> zr = z.row_vector(r);
        const double h = 1.0 / n + dot(zr, cholesky_solve(a, zr));
        const double e = yc[r] - dot(zr, w);
        loo[r] = h < 1 - 1e-9 ? e / (1 - h) : e;
        sse += loo[r] * loo[r];
      }
      if (sse / n < best.loo_mse) {
        best.w = w;
        best.lambda = lambda;
        best.loo_mse = sse / n;
        best.loo_residuals = loo;
      }
    }
    HWNAS_CHECK(!best.w.empty(), "transfer: no ridge penalty gave a positive-definite system");
    best.mean = mean;
    best.scale = scale;
    best.intercept = ybar;
    return best;
  }

  /// The fit on raw columns: y = raw_intercept + sum_c raw_w[c] x[c].
  std::vector<double> raw_weights(double* raw_intercept) const {
    std::vector<double> rw(w.size(), 0);
    *raw_intercept = intercept;
    for (size_t c = 0; c < w.size(); ++c)
      if (scale[c] > 0) {
        rw[c] = w[c] / scale[c];
        *raw_intercept -= rw[c] * mean[c];
      }
    return rw;
  }

  double predict(const double* row) const {
    double v = intercept;
    for (size_t c = 0; c < w.size(); ++c)
      if (scale[c] > 0) v += w[c] * (row[c] - mean[c]) / scale[c];
    return v;
  }
};

std::vector<double> exp_all(std::vector<double> v) {
  for (double& x : v) x = std::exp(x);
  return v;
}

std::vector<double> log_all(const std::vector<double>& ms) {
  std::vector<double> y;
  for (double v : ms) {
    HWNAS_CHECK(v > 0 && std::isfinite(v), "transfer: a shot's latency must be positive, got ", v);
    y.push_back(std::log(v));
  }
  return y;
}

void check_shots(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) {
  s.check();
  HWNAS_CHECK(shots.size() == shot_ms.size() && shots.size() >= 2, "transfer: needs at least 2 shots with a latency each");
  for (int i : shots)
    HWNAS_CHECK(i >= 0 && i < static_cast<int>(s.archs.size()), "transfer: shot index ", i, " out of range");
}

/// The best single source, mapped affinely in log space.
class NearestSource : public TransferPredictor {
 public:
  void fit(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) override {
    check_shots(s, shots, shot_ms);
    const Matrix l = log_ms(s.ms);
    const std::vector<double> y = log_all(shot_ms);
    double best = std::numeric_limits<double>::infinity();
    for (int d = 0; d < l.cols; ++d) {
      Matrix x(static_cast<int>(shots.size()), 1);
      for (size_t k = 0; k < shots.size(); ++k) x(static_cast<int>(k), 0) = l(shots[k], d);
      const Ridge r = Ridge::fit(x, y, {1e-9});
      if (r.loo_mse < best) {
        best = r.loo_mse;
        ridge_ = r;
        device_ = d;
        name_ = s.devices[d];
      }
    }
    pred_.resize(l.rows);
    for (int i = 0; i < l.rows; ++i) {
      const double v = l(i, device_);
      pred_[i] = std::exp(ridge_.predict(&v));
    }
  }
  std::vector<double> predict_all() const override { return pred_; }
  std::string describe() const override { return "nearest"; }
  std::string summary() const override {
    return str_cat("source ", name_, ", log slope ", ridge_.scale[0] > 0 ? ridge_.w[0] / ridge_.scale[0] : 0.0);
  }

 private:
  Ridge ridge_;
  int device_ = 0;
  std::string name_;
  std::vector<double> pred_;
};

/// All sources as features of one ridge: in milliseconds (`map`: latencies
/// add up over ops, so a device whose op costs mix the sources' is a linear
/// combination of them), or in log space (`logmap`: a product of powers).
class SourceMap : public TransferPredictor {
 public:
  explicit SourceMap(bool log_space) : log_(log_space) {}
  void fit(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) override {
    check_shots(s, shots, shot_ms);
    const Matrix x = log_ ? log_ms(s.ms) : s.ms;
    ridge_ = Ridge::fit(x.select_rows(shots), log_ ? log_all(shot_ms) : shot_ms, kLambdas);
    pred_.resize(x.rows);
    for (int i = 0; i < x.rows; ++i) pred_[i] = ridge_.predict(x.row(i));
  }
  std::vector<double> predict_all() const override {
    if (log_) return exp_all(pred_);
    // A linear map can dip below zero far outside the shots: floor at the least source latency seen.
    std::vector<double> out = pred_;
    for (double& v : out) v = std::max(v, 1e-3);
    return out;
  }
  std::string describe() const override { return log_ ? "logmap" : "map"; }
  std::string summary() const override {
    return str_cat("lambda ", ridge_.lambda, ", loo rmse", log_ ? "(log) " : " ", std::sqrt(ridge_.loo_mse),
                   log_ ? "" : " ms");
  }
  /// The fit in its own space (ms or log ms), and its leave-one-out residuals on the shots.
  const std::vector<double>& raw_predictions() const { return pred_; }
  const Ridge& ridge() const { return ridge_; }
  bool log_space() const { return log_; }

 private:
  bool log_;
  Ridge ridge_;
  std::vector<double> pred_;
};

/// The map, then a ridge correction on the arch encoding fitted to the map's
/// leave-one-out residuals on the shots (in-sample residuals of a ridge with
/// as many features as shots are near zero and would teach nothing).
class FineTuned : public TransferPredictor {
 public:
  void fit(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) override {
    map_.fit(s, shots, shot_ms);
    const Matrix x = one_hot_rows(*s.space, s.archs, OneHotMode::kOp);
    std::vector<double> lambdas = kLambdas;
    lambdas.push_back(1e12);  // no correction at all
    correction_ = Ridge::fit(x.select_rows(shots), map_.ridge().loo_residuals, lambdas);
    pred_ = map_.raw_predictions();
    // The residuals are centred on the shots' mean: the intercept belongs to the map.
    correction_.intercept = 0;
    for (int i = 0; i < x.rows; ++i) pred_[i] = std::max(pred_[i] + correction_.predict(x.row(i)), 1e-3);
  }
  std::vector<double> predict_all() const override { return pred_; }
  std::string describe() const override { return "finetune"; }
  std::string summary() const override {
    return str_cat(map_.summary(), "; correction lambda ", correction_.lambda);
  }

 private:
  SourceMap map_{false};
  Ridge correction_;
  std::vector<double> pred_;
};

/// The LUT idea across devices: each source's latency fitted as a table of
/// per-(edge, op) costs over all its archs (least squares on the one-hot
/// encoding); the new device's table is one source's with a scale per op
/// type and an overhead, fitted on the shots (ridge, leave-one-out), the
/// source whose table fits the shots best (leave-one-out) taken.
class OpScale : public TransferPredictor {
 public:
  void fit(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) override {
    check_shots(s, shots, shot_ms);
    const SearchSpace& space = *s.space;
    const Matrix x = one_hot_rows(space, s.archs, OneHotMode::kOp);
    // Column of (layer, op) in the encoding, and the op's slot among the space's ops.
    std::vector<std::vector<int>> col(space.num_layers(), std::vector<int>(space.ops.size(), -1));
    for (int l = 0, c = 0; l < space.num_layers(); ++l)
      for (int o : space.layers[l].ops) col[l][o] = c++;
    const int n_ops = static_cast<int>(space.ops.size());
    double best = std::numeric_limits<double>::infinity();
    for (int d = 0; d < s.ms.cols; ++d) {
      std::vector<double> y(s.ms.rows);
      for (int i = 0; i < s.ms.rows; ++i) y[i] = s.ms(i, d);
      double b = 0;
      const std::vector<double> cost = Ridge::fit(x, y, {1e-6}, false).raw_weights(&b);
      // Per arch: the source's cost of each op type in it.
      Matrix f(s.ms.rows, n_ops, 0.0);
      for (int i = 0; i < s.ms.rows; ++i)
        for (int l = 0; l < space.num_layers(); ++l) {
          const int o = s.archs[i].genes[l].op;
          f(i, o) += cost[col[l][o]];
        }
      const Ridge r = Ridge::fit(f.select_rows(shots), shot_ms, kLambdas);
      if (r.loo_mse < best) {
        best = r.loo_mse;
        ridge_ = r;
        name_ = s.devices[d];
        pred_.assign(s.ms.rows, 0);
        for (int i = 0; i < s.ms.rows; ++i) pred_[i] = std::max(r.predict(f.row(i)), 1e-3);
      }
    }
  }
  std::vector<double> predict_all() const override { return pred_; }
  std::string describe() const override { return "opscale"; }
  std::string summary() const override {
    return str_cat("table of ", name_, ", lambda ", ridge_.lambda, ", loo rmse ", std::sqrt(ridge_.loo_mse), " ms");
  }

 private:
  Ridge ridge_;
  std::string name_;
  std::vector<double> pred_;
};

/// HELP's idea in closed form: a device is its log latencies on the shots
/// (level: their mean; shape: the rest); each arch's log latency above the
/// device's level is a ridge function of the shape, fitted across the
/// source devices.
class HelpEmbedding : public TransferPredictor {
 public:
  void fit(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) override {
    check_shots(s, shots, shot_ms);
    HWNAS_CHECK(s.ms.cols >= 3, "transfer help: needs at least 3 source devices to learn from, got ", s.ms.cols);
    const Matrix l = log_ms(s.ms);
    std::vector<int> all(l.cols);
    std::iota(all.begin(), all.end(), 0);
    // The penalty, meta-learned: each source device predicted from the others.
    double best = std::numeric_limits<double>::infinity();
    for (double lambda : kLambdas) {
      double err = 0;
      for (int held = 0; held < l.cols; ++held) {
        std::vector<int> rest;
        for (int d : all)
          if (d != held) rest.push_back(d);
        std::vector<double> e(shots.size());
        for (size_t k = 0; k < shots.size(); ++k) e[k] = l(shots[k], held);
        const std::vector<double> p = predict_log(l, rest, shots, e, lambda);
        for (int i = 0; i < l.rows; ++i) err += (p[i] - l(i, held)) * (p[i] - l(i, held));
      }
      if (err < best) {
        best = err;
        lambda_ = lambda;
      }
    }
    log_pred_ = predict_log(l, all, shots, log_all(shot_ms), lambda_);
  }
  std::vector<double> predict_all() const override { return exp_all(log_pred_); }
  std::string describe() const override { return "help"; }
  std::string summary() const override { return str_cat("lambda ", lambda_, " (chosen on the source devices)"); }

 private:
  /// Log latency of every arch on a device whose shots read `e` (log ms),
  /// learned from the devices `devs` of `l`.
  static std::vector<double> predict_log(const Matrix& l, const std::vector<int>& devs, const std::vector<int>& shots,
                                         const std::vector<double>& e, double lambda) {
    const int n_dev = static_cast<int>(devs.size()), k = static_cast<int>(shots.size());
    auto level = [&](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
    // Shapes of the source devices (rows) and their mean.
    Matrix shape(n_dev, k);
    std::vector<double> lev(n_dev), mean_shape(k, 0);
    for (int j = 0; j < n_dev; ++j) {
      std::vector<double> v(k);
      for (int q = 0; q < k; ++q) v[q] = l(shots[q], devs[j]);
      lev[j] = level(v);
      for (int q = 0; q < k; ++q) {
        shape(j, q) = v[q] - lev[j];
        mean_shape[q] += shape(j, q) / n_dev;
      }
    }
    for (int j = 0; j < n_dev; ++j)
      for (int q = 0; q < k; ++q) shape(j, q) -= mean_shape[q];
    const double target_level = level(e);
    std::vector<double> t(k);
    for (int q = 0; q < k; ++q) t[q] = e[q] - target_level - mean_shape[q];
    // g = S (S^T S + lambda I)^-1 t: the weight of each source device's deviation.
    Matrix a = gram(shape);
    for (int q = 0; q < k; ++q) a(q, q) += lambda;
    const std::vector<double> g = matvec(shape, solve_spd(a, t));
    std::vector<double> out(l.rows);
    for (int i = 0; i < l.rows; ++i) {
      double alpha = 0;
      for (int j = 0; j < n_dev; ++j) alpha += (l(i, devs[j]) - lev[j]) / n_dev;
      double v = target_level + alpha;
      for (int j = 0; j < n_dev; ++j) v += g[j] * (l(i, devs[j]) - lev[j] - alpha);
      out[i] = v;
    }
    return out;
  }

  double lambda_ = 0;
  std::vector<double> log_pred_;
};

}  // namespace

std::vector<int> choose_shots(const TransferSources& sources, int k, Rng& rng) {
  sources.check();
  const int n = static_cast<int>(sources.archs.size());
  HWNAS_CHECK(k >= 2 && k <= n, "transfer: shots must be in 2..", n, ", got ", k);
  std::vector<double> level(n, 0);
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < sources.ms.cols; ++d) level[i] += std::log(sources.ms(i, d));
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return level[a] < level[b] || (level[a] == level[b] && a < b); });
  std::vector<int> shots;
  for (int s = 0; s < k; ++s) {
    const int lo = static_cast<int>(static_cast<int64_t>(s) * n / k), hi = static_cast<int>(static_cast<int64_t>(s + 1) * n / k);
    shots.push_back(order[lo + uniform_int(rng, hi - lo)]);
  }
  return shots;
}

std::unique_ptr<TransferPredictor> make_transfer_predictor(const std::string& name) {
  if (name == "nearest") return std::make_unique<NearestSource>();
  if (name == "map") return std::make_unique<SourceMap>(false);
  if (name == "logmap") return std::make_unique<SourceMap>(true);
  if (name == "finetune") return std::make_unique<FineTuned>();
  if (name == "opscale") return std::make_unique<OpScale>();
  if (name == "help") return std::make_unique<HelpEmbedding>();
  HWNAS_CHECK(false, "unknown transfer predictor '", name, "' (", join(transfer_predictor_names(), ", "), ")");
  return nullptr;
}

std::vector<std::string> transfer_predictor_names() { return {"nearest", "map", "logmap", "finetune", "opscale", "help"}; }

TransferLatency::TransferLatency(const TransferSources& sources, const TransferPredictor& fitted,
                                 std::string description, double scale)
    : space_(sources.space), description_(std::move(description)) {
  const std::vector<double> ms = fitted.predict_all();
  HWNAS_CHECK(ms.size() == sources.archs.size(), "transfer: ", ms.size(), " predictions for ", sources.archs.size(),
              " archs");
  for (size_t i = 0; i < ms.size(); ++i) ms_[space_->format(space_->canonical(sources.archs[i]))] = scale * ms[i];
}

bool TransferLatency::covers(const Arch& arch) const {
  return ms_.count(space_->format(space_->canonical(arch))) > 0;
}

double TransferLatency::predict_ms(const Arch& arch) const {
  const std::string text = space_->format(space_->canonical(arch));
  const auto it = ms_.find(text);
  HWNAS_CHECK(it != ms_.end(), "transfer: no prediction for arch ", text, " (not in the source tables)");
  return it->second;
}

double TransferScore::mean(double FitMetrics::*field) const {
  double sum = 0;
  for (const FitMetrics& m : draws) sum += m.*field;
  return draws.empty() ? std::nan("") : sum / draws.size();
}

std::vector<TransferScore> evaluate_transfer(const TransferSources& sources, const std::function<double(int)>& measure,
                                             const std::vector<double>& truth_ms,
                                             const std::vector<std::string>& predictors, int k, int draws,
                                             uint64_t seed) {
  sources.check();
  HWNAS_CHECK(truth_ms.size() == sources.archs.size(), "transfer: ", truth_ms.size(), " target latencies for ",
              sources.archs.size(), " archs");
  HWNAS_CHECK(draws >= 1, "transfer: draws must be at least 1, got ", draws);
  std::vector<TransferScore> out;
  for (const std::string& name : predictors) out.push_back({name, {}, ""});
  for (int s = 0; s < draws; ++s) {
    Rng rng = derive_rng(seed, Stage::kProfile, static_cast<uint64_t>(s));
    const std::vector<int> shots = choose_shots(sources, k, rng);
    std::vector<double> shot_ms;
    std::vector<bool> is_shot(sources.archs.size(), false);
    for (int i : shots) {
      shot_ms.push_back(measure(i));
      is_shot[i] = true;
    }
    for (TransferScore& score : out) {
      auto p = make_transfer_predictor(score.predictor);
      p->fit(sources, shots, shot_ms);
      if (s == 0) score.first_summary = p->summary();
      const std::vector<double> pred = p->predict_all();
      std::vector<double> pr, tr;
      for (size_t i = 0; i < pred.size(); ++i)
        if (!is_shot[i]) {
          pr.push_back(pred[i]);
          tr.push_back(truth_ms[i]);
        }
      score.draws.push_back(fit_metrics(pr, tr));
    }
  }
  return out;
}

}  // namespace hwnas
