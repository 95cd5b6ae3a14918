// --device and --target cuda: refused with a clear line where this LibTorch
// or machine has no GPU; where one is, training, evaluation, weights and
// latency on it agree with the CPU. The GPU tests skip without a GPU.
#include "nn/device.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "eval/accuracy.h"
#include "latency/target.h"
#include "nn/network.h"
#include "run/run_dir.h"
#include "tests/support/expect_error.h"
#include "tests/support/toy_images.h"
#include "train/trainer.h"

namespace hwnas {
namespace {

std::unique_ptr<SearchSpace> tiny_space() {
  return make_space("hsconas:depths=1/1/2/1,channels=16/32/48/64,stem=8,head=32,widths=4");
}

TEST(Device, CpuAndMalformedNames) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_EQ(parse_device(" cpu "), torch::Device(torch::kCPU));
  expect_error([] { parse_device("gpu"); }, "expected cpu, cuda or cuda:N");
  expect_error([] { parse_device("cuda:x"); }, "GPU index of device 'cuda:x'");
  expect_error([] { parse_device("cuda:-1"); }, "must be >= 0");
}

TEST(Device, CudaWithoutAGpuIsRefusedWithTheReason) {
  if (cuda_usable()) GTEST_SKIP() << "this machine has a CUDA GPU";
  EXPECT_FALSE(cuda_unavailable_reason().empty());
  expect_error([] { parse_device("cuda"); }, cuda_unavailable_reason());
  expect_error([] { parse_device("cuda:0"); }, "device 'cuda:0': ");
  expect_error([] { make_target("cuda"); }, cuda_unavailable_reason());
  expect_error([] { make_target("cuda:1,batch=2"); }, cuda_unavailable_reason());
  // The target's options are read before the GPU is looked for.
  expect_error([] { make_target("cuda:0,threads=2"); }, "threads");
}

TEST(Device, ToDeviceAndDeviceOfOnTheCpu) {
  auto space = tiny_space();
  auto net = make_network(*space, space->largest());
  EXPECT_EQ(device_of(*net), torch::Device(torch::kCPU));
  const torch::Tensor t = torch::arange(6);
  EXPECT_TRUE(to_device(t, torch::kCPU).is_same(t));  // no copy when it is there
}

/// A GPU of this machine, or the test skips.
#define REQUIRE_GPU() \
  if (!cuda_usable()) GTEST_SKIP() << "no CUDA GPU: " << cuda_unavailable_reason()

TEST(DeviceCuda, TrainingOnTheGpuFollowsTheCpu) {
  REQUIRE_GPU();
  const ImageSet data = brightness_toy_set();
  const Normalization norm = compute_normalization(data);
  auto space = tiny_space();
  const Arch arch = space->largest();
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 16;
  o.lr = 0.05;
  o.augment = false;
  o.record_losses = true;
  torch::manual_seed(4);
  auto cpu = make_network(*space, arch);
  torch::manual_seed(4);
  auto gpu = make_network(*space, arch);
  const TrainStats a = train(*cpu, [&](int64_t) { return arch; }, data, norm, o);
  o.device = parse_device("cuda");
  const TrainStats b = train(*gpu, [&](int64_t) { return arch; }, data, norm, o);
  EXPECT_TRUE(device_of(*gpu).is_cuda());
  ASSERT_EQ(a.step_losses.size(), b.step_losses.size());
  for (size_t i = 0; i < a.step_losses.size(); ++i) EXPECT_NEAR(a.step_losses[i], b.step_losses[i], 1e-3) << i;
  auto pa = cpu->named_parameters(), pb = gpu->named_parameters();
  for (const auto& p : pa) EXPECT_TRUE(torch::allclose(p.value(), pb[p.key()].cpu(), 1e-3, 1e-4)) << p.key();
  EXPECT_NEAR(evaluate_accuracy(*cpu, arch, data, norm), evaluate_accuracy(*gpu, arch, data, norm), 1.0);
}

TEST(DeviceCuda, WeightsSavedOnTheGpuLoadOnTheCpu) {
  REQUIRE_GPU();
  auto space = tiny_space();
  const Arch arch = space->largest();
  torch::manual_seed(2);
  auto gpu = make_network(*space, arch);
  gpu->to(parse_device("cuda"));
  const std::string path = (std::filesystem::temp_directory_path() / "hwnas_device_test.pt").string();
  save_module(*gpu, path);
  auto cpu = make_network(*space, arch);
  load_module(*cpu, path);
  EXPECT_EQ(device_of(*cpu), torch::Device(torch::kCPU));
  auto pa = gpu->named_parameters(), pb = cpu->named_parameters();
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value().cpu(), pb[p.key()])) << p.key();
  std::filesystem::remove(path);
}

TEST(DeviceCuda, TheCudaTargetTimesOpsAndNetworks) {
  REQUIRE_GPU();
  auto space = tiny_space();
  std::unique_ptr<Target> t = make_target("cuda:0,batch=2");
  EXPECT_EQ(t->info().kind, "cuda-torch");
  EXPECT_EQ(t->info().batch, 2);
  EXPECT_EQ(make_target(t->describe())->info().id(), t->info().id());  // describe() round-trips
  ProfileOptions po;
  po.repetitions = 5;
  po.warmup_ms = 5;
  const Timing net = t->measure_arch(*space, space->largest(), po);
  EXPECT_GT(net.median_ms, 0);
  EXPECT_GT(net.iterations, 0);
}

}  // namespace
}  // namespace hwnas
