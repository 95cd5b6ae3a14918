// Latency predictors differentiable in the arch: LibTorch functions of a
// chain space's one-hot op matrix [N, L, K] and per-layer channel fractions
// [N, L], returning [N] milliseconds. A differentiable NAS takes
// dLAT / d(one-hot) through a straight-through Gumbel sample; the evolutionary
// searches use the same fitted predictor as a black-box LatencyModel
// (DiffLatencyModel).
//   lut-linear  the table sum + B (HSCoNAS Eq. 3) as a linear map of the one-hot
//   mlp         LightNAS (thesis 2.3): flattened one-hot -> 128 -> 64 -> 1
//   gnn         SurgeNAS Fig 3.7: 3 gated directed graph layers of 128 on the
//               layer chain, a sum readout, an MLP 64 -> 64 -> 1
// Inputs may be float or double, on any device; the predictors compute in
// double on the CPU and return the input's dtype and device. Fitted
// predictors are frozen: gradients reach the inputs, never their weights.
#pragma once

#include <ATen/core/Tensor.h>  // at::Tensor (torch::Tensor) without the rest of <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/latency_model.h"
#include "core/search_space.h"
#include "latency/models.h"

namespace hwnas {

class FactoryOptions;

/// Realised channel fraction of `gene` at `layer`: its mid channels over the
/// mid channels of the same op at the layer's largest allowed width; 1 for
/// width-free ops (skip) and layers with one width.
double channel_fraction(const SearchSpace& space, int layer, const Gene& gene);
/// [N, L, K] double, L = num_layers(), K = ops.size(): 1 at each layer's op.
/// Validates every arch (throws hwnas::Error naming the bad layer).
at::Tensor op_one_hot_tensor(const SearchSpace& space, const std::vector<Arch>& archs);
/// [N, L] double: channel_fraction() of each layer's gene.
at::Tensor width_tensor(const SearchSpace& space, const std::vector<Arch>& archs);

/// A latency model as a differentiable function of the arch encoding; one
/// per space (the space is copied at construction).
class DiffLatencyPredictor {
 public:
  virtual ~DiffLatencyPredictor();
  /// [N] ms from `one_hot` [N, L, K] (rows may be soft: any weights) and
  /// `widths` [N, L] (channel fractions); differentiable in both. Throws
  /// hwnas::Error on other shapes or a non-floating dtype.
  virtual at::Tensor predict(const at::Tensor& one_hot, const at::Tensor& widths) const = 0;
  /// The factory string that rebuilds it ("mlp:seed=1"), or "lut-linear(B=..ms)".
  virtual std::string describe() const = 0;
  /// What fitting chose (best epoch, held-out RMSE), for logs.
  virtual std::string summary() const { return describe(); }
  /// The space whose archs it encodes.
  const SearchSpace& space() const { return *space_; }

 protected:
  explicit DiffLatencyPredictor(const SearchSpace& space);
  /// Checks shapes and dtypes against the space.
  void check_inputs(const at::Tensor& one_hot, const at::Tensor& widths) const;

 private:
  std::unique_ptr<SearchSpace> space_;
};

/// LutBiasModel as a linear map: ms = sum_{l,k} one_hot[l,k] * C[l,k](w_l)
/// + stem + head + B, C[l,k](w) the table latency of op k at layer l at
/// channel fraction w. Several widths: C is piecewise linear in w between op
/// k's own realised fractions (exact at every allowed width, so an arch
/// predicts its table sum; an op the arch does not run is priced at the
/// layer's fraction, the nearest thing to "the same width"), constant beyond
/// the ends; width-free ops cost the same at every w. Ops a layer does not
/// allow have C = 0 (a caller masks them).
class LutLinearPredictor : public DiffLatencyPredictor {
 public:
  /// `table` must be a LutBiasModel of `space`; its latencies and B are copied.
  LutLinearPredictor(const SearchSpace& space, const LutBiasModel& table);
  at::Tensor predict(const at::Tensor& one_hot, const at::Tensor& widths) const override;
  /// C at `widths` [N, L]: [N, L, K] double, which is also d ms / d one_hot.
  at::Tensor latency_matrix(const at::Tensor& widths) const;
  std::string describe() const override;
  /// Stem + head + B, in every arch's latency.
  double fixed_ms() const { return fixed_ms_; }

