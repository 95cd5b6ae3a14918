#include "train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "eval/accuracy.h"
#include "nn/network.h"
#include "tests/support/toy_images.h"

namespace hwnas {
namespace {

std::unique_ptr<SearchSpace> tiny_space() {
  return make_space("hsconas:depths=1/1/2/1,channels=16/32/48/64,stem=8,head=32,widths=4");
}

TrainOptions tiny_opts(const std::string& ckpt) {
  TrainOptions o;
  o.epochs = 2;
  o.batch_size = 16;
  o.lr = 0.1;
  o.seed = 3;
  o.checkpoint = ckpt;
  o.checkpoint_every = 1000;
  return o;
}

TEST(Trainer, ResumeReproducesUninterruptedRun) {
  const ImageSet data = brightness_toy_set();
  const Normalization norm = compute_normalization(data);
  auto space = tiny_space();
  const auto dir = std::filesystem::temp_directory_path() / "hwnas_trainer_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  torch::manual_seed(1);
  auto straight = make_supernet(*space);
  const TrainStats s1 = train(*straight, uniform_path_sampler(*space, 3), data, norm,
                              tiny_opts((dir / "a.ckpt").string()));
  EXPECT_TRUE(s1.finished);
  EXPECT_EQ(s1.steps, 8);

  torch::manual_seed(1);
  auto interrupted = make_supernet(*space);
  TrainOptions o = tiny_opts((dir / "b.ckpt").string());
  o.stop_after_steps = 5;  // interrupted mid-epoch
  const TrainStats part = train(*interrupted, uniform_path_sampler(*space, 3), data, norm, o);
  EXPECT_FALSE(part.finished);
  EXPECT_EQ(part.steps, 5);

  torch::manual_seed(99);  // a fresh process: other init, all state from the checkpoint
  auto resumed = make_supernet(*space);
  o.stop_after_steps = 0;
  const TrainStats rest = train(*resumed, uniform_path_sampler(*space, 3), data, norm, o);
  EXPECT_TRUE(rest.finished);
  EXPECT_EQ(rest.images, 3 * 16);

  auto a = straight->named_parameters(), b = resumed->named_parameters();
  for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  auto ab = straight->named_buffers(), bb = resumed->named_buffers();
  for (const auto& p : ab) EXPECT_TRUE(torch::equal(p.value(), bb[p.key()])) << p.key();
  std::filesystem::remove_all(dir);
}

TEST(Trainer, StandaloneLearnsToySet) {
  const ImageSet data = brightness_toy_set();
  const Normalization norm = compute_normalization(data);
  auto space = tiny_space();
  const Arch arch = space->largest();
  torch::manual_seed(0);
  auto net = make_network(*space, arch);
  TrainOptions o = tiny_opts("");
  o.epochs = 15;
  o.augment = false;
  const TrainStats s = train(*net, [&](int64_t) { return arch; }, data, norm, o);
  EXPECT_TRUE(s.finished);
  EXPECT_GT(evaluate_accuracy(*net, arch, data, norm), 50.0);  // chance is 10%
}

TEST(Trainer, BadOptionsAreRefused) {
  TrainOptions o;
  o.lr = -1;
  EXPECT_THROW(o.validate(), Error);
  o = TrainOptions();
  o.batch_size = 0;
  EXPECT_THROW(o.validate(), Error);
}

TEST(Evaluator, RecalibrationIsDeterministicAndCached) {
  const ImageSet data = brightness_toy_set();
  const Normalization norm = compute_normalization(data);
  auto space = tiny_space();
  torch::manual_seed(0);
  std::shared_ptr<NetworkImpl> super = make_supernet(*space);
  SupernetEvalOptions eo;
  eo.bn_images = 32;
  eo.bn_batch_size = 16;
  SupernetEvaluator ev(super, *space, data, data, norm, eo);
  Rng rng(0);
  const Arch a = space->sample(rng), b = space->sample(rng);
  const double acc_a = ev.accuracy(a);
  ev.accuracy(b);
  EXPECT_EQ(ev.accuracy(a), acc_a);
  EXPECT_EQ(ev.evaluations(), 2);
  SupernetEvaluator ev2(super, *space, data, data, norm, eo);
  EXPECT_EQ(ev2.accuracy(a), acc_a);  // recalibration from scratch gives the same numbers
}

}  // namespace
}  // namespace hwnas
