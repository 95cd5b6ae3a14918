// Latency models behind the one LatencyModel interface (core/latency_model.h):
//   lut        sum of the table's op latencies (HSCoNAS Eq. 3 with B = 0)
//   lut+bias   the same plus B fitted on M measured archs (HSCoNAS Eq. 3, 4)
//   lut+scale  B plus a scale per op kind on its layers' table sum, fitted
//              on measured archs (hwnas's extension of Eq. 3; see below)
//   flops      ms = a * MACs + b by least squares on the analytic MACs of
//              core/flops.h: the hardware-agnostic baseline (FlopsRegressor)
//   <regressor> a learned predictor from core/predictors on the one-hot arch
//              encoding (HURRICANE App. D): linear, lasso, bayesian-ridge, gp,
//              with options as make_regressor takes them ("lasso:alpha=0.01")
//   lut-linear, mlp, gnn
//              differentiable LibTorch predictors (latency/diff_predictors.h):
//              the table + B as a linear map, LightNAS's MLP, SurgeNAS's GNN
//              ("mlp:epochs=200,seed=1")
//   measured   runs the arch end to end on a Target (the ground truth, slow)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/latency_model.h"
#include "core/predictors/encoding.h"
#include "core/predictors/regressor.h"
#include "core/search_space.h"
#include "latency/lut.h"
#include "latency/profiler.h"
#include "latency/target.h"

namespace hwnas {

/// Archs with their measured end-to-end latency, the data models are fitted on.
struct MeasuredArchs {
  std::vector<Arch> archs;
  std::vector<double> ms;  ///< median ms per arch, same order
  size_t size() const { return archs.size(); }
};

/// The table's own end-to-end timings (its bias archs) as fit data, each by
/// the table's statistic.
MeasuredArchs table_measured_archs(const SearchSpace& space, const Lut& lut);

/// HSCoNAS Eq. 3: LAT(arch) = sum over layers of the table's op latency + B.
class LutBiasModel : public LatencyModel {
 public:
  /// `space` and `lut` are copied; the table must cover the space (check_space).
  LutBiasModel(const SearchSpace& space, Lut lut, double bias_ms);
  /// HSCoNAS Eq. 4 fits B as the mean gap LAT+(arch_i) - LAT(arch_i) between
  /// measured latency and table sum over M archs. hwnas takes the median gap:
  /// the same on a quiet device, and one arch timed during a burst of load
  /// (the default run's profile had 5 of 20 off by +1.5 to +2.4 ms) does not
  /// shift B for every arch.
  static double fit_bias(const SearchSpace& space, const Lut& lut, const MeasuredArchs& data);
  double predict_ms(const Arch& arch) const override;
  /// "lut" when B = 0 was asked for, else "lut+bias(B=...ms)".
  std::string describe() const override;
  double bias_ms() const { return bias_ms_; }
  /// The table sum alone (Eq. 3 without B).
  double sum_ms(const Arch& arch) const;
  /// The table sum split by op: [op index] = sum over the layers running it.
  /// The stem and head are not in it: sum_ms = stem + head + these.
  std::vector<double> op_sums_ms(const Arch& arch) const;
  /// The stem and head's table latency, in every arch's sum.
  double fixed_ms() const { return fixed_ms_; }
  /// The table latency of `layer` running gene `g`, NaN when not precomputed
  /// (a gene the layer does not allow).
  double gene_ms(int layer, const Gene& g) const;

