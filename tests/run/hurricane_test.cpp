// The LibTorch side of HURRICANE's coordinate ascent on a tiny synthetic
// data set: each iteration trains a fresh supernet of the subspace along the
// sampler's paths, counts its training iterations and evaluates archs.
#include "run/hurricane.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>
#include <set>

#include "core/search_space.h"
#include "tiny_workspace.h"

namespace hwnas {
namespace {

TEST(HurricaneRounds, TrainsAFreshSupernetAlongTheSamplerAndCountsSteps) {
  auto ws = tiny_workspace("hurricane:channels=8/16/24/32,stem=4,head=32", 48);
  HurricaneRoundOptions o;
  o.train.epochs = 2;
  o.train.batch_size = 16;
  o.train.augment = false;
  o.eval.bn_images = 32;
  o.eval.bn_batch_size = 16;
  o.eval.valid_images = 32;
  o.save_weights = false;
  o.quiet = true;
  const TrainRoundFn rounds = make_supernet_rounds(*ws, o);
  // Subspace: layers 9..20 choose among two ops, the others fixed.
  std::unique_ptr<SearchSpace> sub = ws->space->clone();
  const int mb = sub->op_index("mb3e3"), k3 = sub->op_index("k3_se");
  for (int l = 0; l < sub->num_layers(); ++l) sub->layers[l].ops = l < 8 ? std::vector<int>{k3} : std::vector<int>{mb, k3};
  std::set<int64_t> steps;
  std::mutex mu;
  PathSampler sampler = [&](int64_t step) {
    std::lock_guard<std::mutex> lock(mu);
    steps.insert(step);
    Rng rng(static_cast<uint64_t>(step));
    return sub->sample(rng);
  };
  SupernetRound r = rounds(1, *sub, sampler);
  EXPECT_EQ(r.train_steps, 2 * (48 / 16));
  EXPECT_EQ(static_cast<int64_t>(steps.size()), r.train_steps);  // one path per training step
  ASSERT_NE(r.evaluator, nullptr);
  Rng rng(3);
  const Arch a = sub->sample(rng);
  const double acc = r.evaluator->accuracy(a);
  EXPECT_GE(acc, 0);
  EXPECT_LE(acc, 100);
  // Only the subspace's blocks exist: an op outside it is refused.
  Arch outside = a;
  outside.genes[0].op = mb;
  EXPECT_ANY_THROW(r.evaluator->accuracy(outside));
}

}  // namespace
}  // namespace hwnas
