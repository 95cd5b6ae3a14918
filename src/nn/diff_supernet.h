// The differentiable single-path supernet of SurgeNAS and LightNAS (thesis
// chapters 3 and 4): architecture logits alpha [L x K] over the ops of a
// chain space, hard Gumbel-softmax samples with straight-through gradients,
// the ordered sampler that trains every op once per iteration (SurgeNAS
// Algorithm 1), and the identity-mapping regulariser phi (Eq. 3.6).
//
// A path is an [L x K] tensor that is one-hot in value (one op per layer)
// and carries softmax gradients to alpha: the supernet runs only the chosen
// op of each layer and scales its output by the path's entry (1 in value),
// so dLoss/dalpha flows through that entry, and a differentiable latency
// model of the same one-hot adds its gradient (thesis Eq. 3.17, 4.12).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/rng.h"
#include "core/search_space.h"
#include "nn/blocks.h"
#include "nn/network.h"

namespace hwnas {

/// Gumbel(0, 1) noise of `shape` from `rng` (-log(-log U)), as float.
torch::Tensor gumbel_noise(at::IntArrayRef shape, Rng& rng);

/// Hard Gumbel-softmax (thesis Eq. 3.9, 3.11): rows of `log_p` [L x K]
/// (-inf where an op is not allowed) perturbed by `gumbel` and divided by
/// `tau`; the value is the row-wise one-hot of the argmax, the gradient the
/// softmax's (straight-through: y_hard - y_soft.detach() + y_soft).
torch::Tensor gumbel_softmax_hard(const torch::Tensor& log_p, const torch::Tensor& gumbel, double tau);

/// SurgeNAS Algorithm 1: `paths` hard samples from softmax(alpha) drawn
/// without replacement per layer, so that with paths = K every allowed op
/// of every layer is on exactly one path. After each draw the chosen ops'
/// probabilities are masked out (the mask detached) and the rows
/// renormalised; a layer with fewer allowed ops than paths starts over once
/// all of its ops have been drawn. `allowed` is a bool [L x K] mask.
std::vector<torch::Tensor> ordered_sample(const torch::Tensor& alpha, const torch::Tensor& allowed, double tau,
                                          int paths, Rng& rng);

/// The architecture distribution: logits alpha [L x K], initialised as
/// 1e-3 * N(0, 1) (the LightNAS code), and the mask of the ops each layer allows.
class ArchLogitsImpl : public torch::nn::Module {
 public:
  explicit ArchLogitsImpl(const SearchSpace& space);
  /// Row-wise log-softmax over the allowed ops (-inf elsewhere).
  torch::Tensor log_probs() const;
  /// One hard Gumbel-softmax sample of every layer (LightNAS Eq. 4.7-4.9).
  torch::Tensor sample(double tau, Rng& rng) const;
  /// The one-hot of each layer's most likely op (no gradient).
  torch::Tensor argmax_one_hot() const;
  /// The arch of argmax_one_hot(), every op at width factor 1 (or the nearest).
  Arch argmax_arch(const SearchSpace& space) const;
  /// Mean over layers of the entropy of softmax(alpha) (nats): how decided the search is.
  double mean_entropy() const;

  torch::Tensor alpha;    ///< [L x K] parameter
  torch::Tensor allowed;  ///< bool [L x K] buffer
};
TORCH_MODULE(ArchLogits);

/// The arch of a hard one-hot path (argmax per row) in `space`, at width factor 1 or the nearest.
Arch path_arch(const SearchSpace& space, const torch::Tensor& one_hot);
/// The [L x K] one-hot of `arch` (float, no gradient).
torch::Tensor arch_one_hot(const SearchSpace& space, const Arch& arch);

/// Every op of every layer of a chain space at width factor 1 (or the
/// nearest), plus the auxiliary paths of the identity-mapping regulariser.
/// Ops of one weight group share a block (nn/blocks.h: the MB ops of a
/// layer share one, kernels as the centre of k7's and e3 as the first half
/// of e6's channels); the ordered sampler still runs every op once a step.
/// The thesis gives every op weights of its own; on Fashion-MNIST at the
/// CPU presets' few hundred steps such a supernet stayed at chance (loss
/// 2.32 over 60 steps at lr 0.02 and 0.1 without phi; docs/benchmarks/lightnas.md).
class DiffSupernetImpl : public torch::nn::Module {
 public:
  explicit DiffSupernetImpl(const SearchSpace& space);
  /// x: [N, C, H, W] -> logits along `path` ([L x K], one-hot in value):
  /// layer l computes path[l, k] * O_k(x) for its chosen op k, plus
  /// phi * aux_l(x) while phi > 0 (SurgeNAS Eq. 3.6). aux is the identity
  /// where a layer keeps its shape, else a 1x1 conv + BN, then a 2x2 max
  /// pool on stride 2 (the LightNAS code).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& path, double phi);
  /// The network's weights (everything but the logits, which live apart).
  std::vector<torch::Tensor> weights() { return parameters(true); }

 private:
  std::unique_ptr<SearchSpace> space_;
  Stem stem_{nullptr};
  Head head_{nullptr};
  std::vector<std::vector<std::shared_ptr<BlockImpl>>> blocks_;  ///< [layer][op], null where not allowed
  std::vector<std::vector<int>> mids_;                           ///< [layer][op] internal channels
  std::vector<torch::nn::Sequential> aux_;  ///< [layer] 1x1 conv + BN; null = identity
};
TORCH_MODULE(DiffSupernet);

}  // namespace hwnas
