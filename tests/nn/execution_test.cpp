// The execution context: torch's process-wide thread count only changes
// inside a ThreadScope, which puts it back, and run_jobs runs independent
// jobs on one intra-op thread each.
#include "nn/execution.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <mutex>
#include <set>
#include <stdexcept>

#include "core/error.h"
#include "core/search_space.h"
#include "latency/profiler.h"

namespace hwnas {
namespace {

TEST(ThreadScope, SetsAndRestoresTorchsThreadCount) {
  const ThreadScope outer(3);
  EXPECT_EQ(at::get_num_threads(), 3);
  {
    const ThreadScope inner(1);
    EXPECT_EQ(at::get_num_threads(), 1);
  }
  EXPECT_EQ(at::get_num_threads(), 3);
  {
    const ThreadScope all(0);
    EXPECT_EQ(at::get_num_threads(), machine_cores());
  }
  EXPECT_EQ(at::get_num_threads(), 3);
  EXPECT_THROW(ThreadScope(-1), Error);
}

TEST(RunJobs, EveryJobOnceOnOneThreadEachAndTheCallersCountKept) {
  const ThreadScope caller(2);
  std::mutex m;
  std::multiset<int> done;
  std::atomic<int> running{0}, most{0};
  bool all_in_job = true;
  run_jobs(7, 3, [&](int i) {
    const int now = ++running;
    for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    // Some work, so that jobs overlap.
    const torch::Tensor x = torch::rand({64, 64});
    (void)x.mm(x).sum().item<float>();
    std::lock_guard<std::mutex> lock(m);
    done.insert(i);
    all_in_job = all_in_job && in_parallel_job() && at::get_num_threads() == 1;
    --running;
  });
  EXPECT_EQ(done, (std::multiset<int>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_LE(most.load(), 3);
  EXPECT_TRUE(all_in_job);
  EXPECT_FALSE(in_parallel_job());
  EXPECT_EQ(at::get_num_threads(), 2);
}

TEST(RunJobs, OneJobAtATimeRunsInOrderOnTheCallingThread) {
  std::vector<int> order;
  run_jobs(4, 1, [&](int i) {
    EXPECT_FALSE(in_parallel_job());
    order.push_back(i);
  });
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(RunJobs, TheFirstErrorIsRethrownAfterTheOthersStop) {
  std::atomic<int> ran{0};
  EXPECT_THROW(run_jobs(50, 2,
                        [&](int i) {
                          ++ran;
                          if (i == 0) throw std::runtime_error("job 0 failed");
                          std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        }),
               std::runtime_error);
  EXPECT_LT(ran.load(), 50);  // jobs not yet started were skipped
}

TEST(ThreadScope, ProfilingLeavesTheCallersCount) {
  // The profiler times with the target's threads (1 here); it once left
  // torch at that count, and the supernet then trained on one core.
  const ThreadScope caller(2);
  auto space = make_space("hsconas:channels=8/16/24/32,stem=4,head=32");
  ProfileOptions opt;
  opt.warmup_ms = 0.1;
  opt.min_time_ms = 0.1;
  opt.repetitions = 3;
  profile_network(*space, space->largest(), 1, opt, 1);
  EXPECT_EQ(at::get_num_threads(), 2);
}

}  // namespace
}  // namespace hwnas
