// Data-parallel training (nn/data_parallel.h) on loopback Gloo: two ranks
// with half the batch each train what one process trains with the whole
// batch (synchronised BatchNorm, averaged gradients), and stay equal.
#include "nn/data_parallel.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/error.h"
#include "tests/support/toy_images.h"
#include "train/trainer.h"

namespace hwnas {
namespace {

double max_diff(torch::nn::Module& a, torch::nn::Module& b) {
  double d = 0;
  auto pb = b.named_parameters(true);
  for (const auto& p : a.named_parameters(true)) d = std::max(d, (p.value() - pb[p.key()]).abs().max().item<double>());
  auto bb = b.named_buffers(true);
  for (const auto& x : a.named_buffers(true))
    if (x.value().is_floating_point()) d = std::max(d, (x.value() - bb[x.key()]).abs().max().item<double>());
  return d;
}

TEST(DataParallel, TwoRanksTrainWhatOneProcessTrainsWithTheWholeBatch) {
  const ImageSet data = brightness_toy_set();
  const Normalization norm{{0.3f}, {0.2f}};
  auto space = make_space("hsconas:depths=1/1/2/1,channels=16/32/48/64,stem=8,head=32,widths=4,ops=k3/k5/x/mb3e6");
  const Arch arch = space->parse("k3@1,mb3e6@0.5,x@1,k5@0.75,mb3e6@1");
  TrainOptions o;
  o.epochs = 2;
  o.batch_size = 16;
  o.lr = 0.1;
  o.seed = 3;  // 8 steps over 64 images, shuffled and augmented alike on every rank
  const ArchSampler path = [&](int64_t) { return arch; };

  auto reference = make_seeded_network(*space, arch, 7);
  train(*reference, path, data, norm, o);

  const std::string store = (std::filesystem::temp_directory_path() /
                             ("hwnas_dp_test_" + std::to_string(::getpid()))).string();
  std::filesystem::remove(store);
  std::shared_ptr<NetworkImpl> nets[2];
  std::string errors[2];
  std::thread ranks[2];
  for (int r = 0; r < 2; ++r)
    ranks[r] = std::thread([&, r] {
      try {
        auto group = DataParallel::over_file(r, 2, store);
        // Rank 1 starts from other weights: rank 0's broadcast replaces them.
        nets[r] = make_seeded_network(*space, arch, r == 0 ? 7 : 8);
        TrainOptions ro = o;
        ro.parallel = group.get();
        train(*nets[r], path, data, norm, ro);
        group->barrier();
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  std::filesystem::remove(store);
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  std::printf("[2 ranks x batch 8 vs 1 process x batch 16, 8 steps] max |weight diff| %.2g, between ranks %.2g\n",
              max_diff(*nets[0], *reference), max_diff(*nets[0], *nets[1]));
  EXPECT_LT(max_diff(*nets[0], *reference), 1e-5);
  EXPECT_LT(max_diff(*nets[0], *nets[1]), 1e-6);
  EXPECT_GT(max_diff(*reference, *make_seeded_network(*space, arch, 7)), 1e-3);  // it did train
}

TEST(DataParallel, RefusesABatchThatDoesNotSplitAndBadRanks) {
  EXPECT_THROW(DataParallel::over_file(2, 2, "/tmp/x"), Error);
  EXPECT_THROW(DataParallel::over_tcp(0, 2, "127.0.0.1", 0), Error);
}

}  // namespace
}  // namespace hwnas
