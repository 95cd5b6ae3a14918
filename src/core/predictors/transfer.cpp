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
  HWNAS_CHECK(ms.rows() == static_cast<int>(archs.size()), "transfer: ", ms.rows(), " latency rows for ",
              archs.size(), " archs");
  HWNAS_CHECK(ms.cols() >= 1 && ms.cols() == static_cast<int>(devices.size()), "transfer: ", ms.cols(),
              " latency columns for ", devices.size(), " source devices");
  HWNAS_CHECK(archs.size() >= 2, "transfer: needs at least 2 archs");
  for (int i = 0; i < ms.rows(); ++i)
    for (int d = 0; d < ms.cols(); ++d)
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
  ts.ms = matrix_from_rows(rows);
  for (const auto& t : tables) ts.devices.push_back(t->column());
  return ts;
}

namespace {

/// Penalties the ridge fits try; leave-one-out picks one.
const std::vector<double> kLambdas = {1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1e3, 1e4};

/// Log of every source latency.
Matrix log_ms(const Matrix& ms) { return ms.array().log().matrix(); }

/// Ridge regression with an intercept on standardised columns, the penalty
/// picked by leave-one-out error (the closed form e_i / (1 - H_ii)).
struct Ridge {
  Eigen::RowVectorXd mean, scale;  ///< per column
  Vector w;                        ///< on the standardised columns
  double intercept = 0, lambda = 0, loo_mse = 0;
  Vector loo_residuals;            ///< y_i - prediction without sample i

  /// With `loo` false the first penalty is taken without leave-one-out (large fits).
  static Ridge fit(const Matrix& x, const Vector& y, const std::vector<double>& lambdas, bool loo_cv = true) {
    const int n = static_cast<int>(x.rows());
    Ridge best;
    best.loo_mse = std::numeric_limits<double>::infinity();
    best.mean = x.colwise().mean();
    const Eigen::RowVectorXd var = (x.rowwise() - best.mean).array().square().colwise().sum() / n;
    // A constant column carries nothing: its scale is 0 and it is zeroed.
    best.scale = (var.array() > 1e-24).select(var.array().sqrt(), 0.0);
    const Eigen::RowVectorXd inv_scale = (best.scale.array() > 0).select(best.scale.array().inverse(), 0.0);
    const Matrix z = (x.rowwise() - best.mean).array().rowwise() * inv_scale.array();
    best.intercept = y.mean();
    const Vector yc = (y.array() - best.intercept).matrix();
    const Matrix g = z.transpose() * z;
    const Vector zty = z.transpose() * yc;
    for (double lambda : lambdas) {
      Matrix a = g;
      a.diagonal().array() += lambda;
      const Eigen::LLT<Matrix> llt(a);
      if (!positive_definite(llt)) continue;
      const Vector w = llt.solve(zty);
      if (!loo_cv) {
        best.w = w;
        best.lambda = lambda;
        break;
      }
      // Leverages h_r = 1/n + z_r^T A^-1 z_r of every row at once.
      const Matrix a_inv_zt = llt.solve(z.transpose());
      const Vector h = (z.array() * a_inv_zt.transpose().array()).rowwise().sum() + 1.0 / n;
      const Vector e = yc - z * w;
      const Vector loo = (h.array() < 1 - 1e-9).select(e.array() / (1 - h.array()), e.array());
      if (loo.squaredNorm() / n < best.loo_mse) {
        best.w = w;
        best.lambda = lambda;
        best.loo_mse = loo.squaredNorm() / n;
        best.loo_residuals = loo;
      }
    }
    HWNAS_CHECK(best.w.size() != 0, "transfer: no ridge penalty gave a positive-definite system");
    return best;
  }

  /// The fit on raw columns: y = raw_intercept + x raw_w.
  Eigen::RowVectorXd raw_weights(double* raw_intercept) const {
    const Eigen::RowVectorXd rw = (scale.array() > 0).select(w.transpose().array() / scale.array(), 0.0);
    *raw_intercept = intercept - rw.dot(mean);
    return rw;
  }

