// How a command uses the machine: the intra-op threads of one job, how many
// independent jobs run at once, and the seed of every random stream. One
// context per command, passed explicitly. torch's thread count is
// process-wide state; it is only changed through ThreadScope, which puts it
// back, so no stage leaves its count to the next.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace hwnas {

struct ExecutionContext {
  /// Intra-op threads of one job (supernet training, evaluation); 0 = every core.
  int threads = 0;
  /// Independent jobs at once (stand-alone trainings of different networks),
  /// one intra-op thread each; 0 = every core. On networks this small one
  /// job does not speed up with more intra-op threads, while independent
  /// trainings scale with cores (docs/benchmarks/pipeline.md, "Threads and jobs").
  int jobs = 0;
  uint64_t seed = 0;  ///< seed of every random stream
  /// Where training and evaluation run: "cpu", "cuda" or "cuda:N"
  /// (nn/device.h). Latency is measured where --target says, not here.
  std::string device = "cpu";

  int resolved_threads() const;
  int resolved_jobs() const;
};

/// Logical cores of this machine (at least 1).
int machine_cores();

/// Keeps freed tensor memory in the process (glibc: mmap threshold 64 MB,
/// trim threshold 128 MB) instead of returning it to the kernel after every
/// training step, which faulted the same pages in again step after step
/// (217k minor faults where PyTorch's Python took 165k; training 10% faster
/// with it, docs/benchmarks/python_peer.md). Call once at start-up.
void keep_freed_memory();

/// Sets torch's intra-op thread count for its lifetime (0 = every core) and
/// restores the count it found.
class ThreadScope {
 public:
  explicit ThreadScope(int threads);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

/// Runs job(0) .. job(n - 1), at most `jobs` at once in the order of their
/// index, each on a thread of its own with one intra-op thread. `jobs` <= 1
/// runs them in order on the calling thread, with its thread count. After
/// a job throws, jobs not yet started are skipped, and the first exception
/// is rethrown once the running ones have finished.
void run_jobs(int n, int jobs, const std::function<void(int)>& job);

/// True on a thread run_jobs started: progress output prints whole lines
/// (a carriage-return progress bar would be overwritten by the other jobs).
bool in_parallel_job();

/// Seeds torch's global generator and runs `init` (building a network's
/// initial weights) under one lock: jobs on other threads build networks
/// too, and the seed must reach the network it was meant for.
void with_torch_seed(uint64_t seed, const std::function<void()>& init);

}  // namespace hwnas
