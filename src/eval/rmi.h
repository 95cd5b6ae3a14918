// HW-EvRSNAS's performance proxy: Representation Mutual Information (RMI)
// between a candidate's feature maps and those of a trained reference model
// on one fixed training batch (HW-EvRSNAS section 3.1, after RMI-NAS [48]).
//
// Choices the paper leaves open, taken from RMI-NAS [48] (whose metric and
// training procedure HW-EvRSNAS adopts), stated here once:
//  - Layers (L = 3): the three stage outputs of the NB201 skeleton: the last
//    cell of stage 1, the last cell of stage 2, and BN-ReLU after stage 3
//    (RMI-NAS compares these with ResNet-20's layer1..3 outputs; reference and
//    candidate here share the NB201 skeleton, so positions match exactly).
//  - Flattening: each map [n, c, h, w] becomes X in R^{n x (c*h*w)}: one row
//    per example, every channel and position a feature.
//  - Centring: the columns of X are centred over the n examples. Eq. 2 is
//    Kornblith et al.'s linear CKA [17], which is defined on centred
//    features; RMI-NAS centres the Gram matrices, which is the same thing.
//  - Computation: ||Y^T X||_F^2 = <X X^T, Y Y^T>_F, so Eq. 2 is evaluated on
//    n x n Gram matrices (n = batch size) instead of d x d ones; identical
//    value, far cheaper for d = c*h*w >> n. Done in float64.
//  - A constant (e.g. all-zero) representation has similarity 0, not NaN.
//  - Eq. 3's RMI term is minimised as L - phi (RMI-NAS's CKA loss: 3 - sum of
//    CKA): Eq. 3 taken literally (beta * phi, minimised) would push the
//    similarity down, against the paper's stated aim.
//  - Candidate weights: fresh, seeded per (seed, arch); BatchNorm uses batch
//    statistics while training and scoring (one batch is all there is).
//    The reference runs in eval mode (its running statistics).
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/search_space.h"
#include "nn/network.h"

namespace hwnas {

/// Linear CKA between two representations of the same n examples (x: [n, ...],
/// y: [n, ...], flattened per example, columns centred), in [0, 1]; 1 for
/// x == y, invariant to orthogonal transforms and isotropic scaling of either;
/// 0 when either is constant over the examples. Differentiable; float64 result.
torch::Tensor linear_cka(const torch::Tensor& x, const torch::Tensor& y);

/// HW-EvRSNAS Eq. 2: phi = sum over layers of linear_cka(reference[i],
/// candidate[i]), in [0, L]; L == reference.size() == candidate.size().
torch::Tensor rmi_score(const std::vector<torch::Tensor>& reference,
                        const std::vector<torch::Tensor>& candidate);

/// The feature maps RMI compares and the logits of `net` along `arch`.
/// Throws hwnas::Error for networks that do not expose stage features
/// (today: the nb201 family).
std::vector<torch::Tensor> rmi_features(NetworkImpl& net, const torch::Tensor& x, const Arch& arch,
                                        torch::Tensor* logits = nullptr);

/// Settings of the proxy. Defaults: beta and N_train from HW-EvRSNAS section
/// 4.2; optimiser and batch size from RMI-NAS's NB201 configuration
/// (SGD, lr 0.1, momentum 0.9, weight decay 5e-4, batch 32).
struct RmiOptions {
  double beta = 0.8;           ///< Eq. 3 weight of the RMI term
  int steps = 100;             ///< N_train: training passes over the single batch
  double lr = 0.1;             ///< constant SGD learning rate
  double momentum = 0.9;
  double weight_decay = 5e-4;
  uint64_t seed = 0;           ///< candidate initialisation (with the arch)
  void validate() const;
};

/// What scoring one candidate gave.
struct RmiResult {
  double rmi = 0;                 ///< Eq. 2 after training, in [0, L]
  std::vector<double> per_layer;  ///< its L terms
  double task_loss = 0;           ///< cross entropy on the batch after training
  double seconds = 0;             ///< wall time: build, train, score
};

/// HW-EvRSNAS's evaluator: each candidate is built with fresh weights,
/// trained on the one batch with Eq. 3 (beta * (L - phi) + (1 - beta) *
/// cross entropy) for `steps` SGD steps, then scored with Eq. 2; accuracy()
/// returns that phi (higher is better, in [0, L], not a percentage), so the
/// penalty objective (Eq. 4, 5) adds psi to it. Results are cached by arch
/// text; equal seeds give equal scores.
class RmiProxy : public Evaluator {
 public:
  /// `reference` (a trained network) is run once along `reference_arch` on
  /// the batch (`images` normalised float [n, C, H, W], `labels` int64 [n]).
  RmiProxy(const SearchSpace& space, NetworkImpl& reference, const Arch& reference_arch,
           torch::Tensor images, torch::Tensor labels, RmiOptions opts);
  double accuracy(const Arch& arch) override;
  std::string describe() const override;
  /// Trains and scores `arch` (uncached), with the details.
  RmiResult score(const Arch& arch) const;
  int num_layers() const { return static_cast<int>(reference_features_.size()); }
  int64_t evaluations() const { return evaluations_; }  ///< non-cached evaluations so far
  double seconds() const { return seconds_; }           ///< their total wall time

 private:
  std::shared_ptr<const SearchSpace> space_;
  torch::Tensor images_, labels_;
  std::vector<torch::Tensor> reference_features_;
  RmiOptions opts_;
  std::map<std::string, double> cache_;
  int64_t evaluations_ = 0;
  double seconds_ = 0;
};

}  // namespace hwnas