  /// The prediction for every row of `x`.
  Vector predict(const Matrix& x) const {
    double b = 0;
    const Eigen::RowVectorXd rw = raw_weights(&b);
    return (x * rw.transpose()).array() + b;
  }
};

std::vector<double> exp_all(const Vector& v) { return to_std_vector(v.array().exp()); }

Vector log_all(const std::vector<double>& ms) {
  for (double v : ms)
    HWNAS_CHECK(v > 0 && std::isfinite(v), "transfer: a shot's latency must be positive, got ", v);
  return as_vector(ms).array().log();
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
    const Vector y = log_all(shot_ms);
    double best = std::numeric_limits<double>::infinity();
    for (int d = 0; d < l.cols(); ++d) {
      const Ridge r = Ridge::fit(l(shots, d), y, {1e-9});
      if (r.loo_mse < best) {
        best = r.loo_mse;
        ridge_ = r;
        device_ = d;
        name_ = s.devices[d];
      }
    }
    pred_ = exp_all(ridge_.predict(l.col(device_)));
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
    ridge_ = Ridge::fit(x(shots, Eigen::all), log_ ? log_all(shot_ms) : Vector(as_vector(shot_ms)), kLambdas);
    pred_ = ridge_.predict(x);
  }
  std::vector<double> predict_all() const override {
    if (log_) return exp_all(pred_);
    // A linear map can dip below zero far outside the shots: floor at the least source latency seen.
    return to_std_vector(pred_.cwiseMax(1e-3));
  }
  std::string describe() const override { return log_ ? "logmap" : "map"; }
  std::string summary() const override {
    return str_cat("lambda ", ridge_.lambda, ", loo rmse", log_ ? "(log) " : " ", std::sqrt(ridge_.loo_mse),
                   log_ ? "" : " ms");
  }
  /// The fit in its own space (ms or log ms), and its leave-one-out residuals on the shots.
  const Vector& raw_predictions() const { return pred_; }
  const Ridge& ridge() const { return ridge_; }
  bool log_space() const { return log_; }

