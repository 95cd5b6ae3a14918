// retrain_stage on a tiny synthetic data set: a network's initial weights
// come from (seed, arch), not from whatever used torch's generator before,
// so a baseline trains alike in every run that builds it.
#include "run/supernet_stage.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/search_space.h"
#include "core/error.h"
#include "nn/execution.h"
#include "run/run_dir.h"
#include "tiny_workspace.h"

namespace hwnas {
namespace {

std::unique_ptr<Workspace> workspace_in(const std::string& dir) {
  auto ws = tiny_workspace("hsconas:channels=8/16/24/32,stem=4,head=32", 32);
  std::filesystem::remove_all(dir);
  ws->run = std::make_unique<RunDir>(dir);
  return ws;
}

TrainOptions tiny_training(uint64_t seed) {
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 16;
  o.augment = false;
  o.seed = seed;
  return o;
}

/// The stem's weights after the training (one epoch, same data order).
torch::Tensor first_weights(const RetrainResult& r) { return r.net->parameters().front().detach().clone(); }

TEST(RetrainStage, InitialWeightsFollowTheSeedAndArchNotTheGlobalGenerator) {
  auto ws = workspace_in(testing::TempDir() + "/hwnas_retrain_stage_test");
  const Arch arch = ws->space->largest();
  TrainOptions o = tiny_training(7);
  const RetrainResult a = retrain_stage(*ws, arch, o, "a", false, true, nullptr, Holdout::kSearchValid);
  torch::rand({1000});  // what an earlier stage would draw
  const RetrainResult b = retrain_stage(*ws, arch, o, "b", false, true, nullptr, Holdout::kSearchValid);
  EXPECT_TRUE(torch::equal(first_weights(a), first_weights(b)));
  const RetrainResult c = retrain_stage(*ws, arch, tiny_training(8), "c", false, true, nullptr,
                                        Holdout::kSearchValid);
  EXPECT_FALSE(torch::equal(first_weights(a), first_weights(c)));
  Arch other = arch;
  other.genes[1].width = 0;
  const RetrainResult d = retrain_stage(*ws, other, o, "d", false, true, nullptr, Holdout::kSearchValid);
  EXPECT_FALSE(torch::equal(first_weights(a), first_weights(d)));
}

TEST(RetrainStage, TrainingsAsParallelJobsEqualTrainingsOneAtATime) {
  auto ws = workspace_in(testing::TempDir() + "/hwnas_retrain_stage_jobs_test");
  Arch other = ws->space->largest();
  other.genes[1].width = 0;
  const std::vector<Arch> archs = {ws->space->largest(), other, ws->space->largest()};
  const std::vector<uint64_t> seeds = {7, 7, 8};
  std::vector<torch::Tensor> alone, jobs(3);
  for (int i = 0; i < 3; ++i) {
    const ThreadScope one(1);
    alone.push_back(first_weights(retrain_stage(*ws, archs[i], tiny_training(seeds[i]), str_cat("alone", i), false,
                                                true, nullptr, Holdout::kSearchValid)));
  }
  run_jobs(3, 3, [&](int i) {
    jobs[i] = first_weights(retrain_stage(*ws, archs[i], tiny_training(seeds[i]), str_cat("job", i), false, true,
                                          nullptr, Holdout::kSearchValid));
  });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::equal(alone[i], jobs[i])) << "job " << i;
}

}  // namespace
}  // namespace hwnas
