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

}  // namespace
}  // namespace hwnas
