// LightNAS's training proxy: fixed batches, E epochs, BTE from the logged
// losses; side-by-side trainings give the scores of one-at-a-time ones.
#include "eval/training_proxy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "nn/execution.h"
#include "search/lightnas.h"
#include "tests/support/toy_images.h"

namespace hwnas {
namespace {

std::unique_ptr<SearchSpace> tiny_space() {
  return make_space("mbv2:depths=1/1/1/1/1/1/1,widths=0.5/1/2,head=32");
}

TEST(TrainingProxy, BteOfFixedBatchesOverEpochs) {
  const ImageSet data = brightness_toy_set();
  const Normalization norm = compute_normalization(data);
  auto space = tiny_space();
  const TrainingProxyOptions o = parse_training_proxy("bte:epochs=3,images=60,batch=16,lr=0.1", 4);
  EXPECT_EQ(o.describe(), "bte:batch=16,epochs=3,images=60,lr=0.1");
  TrainingProxyEvaluator ev(*space, data, norm, o, 1);
  const Arch a = space->parse(space->format(space->largest()));
  ThreadScope one(1);
  const ProxyTraining r = ev.train(a);
  ASSERT_EQ(r.losses.size(), 3u);
  for (const auto& epoch : r.losses) EXPECT_EQ(epoch.size(), 3u);  // 60 images: 3 whole batches of 16
  EXPECT_DOUBLE_EQ(r.score, batch_training_efficiency(r.losses));
  // The same batches every epoch: the learnable set's loss falls from the
  // first epoch to the last on every batch.
  for (size_t n = 0; n < 3; ++n) EXPECT_LT(r.losses[2][n], r.losses[0][n]);
  // Deterministic per (seed, arch).
  EXPECT_DOUBLE_EQ(ev.train(a).score, r.score);
  const TrainingProxyOptions tse = parse_training_proxy("tse:epochs=2,images=32,batch=16", 4);
  TrainingProxyEvaluator tev(*space, data, norm, tse, 1);
  const ProxyTraining t = tev.train(a);
  EXPECT_DOUBLE_EQ(t.score, -training_speed_estimate(t.losses));
}

TEST(TrainingProxy, SideBySideEqualsOneAtATime) {
  const ImageSet data = brightness_toy_set();
  const Normalization norm = compute_normalization(data);
  auto space = tiny_space();
  const TrainingProxyOptions o = parse_training_proxy("bte:epochs=2,images=32,batch=16", 1);
  Rng rng(5);
  std::vector<Arch> archs;
  for (int i = 0; i < 3; ++i) archs.push_back(space->canonical(space->sample(rng)));
  TrainingProxyEvaluator parallel(*space, data, norm, o, 2);
  const std::vector<double> side = parallel.accuracies(archs);
  EXPECT_EQ(parallel.evaluations(), 3);
  TrainingProxyEvaluator serial(*space, data, norm, o, 1);
  ThreadScope one(1);  // run_jobs gives each job one intra-op thread
  for (size_t i = 0; i < archs.size(); ++i) EXPECT_NEAR(serial.accuracy(archs[i]), side[i], 1e-9);
}

TEST(TrainingProxy, RefusesBadSettings) {
  EXPECT_THROW(parse_training_proxy("bte:epochs=1"), Error);
  EXPECT_THROW(parse_training_proxy("loss"), Error);
  EXPECT_THROW(parse_training_proxy("bte:E=3"), Error);
  EXPECT_THROW(parse_training_proxy("bte:images=8,batch=16"), Error);
  EXPECT_THROW(parse_training_proxy("tse:lr=0"), Error);
  const ImageSet data = brightness_toy_set();
  auto space = tiny_space();
  EXPECT_THROW(TrainingProxyEvaluator(*space, data, compute_normalization(data),
                                      parse_training_proxy("bte:images=128,batch=16"), 1),
               Error);
}

}  // namespace
}  // namespace hwnas
