#include "nn/network.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/search_space.h"

namespace hwnas {
namespace {

TEST(Network, SupernetPathEqualsStandaloneWithCopiedWeights) {
  torch::manual_seed(0);
  auto space = make_space("hsconas");
  auto super = make_supernet(*space);
  // Perturb BN stats and affine params so the copy is really checked.
  {
    torch::NoGradGuard g;
    for (auto& b : super->named_buffers()) if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
    for (auto& p : super->named_parameters()) if (p.key().find("bn") != std::string::npos) p.value().uniform_(0.5, 1.5);
  }
  super->eval();
  Rng rng(11);
  const torch::Tensor x = torch::randn({3, 1, 28, 28});
  for (int i = 0; i < 6; ++i) {
    const Arch a = space->sample(rng);
    auto net = make_network(*space, a);
    net->inherit_from(*super);
    net->eval();
    torch::NoGradGuard g;
    const torch::Tensor ys = super->forward(x, a), yn = net->forward(x);
    EXPECT_TRUE(torch::allclose(ys, yn, 1e-4, 1e-5)) << space->format(a);
    EXPECT_LT(count_parameters(*net), count_parameters(*super));
  }
}

TEST(Network, EveryOpAndWidthKeepsShapes) {
  torch::manual_seed(0);
  auto space = make_space("hsconas:widths=4");
  auto super = make_supernet(*space);
  super->eval();
  torch::NoGradGuard g;
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  for (int o = 0; o < static_cast<int>(space->ops.size()); ++o) {
    for (int w = 0; w < 4; ++w) {
      Arch a = space->largest();
      for (int l = 0; l < space->num_layers(); ++l) {
        const auto& ops = space->layers[l].ops;
        if (std::find(ops.begin(), ops.end(), o) != ops.end()) a.genes[l] = {o, w};
      }
      a = space->canonical(a);
      EXPECT_EQ(super->forward(x, a).sizes(), (std::vector<int64_t>{2, 10})) << space->format(a);
    }
  }
}

// The ShuffleNetV2 kernels of a layer share one superkernel: k3 runs the
// centre 3x3 of k7's depthwise weights, so changing that centre changes the
// k3 path, and changing only k7's outer ring leaves it alone.
TEST(Network, KernelsOfALayerShareTheCentreOfOneSuperkernel) {
  torch::manual_seed(0);
  auto space = make_space("hsconas");
  auto super = make_supernet(*space);
  super->eval();
  auto params = super->named_parameters(true);
  ASSERT_NE(params.find("l2_shuffle.dw_conv.weight"), nullptr);
  EXPECT_EQ(params.find("l2_k3.dw_conv.weight"), nullptr);
  torch::Tensor w = params["l2_shuffle.dw_conv.weight"];
  ASSERT_EQ(w.size(2), 7);
  Arch a = space->largest();
  a.genes[1].op = space->op_index("k3");
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  torch::NoGradGuard g;
  const torch::Tensor y0 = super->forward(x, a);
  w.narrow(2, 0, 2).add_(1.0);  // outer ring rows only
  EXPECT_TRUE(torch::equal(super->forward(x, a), y0));
  w.narrow(2, 3, 1).narrow(3, 3, 1).add_(1.0);  // the centre tap
  EXPECT_FALSE(torch::equal(super->forward(x, a), y0));
}

}  // namespace
}  // namespace hwnas