 private:
  std::unique_ptr<SearchSpace> space_;
  Lut lut_;
  double bias_ms_;
  // Table latencies resolved once per (layer, op, width), so predict_ms()
  // is L array reads instead of L key strings and map lookups.
  double fixed_ms_ = 0;                              ///< stem + head
  std::vector<std::vector<std::vector<double>>> layer_ms_;  ///< [layer][op][width], NaN = not allowed
};

/// LAT(arch) = sum_ms(arch) + B + sum over non-skip ops k of d_k * S_k(arch),
/// S_k the table sum of the layers running op k: each op's table latency
/// scaled by a_k = 1 + d_k. Ops timed alone are not what they cost inside a
/// net (caches, allocator, what runs before them), and not by one constant:
/// on a Xeon VM one B left the table 18% over on a shallow, wide net whose
/// layers were mostly k7 and x at width 0.7 - 0.9, and 2% under on a deep,
/// thin all-k3 one. The d_k are ridge-shrunk towards 0 (plain Eq. 3 + 4), so
/// an op the fit archs rarely run keeps its table latency.
class LutScaleModel : public LatencyModel {
 public:
  /// Fits B and the d_k on `data` (at least 2 archs); the table must cover the space.
  LutScaleModel(const SearchSpace& space, Lut lut, const MeasuredArchs& data);
  double predict_ms(const Arch& arch) const override;
  /// "lut+scale(B=...ms,k3=x0.95,...)".
  std::string describe() const override;
  double bias_ms() const { return bias_ms_; }
  /// a_k = 1 + d_k per op index (1 for skip ops and ops never fitted).
  const std::vector<double>& scales() const { return scales_; }

 private:
  std::unique_ptr<SearchSpace> space_;
  LutBiasModel sums_;
  double bias_ms_ = 0;
  std::vector<double> scales_;
};

/// A Regressor from core/predictors on features of the arch: the one-hot
/// encoding (HURRICANE App. D) for the learned predictors, or the analytic
/// multiply-accumulates (core/flops.h, in millions) for the FLOPs baseline.
class RegressorModel : public LatencyModel {
 public:
  enum class Features { kOneHot, kMacs };
  /// `regressor` is fitted by fit(); predict_ms() before that throws.
  RegressorModel(const SearchSpace& space, std::unique_ptr<Regressor> regressor, Features features,
                 OneHotMode mode, int batch);
  ~RegressorModel() override;
  /// Fits the regressor on `data` (replaces any previous fit).
  void fit(const MeasuredArchs& data);
  double predict_ms(const Arch& arch) const override;
  /// The regressor's factory string, e.g. "lasso:alpha=0.01" or "flops".
  std::string describe() const override;
  /// What the fit chose (hyper-parameters), from Regressor::summary().
  std::string summary() const;
  /// The feature vector of `arch`.
  std::vector<double> features(const Arch& arch) const;

 private:
  std::unique_ptr<SearchSpace> space_;
  std::unique_ptr<Regressor> regressor_;
  Features features_;
  OneHotMode mode_;
  int batch_;
};

/// Runs every arch end to end on a target: exact up to noise, and slow.
class MeasuredModel : public LatencyModel {
 public:
  /// `target` must outlive the model.
  MeasuredModel(const SearchSpace& space, Target* target, ProfileOptions opt);
  double predict_ms(const Arch& arch) const override;
  std::string describe() const override;

 private:
  std::unique_ptr<SearchSpace> space_;
  Target* target_;
  ProfileOptions opt_;
};

/// What make_latency_model may need; unused fields may stay null / empty.
struct LatencyModelContext {
  const SearchSpace* space = nullptr;
  const Lut* lut = nullptr;          ///< for lut, lut+bias (and its batch for flops)
  const MeasuredArchs* fit = nullptr;  ///< training archs for B, flops, regressors
  Target* target = nullptr;          ///< for measured
  ProfileOptions profile;            ///< for measured
  OneHotMode one_hot = OneHotMode::kOpWidth;  ///< encoding for the learned predictors
};

/// B of a table model ("lut+bias", "lut-linear"): fitted on ctx.fit when it
/// has archs (LutBiasModel::fit_bias), else the table's stored B; throws
/// hwnas::Error naming `model` when there is neither, or no table.
double table_bias_ms(const std::string& model, const LatencyModelContext& ctx);

/// Builds one of the models listed at the top of this file, fitted on the
/// context's data. "lut+bias" uses the context's fit data for B when it has
/// any, else the B stored in the table; throws hwnas::Error naming what is
/// missing.
std::unique_ptr<LatencyModel> make_latency_model(const std::string& spec, const LatencyModelContext& ctx);
/// Model names with a one-line description each.
std::vector<std::pair<std::string, std::string>> list_latency_models();

}  // namespace hwnas