 private:
  bool log_;
  Ridge ridge_;
  Vector pred_;
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
    correction_ = Ridge::fit(x(shots, Eigen::all), map_.ridge().loo_residuals, lambdas);
    // The residuals are centred on the shots' mean: the intercept belongs to the map.
    correction_.intercept = 0;
    pred_ = to_std_vector((map_.raw_predictions() + correction_.predict(x)).cwiseMax(1e-3));
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
    for (int d = 0; d < s.ms.cols(); ++d) {
      double b = 0;
      const Eigen::RowVectorXd cost = Ridge::fit(x, s.ms.col(d), {1e-6}, false).raw_weights(&b);
      // Per arch: the source's cost of each op type in it.
      Matrix f = Matrix::Zero(s.ms.rows(), n_ops);
      for (int i = 0; i < s.ms.rows(); ++i)
        for (int l = 0; l < space.num_layers(); ++l) {
          const int o = s.archs[i].genes[l].op;
          f(i, o) += cost[col[l][o]];
        }
      const Ridge r = Ridge::fit(f(shots, Eigen::all), as_vector(shot_ms), kLambdas);
      if (r.loo_mse < best) {
        best = r.loo_mse;
        ridge_ = r;
        name_ = s.devices[d];
        pred_ = to_std_vector(r.predict(f).cwiseMax(1e-3));
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
    HWNAS_CHECK(s.ms.cols() >= 3, "transfer help: needs at least 3 source devices to learn from, got ", s.ms.cols());
    const Matrix l = log_ms(s.ms);
    std::vector<int> all(l.cols());
    std::iota(all.begin(), all.end(), 0);
    // The penalty, meta-learned: each source device predicted from the others.
    double best = std::numeric_limits<double>::infinity();
    for (double lambda : kLambdas) {
      double err = 0;
      for (int held = 0; held < l.cols(); ++held) {
        std::vector<int> rest;
        for (int d : all)
          if (d != held) rest.push_back(d);
        err += (predict_log(l, rest, shots, l(shots, held), lambda) - l.col(held)).squaredNorm();
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
  static Vector predict_log(const Matrix& l, const std::vector<int>& devs, const std::vector<int>& shots,
                            const Vector& e, double lambda) {
    // Shapes of the source devices (rows: their log latencies on the shots
    // less their level) less the mean shape.
    const Matrix on_shots = l(shots, devs).transpose();
    const Vector lev = on_shots.rowwise().mean();
    Matrix shape = on_shots.colwise() - lev;
    const Eigen::RowVectorXd mean_shape = shape.colwise().mean();
    shape.rowwise() -= mean_shape;
    const double target_level = e.mean();
    const Vector t = (e.array() - target_level).matrix() - mean_shape.transpose();
    // g = S (S^T S + lambda I)^-1 t: the weight of each source device's deviation.
    Matrix a = shape.transpose() * shape;
    a.diagonal().array() += lambda;
    const Vector g = shape * solve_spd(a, t);
    // Per arch: the target's level, the sources' mean deviation from their
    // levels (alpha), and each source's deviation from alpha, weighted by g.
    const Matrix dev = l(Eigen::all, devs).rowwise() - lev.transpose();
    const Vector alpha = dev.rowwise().mean();
    return ((dev.colwise() - alpha) * g).array() + alpha.array() + target_level;
  }

  double lambda_ = 0;
  Vector log_pred_;
};

/// The geometric mean of nearest, logmap and help: three views of the
/// device (one source like it, all sources combined, the sources' shapes on
/// the shots) whose errors differ.
class Ensemble : public TransferPredictor {
 public:
  Ensemble() {
    parts_.push_back(std::make_unique<NearestSource>());
    parts_.push_back(std::make_unique<SourceMap>(true));
    parts_.push_back(std::make_unique<HelpEmbedding>());
  }
  void fit(const TransferSources& s, const std::vector<int>& shots, const std::vector<double>& shot_ms) override {
    for (auto& p : parts_) p->fit(s, shots, shot_ms);
  }
  std::vector<double> predict_all() const override {
    std::vector<double> out;
    for (const auto& p : parts_) {
      const std::vector<double> pred = p->predict_all();
      if (out.empty()) out.assign(pred.size(), 0.0);
      for (size_t i = 0; i < pred.size(); ++i) out[i] += std::log(pred[i]) / static_cast<double>(parts_.size());
    }
    for (double& v : out) v = std::exp(v);
    return out;
  }
  std::string describe() const override { return "ensemble"; }
  std::string summary() const override {
    std::string s;
    for (const auto& p : parts_) s += str_cat(s.empty() ? "" : "; ", p->describe(), ": ", p->summary());
    return s;
  }

 private:
  std::vector<std::unique_ptr<TransferPredictor>> parts_;
};

}  // namespace

std::vector<int> choose_shots(const TransferSources& sources, int k, Rng& rng) {
  sources.check();
  const int n = static_cast<int>(sources.archs.size());
  HWNAS_CHECK(k >= 2 && k <= n, "transfer: shots must be in 2..", n, ", got ", k);
  std::vector<double> level(n, 0);
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < sources.ms.cols(); ++d) level[i] += std::log(sources.ms(i, d));
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
  if (name == "ensemble") return std::make_unique<Ensemble>();
  if (name == "finetune") return std::make_unique<FineTuned>();
  if (name == "opscale") return std::make_unique<OpScale>();
  if (name == "help") return std::make_unique<HelpEmbedding>();
  HWNAS_CHECK(false, "unknown transfer predictor '", name, "' (", join(transfer_predictor_names(), ", "), ")");
  return nullptr;
}

std::vector<std::string> transfer_predictor_names() {
  return {"nearest", "map", "logmap", "finetune", "opscale", "help", "ensemble"};
}

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
