// Data-parallel training over processes on PyTorch's own distributed
// engine (c10d, Gloo on CPUs). Every rank runs the same command on the same
// data; each takes its shard of every batch, BatchNorm's statistics are
// those of the whole batch (synchronised across ranks, forward and
// backward), and gradients are averaged before the optimizer step, so N
// ranks with batch B/N each train exactly what one process with batch B
// trains (tests/train/data_parallel_test.cpp), and keep equal weights.
//
// The group comes from torchrun's environment (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT), which `hwnas launch --nproc N` sets; rank 0
// hosts the rendezvous store. Without WORLD_SIZE (or with 1) nothing is
// distributed.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace hwnas {

class DataParallel {
 public:
  /// A group of `world` ranks meeting in a file-backed store at `store_path`
  /// (ranks in one process or on one machine: tests), or over TCP at
  /// addr:port (rank 0 listens).
  static std::unique_ptr<DataParallel> over_file(int rank, int world, const std::string& store_path);
  static std::unique_ptr<DataParallel> over_tcp(int rank, int world, const std::string& addr, int port);
  ~DataParallel();

  int rank() const { return rank_; }
  int world() const { return world_; }

  /// Every parameter and buffer of `m` set to rank 0's.
  void broadcast(torch::nn::Module& m);
  /// Every defined gradient of `m` replaced by its mean over the ranks (one
  /// all-reduce over a flat buffer). The ranks must have the same gradients
  /// defined (a supernet's ranks sample the same path each step).
  void average_gradients(torch::nn::Module& m);
  /// Element-wise sum of `t` over the ranks, in place.
  void all_reduce_sum(torch::Tensor& t);
  void barrier();

 private:
  DataParallel(int rank, int world);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_ = 1;
};

/// The group of this process from the environment (RANK, WORLD_SIZE,
/// MASTER_ADDR, MASTER_PORT), connected on first use; null when WORLD_SIZE
/// is unset or 1. Throws hwnas::Error naming a malformed variable.
DataParallel* process_data_parallel();

/// Whether this process writes shared files (run records, weights): every
/// process but ranks 1.. of a data-parallel job (torchrun's RANK with
/// WORLD_SIZE > 1), whose records and weights equal rank 0's; two writers
/// would race on each file.
bool process_writes_files();

/// BatchNorm over all ranks while a scope of this lives on the thread that
/// trains (nn/slim.h's SlimBatchNorm2d reads it); null: local statistics.
class SyncBatchNormScope {
 public:
  explicit SyncBatchNormScope(DataParallel* group);
  ~SyncBatchNormScope();
  SyncBatchNormScope(const SyncBatchNormScope&) = delete;
  SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

 private:
  DataParallel* previous_;
};
/// The group BatchNorm synchronises over on this thread (null: none).
DataParallel* sync_batchnorm_group();

/// Training-mode batch normalisation of x [N, C, H, W] with statistics over
/// every rank of `group` (SyncBatchNorm): mean and biased variance of the
/// union for the output, unbiased for the running statistics (updated in
/// place with `momentum`); the backward pass all-reduces its two sums.
torch::Tensor sync_batch_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              torch::Tensor running_mean, torch::Tensor running_var, double momentum, double eps,
                              DataParallel& group);

}  // namespace hwnas
