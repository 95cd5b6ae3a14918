// Training for supernets and stand-alone networks with one loop: a supernet
// trains one uniformly sampled path (op + width per layer) per step, as in
// SPOS / HSCoNAS; a stand-alone network trains its one arch. SGD with
// momentum, weight decay, gradient-norm clipping, cosine learning rate,
// optional label smoothing; atomic checkpoints and exact resume.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "core/search_space.h"
#include "data/dataset.h"
#include "nn/data_parallel.h"
#include "nn/network.h"

namespace hwnas {

/// HSCoNAS training settings (section IV-A), scaled by the caller.
struct TrainOptions {
  int epochs = 10;
  int batch_size = 256;
  double lr = 0.5;               ///< initial learning rate, cosine-annealed to 0
  int warmup_epochs = 0;         ///< linear warm-up (retraining uses it)
  double momentum = 0.9;
  double weight_decay = 3e-5;
  double grad_clip = 5.0;        ///< max gradient L2 norm
  double label_smoothing = 0.0;  ///< 0 = plain cross entropy
  bool augment = true;           ///< random crop (pad 2) + flip
  bool shuffle = true;           ///< a fresh order every epoch; false = the same batches in the same order
  bool record_losses = false;    ///< keep every step's loss in TrainStats::step_losses
  uint64_t seed = 0;
  int64_t limit = 0;             ///< train on the first `limit` images only (0 = all)
  std::string checkpoint;        ///< path of the checkpoint file ("" = none)
  int64_t checkpoint_every = 200;  ///< steps between checkpoints
  int64_t stop_after_steps = 0;  ///< stop early at this global step (tests, Ctrl-C-like interruption)
  /// Where the network trains (nn/device.h): train() moves it there first,
  /// and it stays there for evaluation. Not a setting of the result: a
  /// checkpoint written on a GPU resumes on the CPU and back.
  torch::Device device = torch::kCPU;
  /// Data-parallel group (nn/data_parallel.h): each rank trains on its shard
  /// of every batch of batch_size. Null: the process's group from the
  /// environment, unless this training is one of several parallel jobs.
  DataParallel* parallel = nullptr;
  void validate() const;
};

/// Mean cross entropy of `logits` [N, C] against `labels` [N], with label
/// smoothing `smoothing` (0 = plain).
torch::Tensor cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels, double smoothing);
/// Cosine annealing of `lr` to 0 over `total_steps`, at `step`.
double cosine_lr(double lr, int64_t step, int64_t total_steps);

/// What a training run did.
struct TrainStats {
  int64_t steps = 0;          ///< global steps done (including resumed ones)
  int64_t images = 0;         ///< images processed in this call
  double seconds = 0;         ///< wall time of this call
  double last_loss = 0;       ///< mean loss over the last epoch's steps seen
  double last_accuracy = 0;   ///< training accuracy (%) over the same steps
  bool finished = false;      ///< all epochs done
  std::vector<double> step_losses;  ///< each step's loss, when TrainOptions::record_losses
  double images_per_s() const { return seconds > 0 ? images / seconds : 0; }
};

/// The arch to train at a global step.
using ArchSampler = std::function<Arch(int64_t step)>;

/// Uniform single-path sampling from `space` (may be a shrunk subspace),
/// derived from (seed, step) so resume draws the same paths.
ArchSampler uniform_path_sampler(const SearchSpace& space, uint64_t seed);

/// Progress callback: (global step, total steps, running loss, running acc %).
/// On the CPU it is called after every step; on a GPU after every 10th and
/// the last of each epoch, as reading the loss waits for the GPU.
using StepCallback = std::function<void(int64_t, int64_t, double, double)>;

/// Trains `net` on `data` along the archs `sample` yields. Resumes from
/// `opts.checkpoint` when it exists (same paths, batches and optimizer
/// state as the uninterrupted run), and writes it atomically every
/// `checkpoint_every` steps and at the end.
TrainStats train(NetworkImpl& net, const ArchSampler& sample, const ImageSet& data,
                 const Normalization& norm, const TrainOptions& opts,
                 const StepCallback& on_step = nullptr);

/// A progress printer for StepCallback: one refreshed stderr line with
/// epoch/step, loss, accuracy, images/s and ETA.
StepCallback console_progress(const std::string& label, int64_t steps_per_epoch, int batch_size);

}  // namespace hwnas
