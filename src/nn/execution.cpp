#include "nn/execution.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"

namespace hwnas {
namespace {

thread_local bool t_in_job = false;

}  // namespace

void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

int machine_cores() { return std::max(1u, std::thread::hardware_concurrency()); }

int ExecutionContext::resolved_threads() const { return threads > 0 ? threads : machine_cores(); }

int ExecutionContext::resolved_jobs() const { return jobs > 0 ? jobs : machine_cores(); }

ThreadScope::ThreadScope(int threads) : previous_(at::get_num_threads()) {
  HWNAS_CHECK(threads >= 0 && threads <= 1024, "threads must be in 0..1024, got ", threads);
  // at::set_num_threads also clears oneDNN's primitive cache, which the
  // other jobs are using: results came out wrong when a job changed it.
  HWNAS_CHECK(!in_parallel_job(), "a job run by run_jobs must not change the thread count");
  const int want = threads > 0 ? threads : machine_cores();
  if (want != previous_) at::set_num_threads(want);
}

ThreadScope::~ThreadScope() {
  if (at::get_num_threads() != previous_) at::set_num_threads(previous_);
}

void run_jobs(int n, int jobs, const std::function<void(int)>& job) {
  if (n <= 0) return;
  if (jobs <= 1 || n == 1) {
    for (int i = 0; i < n; ++i) job(i);
    return;
  }
  const int caller_threads = at::get_num_threads();
  const int workers = std::min(jobs, n);
  // Every worker sets its thread count to one before any job computes:
  // at::set_num_threads clears oneDNN's process-wide primitive cache, so it
  // must not run beside a convolution (measured: wrong weights otherwise).
  std::mutex m;
  std::condition_variable all_ready;
  int ready = 0;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  auto worker = [&] {
    {
      std::unique_lock<std::mutex> lock(m);
      at::set_num_threads(1);  // this thread's OpenMP count (and the cache cleared while all wait)
      if (++ready == workers) all_ready.notify_all();
      all_ready.wait(lock, [&] { return ready == workers; });
    }
    t_in_job = true;
    for (int i; !failed && (i = next++) < n;) {
      try {
        job(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int k = 0; k < workers; ++k) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  // The workers left torch's default for new threads at one; put back the caller's.
  at::set_num_threads(caller_threads);
  if (first_error) std::rethrow_exception(first_error);
}

bool in_parallel_job() { return t_in_job; }

void with_torch_seed(uint64_t seed, const std::function<void()>& init) {
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  torch::manual_seed(seed);
  init();
}

}  // namespace hwnas