 private:
  at::Tensor base_ms_;   ///< [L, K] C at the lowest knot
  at::Tensor knots_;     ///< [L, K, S] lower end of each segment (fractions)
  at::Tensor spans_;     ///< [L, K, S] segment lengths (1 where unused)
  at::Tensor steps_ms_;  ///< [L, K, S] latency rise over each segment (0 where unused)
  double fixed_ms_ = 0, bias_ms_ = 0;
};

/// Training recipe shared by mlp and gnn (thesis 1.3, 2.3): Adam, lr with
/// cosine decay to 0 over every step, MSE on standardised targets; a seeded
/// `val_frac` of the archs is held out and the weights of the epoch with the
/// lowest held-out MSE are kept. Deterministic for a seed and thread count.
struct PredictorFitOptions {
  int epochs = 200;            ///< passes over the training archs
  double lr = 1e-3;            ///< initial Adam step size
  int batch = 8;               ///< archs per step (thesis: 8)
  double weight_decay = 1e-4;  ///< Adam L2 on every parameter
  double val_frac = 0.1;       ///< held out for model selection; 0 keeps the last epoch
  int patience = 0;            ///< stop after this many epochs without a better held-out MSE; 0 never
  uint64_t seed = 0;           ///< initial weights, split, batch order

  /// Reads epochs, lr, batch, weight_decay, val_frac, patience, seed.
  void read(FactoryOptions* o);
  /// Options that differ from the defaults, as factory text.
  void write_non_default(std::map<std::string, std::string>* m) const;
  /// Throws hwnas::Error naming `who` and the bad value.
  void validate(const std::string& who) const;
};

/// Options of fit_mlp_predictor; factory keys as the field names.
struct MlpPredictorOptions {
  std::vector<int> hidden = {128, 64};  ///< hidden widths ("hidden=128/64")
  PredictorFitOptions fit;
  static MlpPredictorOptions from_factory(FactoryOptions* o);
  std::string describe() const;  ///< "mlp" plus the non-default options, keys sorted
};

/// Options of fit_gnn_predictor; factory keys as the field names.
struct GnnPredictorOptions {
  std::vector<int> graph = {128, 128, 128};  ///< graph layer widths ("graph=128/128/128")
  std::vector<int> hidden = {64, 64};        ///< readout MLP widths
  PredictorFitOptions fit;
  static GnnPredictorOptions from_factory(FactoryOptions* o);
  std::string describe() const;  ///< "gnn" plus the non-default options, keys sorted
};

/// LightNAS MLP on the flattened one-hot (plus the op-gated width fractions,
/// one_hot * width, where a layer has several widths); inputs and targets
/// standardised on the training archs. Throws hwnas::Error on bad options or
/// when the held-out archs leave none to train on.
std::unique_ptr<DiffLatencyPredictor> fit_mlp_predictor(const SearchSpace& space, const MeasuredArchs& data,
                                                        const MlpPredictorOptions& opts);
/// SurgeNAS GNN. Node l's features: its one-hot op, channel fraction and
/// position (one-hot of l): with weights shared by all nodes and a sum
/// readout, a node far from both chain ends could not tell its layer, whose
/// resolution and channels set its cost. M is the chain (M h)_l = h_{l-1};
/// each graph layer, with the self loop of GCN (A = M + I):
///   h' = 1/2 [ sigmoid(h G+) * relu(A h W+) + sigmoid(h G-) * relu(A^T h W-) ]
/// (Eq. 3.15 with A^T in the second term; the gates, left open by the
/// thesis, are per node and unit, computed from the node's own features).
/// Readout: sum over nodes, as latency sums over layers. Targets
/// standardised; node features stay raw (standardising a per-node constant,
/// the position, would erase it).
std::unique_ptr<DiffLatencyPredictor> fit_gnn_predictor(const SearchSpace& space, const MeasuredArchs& data,
                                                        const GnnPredictorOptions& opts);

/// A DiffLatencyPredictor as a LatencyModel: predict_ms() encodes the arch
/// and evaluates without autograd.
class DiffLatencyModel : public LatencyModel {
 public:
  explicit DiffLatencyModel(std::shared_ptr<const DiffLatencyPredictor> predictor);
  /// Validates the arch (throws hwnas::Error).
  double predict_ms(const Arch& arch) const override;
  std::string describe() const override { return predictor_->describe(); }
  std::string summary() const { return predictor_->summary(); }
  const std::shared_ptr<const DiffLatencyPredictor>& predictor() const { return predictor_; }

 private:
  std::shared_ptr<const DiffLatencyPredictor> predictor_;
};

/// Builds "lut-linear" (B as make_latency_model's lut+bias takes it), or fits
/// "mlp[:k=v,...]" / "gnn[:k=v,...]" on ctx.fit. Throws hwnas::Error naming
/// what is missing, an unknown name or option.
std::shared_ptr<const DiffLatencyPredictor> make_diff_predictor(const std::string& spec,
                                                                const LatencyModelContext& ctx);
/// Names with a one-line description each.
std::vector<std::pair<std::string, std::string>> list_diff_predictors();

}  // namespace hwnas
