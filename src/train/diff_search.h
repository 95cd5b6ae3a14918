// The differentiable searches of the thesis on a DiffSupernet
// (nn/diff_supernet.h), one loop for both:
//
//   lightnas  (ch. 4) bi-level: every step trains the weights on a
//             search-train batch along the ordered sampler's paths (cross
//             entropy only), then, once the logits are unfrozen, one hard
//             Gumbel path on a search-valid batch updates alpha on
//             L_valid + lambda * (LAT / T - 1), and lambda ascends on the
//             argmax arch's predicted latency (search/lightnas.h). One search
//             lands on T; no sweep of a latency weight.
//   surgenas  (ch. 3) one-level: weights and alpha step together on
//             sum over the ordered paths of [L_train + beta * LAT(path)]
//             with a fixed beta; alpha only after the frozen epochs.
//
// Both decay the identity-mapping regulariser phi linearly to 0 over the
// search. Latency comes from a differentiable model of the path's one-hot.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/search_space.h"
#include "data/dataset.h"

namespace hwnas {

/// Predicted milliseconds of a path ([L x K], one-hot in value), as a
/// scalar tensor differentiable with respect to the path.
using DiffLatency = std::function<torch::Tensor(const torch::Tensor& path)>;

struct DiffSearchOptions {
  std::string method = "lightnas";  ///< "lightnas" or "surgenas"
  int epochs = 8;
  int freeze_epochs = 2;            ///< weights only (alpha frozen) for the first epochs
  int batch_size = 128;
  int64_t limit = 0;                ///< search-train images per epoch (0 = all)
  double lr = 0.1;                  ///< weights: SGD, cosine to 0
  double momentum = 0.9;
  double weight_decay = 3e-5;
  double grad_clip = 5.0;
  double label_smoothing = 0.1;     ///< the LightNAS code's
  bool augment = true;
  double alpha_lr = 1e-3;           ///< Adam, betas (0.5, 0.999)
  double alpha_weight_decay = 1e-3;
  int paths = 0;                    ///< ordered paths per weight step; 0 = one per op (every op once)
  double phi = 2.0;                 ///< identity-mapping regulariser at the start, linear to 0
  double phi_until = 1.0;           ///< share of the search over which phi reaches 0 (the thesis: all of it)
  double tau = 5.0;                 ///< temperature when the logits start to learn
  double tau_end = 0.05;            ///< surgenas: linear to this
  double tau_decay = 8.0;           ///< lightnas: tau exp(-tau_decay progress) (the code's curve: 8)
  /// Epochs between halvings of alpha's learning rate; -1 = the code's 20 of
  /// 90 at this search's length, 0 = never.
  int alpha_halve_every = -1;
  /// The last `settle_epochs` (-1: the code's 10 of 90 at this length) scale
  /// alpha's rate by |LAT/T - 1| once the argmax arch is within
  /// `settle_window` of T, so it stays where it met the target (the code:
  /// 0.15 ms at 20-30 ms targets, 0.6%).
  int settle_epochs = -1;
  double settle_window = 0.006;
  double lambda_lr = 5e-4;          ///< lightnas: eta_lambda
  double beta = 0.0;                ///< surgenas: weight of LAT in ms
  double target_ms = 0;             ///< lightnas: T
  uint64_t seed = 0;
  std::string checkpoint;           ///< saved atomically after every epoch ("" = none)
  void validate() const;
};

/// The state after one epoch.
struct DiffSearchEpoch {
  int epoch = 0;  ///< 1-based
  double tau = 0, phi = 0, lambda = 0, alpha_lr = 0;  ///< at the epoch's last step
  double predicted_ms = 0;      ///< of the argmax arch
  double train_loss = 0;        ///< mean over the epoch's weight steps and paths
  double valid_accuracy = 0;    ///< argmax arch on up to 2,000 search-valid images (%)
  double entropy = 0;           ///< mean over layers of softmax(alpha)'s entropy (nats)
  std::string arch;             ///< argmax arch text
};

/// One logits step of lightnas: lambda and the argmax arch's predicted latency after it.
struct DiffSearchStep {
  int64_t step = 0;
  double lambda = 0, argmax_ms = 0, sampled_ms = 0;
};

struct DiffSearchResult {
  Arch arch;                     ///< argmax of alpha at the end
  double predicted_ms = 0;
  std::vector<DiffSearchEpoch> epochs;
  std::vector<DiffSearchStep> steps;  ///< lightnas logits steps, for the trajectory plots
  double seconds = 0;            ///< wall time of this call
  bool resumed = false;          ///< started from a checkpoint
  nlohmann::json to_json(const SearchSpace& space) const;
};

/// Runs the search on `train` (weights) and `valid` (lightnas's logits
/// steps, and the epoch's accuracy); resumes from opts.checkpoint at the
/// last finished epoch. Prints progress to stderr.
DiffSearchResult diff_search(const SearchSpace& space, const ImageSet& train, const ImageSet& valid,
                             const Normalization& norm, const DiffLatency& latency, const DiffSearchOptions& opts);

}  // namespace hwnas
