// Domino's meta-learned accuracy predictor (thesis section 5.2.3; digest
// 3.3): an MLP on the arch's one-hot encoding (for a graft mask, one bit per
// block) meta-trained with MAML on many cheap proxy trainings, then adapted
// with a few real (arch, accuracy) pairs. The thesis meta-trains on 1,000
// nets trained on ImageNet-tiny and adapts with 10 ImageNet pairs.
//
// Choices the thesis leaves open, taken here:
//  - tasks: random subsets of the proxy pairs, split into a support set
//    (the inner step) and a query set (the meta-loss), as in MAML;
//  - accuracies are normalised per data set (proxy pairs by their own mean
//    and sd, real pairs by theirs), so the meta-learned ranking transfers
//    across the scale difference of a short and a long training;
//  - second-order MAML, one inner SGD step; adaptation takes several.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/search_space.h"

namespace hwnas {

/// One arch with the accuracy (%) one training gave it.
struct AccuracyPair {
  Arch arch;
  double accuracy = 0;
};

struct MamlOptions {
  int hidden1 = 128, hidden2 = 64;  ///< the MLP: L*K -> 128 -> 64 -> 1 (the thesis' latency MLP's shape)
  double inner_lr = 0.05;           ///< eta of the inner step (Eq. 5.4) and of adaptation
  double meta_lr = 1e-3;            ///< lambda of the outer Adam step (Eq. 5.6)
  int meta_iterations = 1500;
  int tasks_per_iteration = 4;
  int support = 10, query = 10;     ///< pairs per task
  int adapt_steps = 20;             ///< SGD steps on the real pairs
  int scratch_steps = 500;          ///< Adam steps of the baseline fitted on the real pairs alone
  uint64_t seed = 0;
};

/// The MLP's parameters as plain tensors, so an inner step is a function of them.
struct MlpParams {
  std::vector<torch::Tensor> tensors;  ///< W1, b1, W2, b2, W3, b3 (double)
};

class MamlAccuracyPredictor {
 public:
  MamlAccuracyPredictor(const SearchSpace& space, MamlOptions opts);
  /// MAML on the proxy pairs (needs support + query of them).
  void meta_train(const std::vector<AccuracyPair>& proxy);
  /// The meta-trained weights adapted to `real` (>= 2 pairs) by adapt_steps SGD steps.
  void adapt(const std::vector<AccuracyPair>& real);
  /// The baseline: fresh weights fitted on `real` alone (Adam, scratch_steps), no proxy.
  void fit_from_scratch(const std::vector<AccuracyPair>& real);
  /// Predicted accuracy (%) of `arch` after adapt() or fit_from_scratch().
  double predict(const Arch& arch) const;
  std::vector<double> predict(const std::vector<Arch>& archs) const;
  /// The mean meta-loss (normalised MSE on query sets) of the last 100 iterations.
  double meta_loss() const { return meta_loss_; }

 private:
  torch::Tensor encode(const std::vector<Arch>& archs) const;
  /// Sets the real pairs' mean and sd, and returns their encodings and normalised accuracies.
  std::pair<torch::Tensor, torch::Tensor> take_real(const std::vector<AccuracyPair>& real);
  /// `weights` (detached) become the predictor's.
  void use(const std::vector<torch::Tensor>& weights);
  const SearchSpace& space_;
  MamlOptions o_;
  MlpParams meta_, adapted_;
  double real_mean_ = 0, real_sd_ = 1;
  double meta_loss_ = 0;
  bool ready_ = false;
};

/// The predictor as a search's Evaluator: predicted accuracy, no training.
class PredictorEvaluator : public Evaluator {
 public:
  PredictorEvaluator(const MamlAccuracyPredictor& p, std::string what) : p_(p), what_(std::move(what)) {}
  double accuracy(const Arch& arch) override { return p_.predict(arch); }
  std::string describe() const override { return what_; }

 private:
  const MamlAccuracyPredictor& p_;
  std::string what_;
};

}  // namespace hwnas
