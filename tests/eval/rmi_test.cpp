#include "eval/rmi.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/search_space.h"
#include "core/spaces/nb201.h"

namespace hwnas {
namespace {

std::vector<torch::Tensor> random_maps(int n) {
  return {torch::randn({n, 4, 6, 6}), torch::randn({n, 8, 3, 3}), torch::randn({n, 16, 2, 2})};
}

/// Rotates the channel dimension of [n, c, h, w] by a random orthogonal matrix.
torch::Tensor rotate_channels(const torch::Tensor& x) {
  const auto qr = torch::linalg_qr(torch::randn({x.size(1), x.size(1)}));
  const torch::Tensor q = std::get<0>(qr);
  return torch::einsum("nchw,dc->ndhw", {x, q});
}

TEST(Rmi, SelfSimilarityIsTheNumberOfLayers) {
  torch::manual_seed(0);
  const auto f = random_maps(10);
  EXPECT_NEAR(rmi_score(f, f).item<double>(), 3.0, 1e-9);
  EXPECT_NEAR(linear_cka(f[1], f[1]).item<double>(), 1.0, 1e-9);
}

TEST(Rmi, InvariantToOrthogonalTransformsAndScaleOfTheFeatures) {
  torch::manual_seed(1);
  const auto a = random_maps(12);
  // b: a noisy version of a, so the similarity is neither 0 nor 1.
  std::vector<torch::Tensor> b;
  for (const auto& t : a) b.push_back(t + 1.5 * torch::randn_like(t));
  const double base = rmi_score(a, b).item<double>();
  EXPECT_GT(base, 0.3);
  EXPECT_LT(base, 2.9);
  std::vector<torch::Tensor> rotated, scaled;
  for (const auto& t : b) {
    rotated.push_back(rotate_channels(t));
    scaled.push_back(3.5 * t);
  }
  EXPECT_NEAR(rmi_score(a, rotated).item<double>(), base, 1e-5);
  EXPECT_NEAR(rmi_score(a, scaled).item<double>(), base, 1e-6);
  // A per-channel (non-orthogonal) rescaling does change it: the test can fail.
  std::vector<torch::Tensor> skewed;
  for (const auto& t : b) skewed.push_back(t * torch::linspace(0.1, 5, t.size(1)).view({1, -1, 1, 1}));
  EXPECT_GT(std::abs(rmi_score(a, skewed).item<double>() - base), 1e-3);
}

TEST(Rmi, BoundedAndZeroForConstantRepresentations) {
  torch::manual_seed(2);
  for (int trial = 0; trial < 5; ++trial) {
    const auto a = random_maps(8), b = random_maps(8);
    const double v = rmi_score(a, b).item<double>();
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 3.0);
  }
  const auto a = random_maps(8);
  std::vector<torch::Tensor> zeros;
  for (const auto& t : a) zeros.push_back(torch::zeros_like(t).requires_grad_());
  const torch::Tensor phi = rmi_score(a, zeros);
  EXPECT_EQ(phi.item<double>(), 0.0);
  phi.backward();
  for (const auto& z : zeros) EXPECT_TRUE(torch::isfinite(z.grad()).all().item<bool>());
  // Mismatched layer counts or batch sizes are user errors.
  EXPECT_THROW(rmi_score(a, {a[0]}), Error);
  EXPECT_THROW(linear_cka(torch::randn({4, 3}), torch::randn({5, 3})), Error);
}

class RmiProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    space = make_space("nb201:C=4,N=1,in_channels=1,in_size=8");
    ref_arch = space->largest(space->op_index("nor_conv_3x3"));
    reference = make_network(*space, ref_arch);
    images = torch::randn({8, 1, 8, 8});
    labels = torch::arange(8, torch::kLong) % 10;
  }
  std::unique_ptr<SearchSpace> space;
  Arch ref_arch;
  std::shared_ptr<NetworkImpl> reference;
  torch::Tensor images, labels;
};

TEST_F(RmiProxyTest, ScoresAreDeterministicCachedAndBounded) {
  RmiOptions o;
  o.steps = 3;
  RmiProxy p1(*space, *reference, ref_arch, images, labels, o);
  RmiProxy p2(*space, *reference, ref_arch, images, labels, o);
  EXPECT_EQ(p1.num_layers(), 3);
  const Arch a = space->parse(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
  const double v = p1.accuracy(a);
  EXPECT_GT(v, 0.0);
  EXPECT_LE(v, 3.0);
  EXPECT_EQ(p2.accuracy(a), v);
  EXPECT_EQ(p1.accuracy(a), v);
  EXPECT_EQ(p1.evaluations(), 1);
  o.seed = 9;
  RmiProxy p3(*space, *reference, ref_arch, images, labels, o);
  EXPECT_NE(p3.accuracy(a), v);
}

TEST_F(RmiProxyTest, TrainingOnTheBatchRaisesTheSimilarity) {
  const Arch a = space->parse(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|");
  RmiOptions o;
  o.beta = 1.0;
  o.steps = 0;
  const RmiResult before = RmiProxy(*space, *reference, ref_arch, images, labels, o).score(a);
  o.steps = 15;
  const RmiResult after = RmiProxy(*space, *reference, ref_arch, images, labels, o).score(a);
  EXPECT_GT(after.rmi, before.rmi + 0.05) << before.rmi << " -> " << after.rmi;
  ASSERT_EQ(after.per_layer.size(), 3u);
  // beta = 0 trains on the task loss alone: it falls.
  o.beta = 0.0;
  const RmiResult task = RmiProxy(*space, *reference, ref_arch, images, labels, o).score(a);
  EXPECT_LT(task.task_loss, before.task_loss);
}

TEST_F(RmiProxyTest, AllNoneCandidateScoresZero) {
  RmiOptions o;
  o.steps = 2;
  RmiProxy p(*space, *reference, ref_arch, images, labels, o);
  Arch none;
  for (int e = 0; e < kNb201NumEdges; ++e) none.genes.push_back({space->op_index("none"), 0});
  EXPECT_EQ(p.accuracy(none), 0.0);
  o.beta = 2;
  EXPECT_THROW(RmiProxy(*space, *reference, ref_arch, images, labels, o), Error);
}

}  // namespace
}  // namespace hwnas
