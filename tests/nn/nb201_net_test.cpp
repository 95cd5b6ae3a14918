#include "nn/nb201_net.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/search_space.h"
#include "core/spaces/nb201.h"

namespace hwnas {
namespace {

constexpr const char* kTiny = "nb201:C=4,N=1,in_channels=1,in_size=8";

Arch all_op(const SearchSpace& space, const std::string& op) {
  Arch a;
  for (int e = 0; e < kNb201NumEdges; ++e) a.genes.push_back({space.op_index(op), 0});
  return a;
}

TEST(Nb201Net, SupernetPathEqualsStandaloneWithCopiedWeights) {
  torch::manual_seed(0);
  auto space = make_space("nb201:C=4,N=2,in_channels=1,in_size=8");
  auto super = make_supernet(*space);
  ASSERT_TRUE(super->is_supernet());
  {  // perturb BN stats and affine params so the copy is really checked
    torch::NoGradGuard g;
    for (auto& b : super->named_buffers())
      if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
    for (auto& p : super->named_parameters())
      if (p.key().find("bn") != std::string::npos || p.key().find("classifier.bias") != std::string::npos)
        p.value().uniform_(0.5, 1.5);
  }
  super->eval();
  const torch::Tensor x = torch::randn({3, 1, 8, 8});
  Rng rng(5);
  std::vector<Arch> archs = {all_op(*space, "nor_conv_3x3"), space->parse(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"),
      // node 1 is zero and feeds ops: NB201's conv of a zero map is BN's shift
      space->parse("|none~0|+|none~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|")};
  for (int i = 0; i < 5; ++i) archs.push_back(space->sample(rng));
  for (const Arch& a : archs) {
    auto net = make_network(*space, a);
    net->inherit_from(*super);
    net->eval();
    torch::NoGradGuard g;
    const torch::Tensor ys = super->forward(x, a), yn = net->forward(x);
    EXPECT_TRUE(torch::allclose(ys, yn, 1e-4, 1e-5)) << space->format(a);
    EXPECT_LT(count_parameters(*net), count_parameters(*super));
  }
}

TEST(Nb201Net, EveryOpOnEveryEdgeKeepsShapes) {
  torch::manual_seed(0);
  for (const char* spec : {"nb201:C=4,N=1,in_channels=1,in_size=8", "nb201:C=4,N=1,in_channels=3,in_size=7"}) {
    auto space = make_space(spec);
    const int size = space->backbone.in_size, c = space->backbone.in_channels;
    auto super = std::dynamic_pointer_cast<Nb201NetImpl>(make_supernet(*space));
    ASSERT_TRUE(super);
    const torch::Tensor x = torch::randn({2, c, size, size});
    const int s2 = (size + 1) / 2, s3 = (s2 + 1) / 2;
    for (int e = 0; e < kNb201NumEdges; ++e) {
      for (int o = 0; o < static_cast<int>(space->ops.size()); ++o) {
        Arch a = all_op(*space, "skip_connect");
        a.genes[e].op = o;
        const Nb201Output out = super->forward_features(x, a);
        EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{2, 10})) << space->format(a);
        ASSERT_EQ(out.features.size(), 3u);
        EXPECT_EQ(out.features[0].sizes(), (std::vector<int64_t>{2, 4, size, size}));
        EXPECT_EQ(out.features[1].sizes(), (std::vector<int64_t>{2, 8, s2, s2}));
        EXPECT_EQ(out.features[2].sizes(), (std::vector<int64_t>{2, 16, s3, s3}));
      }
    }
  }
}

TEST(Nb201Net, AllNoneArchOutputsTheClassifierBias) {
  torch::manual_seed(0);
  auto space = make_space(kTiny);
  const Arch none = all_op(*space, "none");
  auto net = make_network(*space, none);
  torch::Tensor bias;
  {
    torch::NoGradGuard g;
    for (auto& p : net->named_parameters())
      if (p.key() == "classifier.bias") bias = p.value().uniform_(-1, 1);
  }
  ASSERT_TRUE(bias.defined());
  const torch::Tensor x = torch::randn({4, 1, 8, 8});
  for (bool training : {true, false}) {
    net->train(training);
    const torch::Tensor y = net->forward(x);
    EXPECT_TRUE(torch::allclose(y, bias.unsqueeze(0).expand({4, 10}))) << "training=" << training;
  }
  // Nothing but the stem, the reductions, BN and the classifier.
  const auto conv_edges = [&](const NetworkImpl& n) {
    int k = 0;
    for (auto& p : n.named_parameters()) k += p.key().find("_nor_conv_") != std::string::npos;
    return k;
  };
  EXPECT_EQ(conv_edges(*net), 0);
  EXPECT_GT(conv_edges(*make_network(*space, all_op(*space, "nor_conv_1x1"))), 0);
}

TEST(Nb201Net, ConvOfAZeroNodeIsTheBatchNormShift) {
  // Node 1 = none(x) = 0; node 2 = conv1x1(node 1) = BN(conv(relu(0))) = BN's
  // shift in training mode; node 3 = skip(node 2). Every cell then outputs
  // that constant, so with N=1 stage 1's feature map is beta everywhere.
  torch::manual_seed(0);
  auto space = make_space(kTiny);
  const Arch a = space->parse("|none~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|");
  auto net = std::dynamic_pointer_cast<Nb201NetImpl>(make_network(*space, a));
  torch::Tensor beta;
  {
    torch::NoGradGuard g;
    for (auto& p : net->named_parameters())
      if (p.key() == "cell0.e3_nor_conv_1x1.bn.bias") beta = p.value().uniform_(1, 2);
  }
  ASSERT_TRUE(beta.defined());
  net->train();
  const torch::Tensor f = net->forward_features(torch::randn({2, 1, 8, 8}), a).features[0];
  EXPECT_TRUE(torch::allclose(f, beta.view({1, 4, 1, 1}).expand_as(f)));
}

TEST(Nb201Net, StandaloneRejectsOpsItDoesNotHold) {
  auto space = make_space(kTiny);
  auto net = make_network(*space, all_op(*space, "nor_conv_3x3"));
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  EXPECT_THROW(net->forward(x, all_op(*space, "avg_pool_3x3")), Error);
  EXPECT_NO_THROW(net->forward(x));
}

TEST(Nb201Net, LargestCifarNetworkHasNb201ParameterCount) {
  // NAS-Bench-201's CIFAR-10 TinyNetwork (C=16, N=5) with nor_conv_3x3 on
  // every edge: 1,531,546 parameters, the benchmark's largest (1.53 MB).
  auto space = make_space("nb201");
  auto net = make_network(*space, all_op(*space, "nor_conv_3x3"));
  EXPECT_EQ(count_parameters(*net), 1531546);
  // Parameter-free ops add nothing: all-avg-pool is stem + reductions + head.
  auto pool = make_network(*space, all_op(*space, "avg_pool_3x3"));
  EXPECT_EQ(count_parameters(*pool), 464 + 14464 + 57600 + 128 + 650);
}

TEST(Nb201Net, TrainsOneStepAlongAPath) {
  torch::manual_seed(1);
  auto space = make_space(kTiny);
  auto super = make_supernet(*space);
  const Arch a = space->parse(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
  const torch::Tensor x = torch::randn({4, 1, 8, 8});
  const torch::Tensor y = torch::tensor({0, 1, 2, 3}, torch::kLong);
  torch::nn::functional::cross_entropy(super->forward(x, a), y).backward();
  int with_grad = 0, without = 0;
  for (auto& p : super->named_parameters()) {
    const bool on_path = p.key().find("cell0.e1_nor_conv_3x3") != std::string::npos;
    const bool off_path = p.key().find("cell0.e1_nor_conv_1x1") != std::string::npos;
    if (on_path) with_grad += p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
    if (off_path) without += p.value().grad().defined();
  }
  EXPECT_GT(with_grad, 0);
  EXPECT_EQ(without, 0);
}

}  // namespace
}  // namespace hwnas
