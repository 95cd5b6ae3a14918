// The differentiable supernet's sampling: hard Gumbel-softmax with
// straight-through gradients, SurgeNAS's ordered sampler, and gradients
// reaching the logits through the network.
#include <gtest/gtest.h>

#include <set>

#include "core/search_space.h"
#include "nn/diff_supernet.h"

namespace hwnas {
namespace {

TEST(GumbelSoftmaxHard, IsOneHotWithTheSoftmaxGradient) {
  torch::manual_seed(0);
  const torch::Tensor alpha = torch::randn({3, 4}, torch::kDouble).requires_grad_(true);
  const torch::Tensor g = torch::randn({3, 4}, torch::kDouble);
  const torch::Tensor c = torch::randn({3, 4}, torch::kDouble);
  const double tau = 0.7;
  const torch::Tensor y = gumbel_softmax_hard(torch::log_softmax(alpha, 1), g, tau);
  EXPECT_TRUE(torch::allclose(y.detach().sum(1), torch::ones({3}, torch::kDouble)));
  EXPECT_EQ(y.detach().eq(1).sum().item<int>(), 3);
  (y * c).sum().backward();
  // Straight-through: the gradient is the soft sample's, checked by central differences.
  auto soft = [&](const torch::Tensor& a) {
    return (torch::softmax((torch::log_softmax(a, 1) + g) / tau, 1) * c).sum().item<double>();
  };
  const double h = 1e-6;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      torch::Tensor up = alpha.detach().clone(), down = alpha.detach().clone();
      up[i][j] += h;
      down[i][j] -= h;
      EXPECT_NEAR(alpha.grad()[i][j].item<double>(), (soft(up) - soft(down)) / (2 * h), 1e-6);
    }
}

TEST(OrderedSample, TrainsEveryOpOnceAndRenormalises) {
  torch::manual_seed(1);
  const torch::Tensor alpha = torch::randn({5, 7});
  torch::Tensor allowed = torch::ones({5, 7}, torch::kBool);
  allowed[4][5] = false;  // a layer with 6 ops: the seventh path starts it over
  allowed[4][6] = false;
  Rng rng(3);
  const std::vector<torch::Tensor> paths = ordered_sample(alpha, allowed, 1.0, 7, rng);
  ASSERT_EQ(paths.size(), 7u);
  for (int l = 0; l < 4; ++l) {
    std::set<int64_t> ops;
    for (const torch::Tensor& p : paths) ops.insert(p[l].argmax().item<int64_t>());
    EXPECT_EQ(ops.size(), 7u) << "layer " << l;
  }
  std::set<int64_t> last;
  for (int i = 0; i < 5; ++i) last.insert(paths[i][4].argmax().item<int64_t>());
  EXPECT_EQ(last.size(), 5u);
  for (const torch::Tensor& p : paths) {
    EXPECT_FALSE(p[4][5].item<double>() == 1.0 || p[4][6].item<double>() == 1.0);
    EXPECT_TRUE(torch::allclose(p.detach().sum(1), torch::ones({5})));
  }
}

TEST(OrderedSample, LaterPathsDrawFromTheRenormalisedRest) {
  // With one op dominant, the first path takes it and the second the runner-up.
  torch::Tensor alpha = torch::tensor({{40.0, 20.0, 0.0}});  // gaps no Gumbel draw bridges
  const torch::Tensor allowed = torch::ones({1, 3}, torch::kBool);
  Rng rng(0);
  const auto paths = ordered_sample(alpha, allowed, 0.01, 3, rng);
  EXPECT_EQ(paths[0][0].argmax().item<int64_t>(), 0);
  EXPECT_EQ(paths[1][0].argmax().item<int64_t>(), 1);
  EXPECT_EQ(paths[2][0].argmax().item<int64_t>(), 2);
}

TEST(DiffSupernet, GradientsReachTheLogitsThroughEveryLayer) {
  const auto space = make_space("mbv2:depths=1/1/1/1/1/1/1,channels=8/8/16/16/16/24/24,head=32");
  torch::manual_seed(0);
  DiffSupernet net(*space);
  ArchLogits logits(*space);
  Rng rng(5);
  for (double phi : {0.0, 2.0}) {
    logits->alpha.mutable_grad() = torch::Tensor();
    const torch::Tensor path = logits->sample(1.0, rng);
    const torch::Tensor out = net->forward(torch::randn({4, 1, 28, 28}), path, phi);
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{4, 10}));
    torch::nn::functional::cross_entropy(out, torch::tensor({1, 2, 3, 4})).backward();
    const torch::Tensor g = logits->alpha.grad();
    ASSERT_TRUE(g.defined());
    // With phi = 0 the path entry scales a layer's whole output, and a layer
    // whose successor starts with a conv + train-mode BatchNorm (no
    // residual) sees only BatchNorm's eps-sized gradient, which may round to
    // 0; the identity paths of phi > 0 carry one through every layer.
    int reached = 0;
    for (int l = 0; l < space->num_layers(); ++l) reached += g[l].abs().sum().item<double>() > 0;
    if (phi > 0) EXPECT_EQ(reached, space->num_layers());
    else EXPECT_GE(reached, 1);
  }
  EXPECT_EQ(path_arch(*space, arch_one_hot(*space, logits->argmax_arch(*space))), logits->argmax_arch(*space));
}

TEST(DiffSupernet, ThePathsSkipIsAProjectionWhereShapesChange) {
  const auto space = make_space("mbv2");
  Arch all_skip;
  for (int l = 0; l < space->num_layers(); ++l) all_skip.genes.push_back({space->op_index("skip"), 0});
  DiffSupernet net(*space);
  const torch::Tensor out = net->forward(torch::randn({2, 1, 28, 28}), arch_one_hot(*space, all_skip), 0.0);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 10}));
}

}  // namespace
}  // namespace hwnas
