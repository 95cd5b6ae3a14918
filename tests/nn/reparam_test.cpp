// Every fold of nn/reparam.h against the layers it replaces, on random
// weights and inputs: max |difference| < 1e-4 (thesis-digest 3.2).
#include "nn/reparam.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "nn/network.h"
#include "nn/slim.h"
#include "tests/support/random_batchnorms.h"

namespace hwnas {
namespace {

constexpr double kTol = 1e-4;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

/// A random conv of `in` -> `out` channels, kernel k, with a random bias.
ConvParams random_conv(int in, int out, int k, int stride = 1, int groups = 1) {
  ConvParams c = conv_params(torch::randn({out, in / groups, k, k}) * 0.3, stride, groups);
  c.bias = torch::randn({out}) * 0.2;
  return c;
}

ChannelAffine random_bn(int channels) {
  return batchnorm_affine(torch::rand({channels}) + 0.5, torch::randn({channels}) * 0.1, torch::randn({channels}) * 0.2,
                          torch::rand({channels}) + 0.5);
}

torch::Tensor apply(const ChannelAffine& a, const torch::Tensor& y) {
  return y * a.scale.view({1, -1, 1, 1}) + a.shift.view({1, -1, 1, 1});
}

TEST(Reparam, ConvBnFoldsAtEveryStrideAndGrouping) {
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({2, 8, 9, 9});
  for (int stride : {1, 2})
    for (int groups : {1, 8})
      for (int k : {1, 3, 5}) {
        const ConvParams c = random_conv(8, 8, k, stride, groups);
        const ChannelAffine bn = random_bn(8);
        EXPECT_LT(max_diff(run_conv(x, fold_affine(c, bn)), apply(bn, run_conv(x, c))), kTol)
            << "k " << k << " stride " << stride << " groups " << groups;
      }
}

TEST(Reparam, DepthwiseAsADiagonalDenseKernel) {
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({2, 6, 7, 7});
  const ConvParams dw = random_conv(6, 6, 3, 2, 6);
  const ConvParams dense = to_dense(dw);
  EXPECT_EQ(dense.groups, 1);
  EXPECT_EQ(dense.weight.size(1), 6);
  EXPECT_LT(max_diff(run_conv(x, dense), run_conv(x, dw)), kTol);
  // Off the diagonal the dense kernel is zero.
  EXPECT_EQ(dense.weight[0][1].abs().sum().item<double>(), 0.0);
}

TEST(Reparam, PointwiseThenKxKWithBiasPaddingIsExact) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({2, 4, 10, 10});
  for (int stride : {1, 2}) {
    const ConvParams pw = random_conv(4, 6, 1);
    const ConvParams kk = random_conv(6, 5, 3, stride);
    const ConvParams both = compose(pw, kk);
    EXPECT_EQ(both.kernel(), 3);
    EXPECT_EQ(both.stride, stride);  // the stride stays on the k x k conv
    const torch::Tensor two_step = run_conv(run_conv(x, pw), kk, pw.bias);
    EXPECT_LT(max_diff(run_conv(x, both), two_step), kTol) << "stride " << stride;
    // Zero padding of the intermediate does not commute with the bias: the
    // border pixels differ, the interior does not.
    const torch::Tensor zero_padded = run_conv(run_conv(x, pw), kk);
    EXPECT_GT(max_diff(run_conv(x, both), zero_padded), 1e-3);
    const int n = static_cast<int>(zero_padded.size(2));
    EXPECT_LT(max_diff(run_conv(x, both).narrow(2, 1, n - 2).narrow(3, 1, n - 2),
                       zero_padded.narrow(2, 1, n - 2).narrow(3, 1, n - 2)),
              kTol);
  }
}

TEST(Reparam, KxKThenPointwiseIsExactAtAnyStride) {
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({2, 5, 11, 11});
  for (int stride : {1, 2}) {
    const ConvParams kk = random_conv(5, 7, 5, stride);
    const ConvParams pw = random_conv(7, 3, 1);
    const ConvParams both = compose(kk, pw);
    EXPECT_EQ(both.kernel(), 5);
    EXPECT_EQ(both.stride, stride);
    EXPECT_LT(max_diff(run_conv(x, both), run_conv(run_conv(x, kk), pw)), kTol);
  }
}

TEST(Reparam, KxKThenKxKGrowsTheKernelAndDiffersOnlyAtTheBorder) {
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({1, 3, 12, 12});
  ConvParams a = random_conv(3, 4, 3);
  a.bias.zero_();
  const ConvParams b = random_conv(4, 2, 3, 2);
  const ConvParams both = compose(a, b);
  EXPECT_EQ(both.kernel(), 5);
  EXPECT_EQ(both.stride, 2);
  const torch::Tensor folded = run_conv(x, both), two_step = run_conv(run_conv(x, a), b);
  // Output pixels whose 5x5 window lies inside the image agree exactly.
  EXPECT_LT(max_diff(folded.narrow(2, 1, 4).narrow(3, 1, 4), two_step.narrow(2, 1, 4).narrow(3, 1, 4)), kTol);
  EXPECT_THROW(compose(random_conv(3, 4, 3, 2), random_conv(4, 2, 3)), Error);  // k x k after a strided conv
  EXPECT_THROW(compose(random_conv(3, 4, 1), random_conv(5, 2, 3)), Error);     // channels do not chain
}

TEST(Reparam, IdentityResidualAtTheKernelCentre) {
  torch::manual_seed(6);
  const torch::Tensor x = torch::randn({2, 6, 8, 8});
  const ConvParams c = random_conv(6, 6, 3, 1, 6);  // depthwise
  EXPECT_LT(max_diff(run_conv(x, add_identity(c)), run_conv(x, c) + x), kTol);
  EXPECT_THROW(add_identity(random_conv(6, 6, 3, 2)), Error);
  EXPECT_THROW(add_identity(random_conv(6, 4, 3)), Error);
}

// A grafted MobileNetV2 block (1x1 + BN, dw k x k + BN, 1x1 + BN, linear
// activations, identity residual) folds into one dense k x k conv with the
// block's stride; the dw conv runs on its input padded with the first
// unit's folded bias (bias padding), as a grafted block trains.
TEST(Reparam, GraftedMbBlockFoldsToOneConv) {
  torch::manual_seed(7);
  for (int stride : {1, 2}) {
    const int cin = 8, mid = 24, cout = stride == 1 ? 8 : 12;
    const torch::Tensor x = torch::randn({2, cin, 9, 9});
    const ConvParams pw1 = fold_affine(random_conv(cin, mid, 1), random_bn(mid));
    const ConvParams dw = fold_affine(random_conv(mid, mid, 5, stride, mid), random_bn(mid));
    const ConvParams pw2 = fold_affine(random_conv(mid, cout, 1), random_bn(cout));
    torch::Tensor block = run_conv(run_conv(run_conv(x, pw1), dw, pw1.bias), pw2);
    ConvParams folded = compose(compose(pw1, dw), pw2);
    if (stride == 1) {
      block = block + x;
      folded = add_identity(folded);
    }
    EXPECT_EQ(folded.kernel(), 5);
    EXPECT_EQ(folded.stride, stride);
    EXPECT_EQ(folded.in_channels(), cin);
    EXPECT_EQ(folded.out_channels(), cout);
    EXPECT_LT(max_diff(run_conv(x, folded), block), kTol) << "stride " << stride;
  }
}

// The folded stand-alone network of every built-in space computes what the
// unfolded one does.
TEST(Reparam, FoldedNetworksOfEveryBuiltInSpace) {
  for (const char* spec : {"hsconas:depths=1/1/2/1,channels=16/32/48/64,stem=8,head=32",
                           "hurricane:depths=1/1/1/1,channels=16/32/48/64,stem=8,head=32",
                           "mbv2:depths=1/1/1/1/1/1/1,head=32", "domino:depths=1/2/1/1/1/1/1,head=32",
                           "nb201:C=4,N=1,in_channels=1,in_size=28"}) {
    auto space = make_space(spec);
    Rng rng(11);
    for (int i = 0; i < 3; ++i) {
      const Arch arch = space->sample(rng);
      torch::manual_seed(i);
      auto net = make_network(*space, arch);
      randomise_batchnorms(*net);
      net->eval();
      const torch::Tensor x = torch::randn({4, space->backbone.in_channels, space->backbone.in_size, space->backbone.in_size});
      torch::NoGradGuard no_grad;
      const torch::Tensor before = net->forward(x);
      const int folded = fold_network(*net);
      EXPECT_GT(folded, 0) << spec;
      EXPECT_LT(max_diff(net->forward(x), before), kTol) << spec << " " << space->format(arch);
      EXPECT_EQ(fold_network(*net), 0);  // nothing left to fold
    }
  }
  auto space = make_space("mbv2:depths=1/1/1/1/1/1/1,head=32");
  auto net = make_network(*space, space->largest());
  EXPECT_THROW(fold_batchnorm(*net), Error);  // in training mode
}

// Domino: every grafted block of a network collapses into one dense conv
// (its three convs, three BatchNorms and the residual), and the network
// still computes what it did; kept blocks only lose their BatchNorms.
TEST(Reparam, GraftedBlocksCollapseIntoOneConvEach) {
  auto space = make_space("domino:depths=1/2/1/1/2/1/1,head=32,widths=1.5");
  const Arch arch = space->parse("g3e6,mb3e6,g3e6,g3e6,mb3e6,g3e6,g3e6,mb3e6,g3e6");
  torch::manual_seed(3);
  auto net = make_network(*space, arch);
  randomise_batchnorms(*net);
  net->eval();
  const torch::Tensor x = torch::randn({3, 1, 28, 28});
  torch::NoGradGuard no_grad;
  const torch::Tensor before = net->forward(x);
  fold_network(*net);
  int collapsed = 0;
  for (const auto& p : net->named_modules())
    if (p.key().size() >= 7 && p.key().compare(p.key().size() - 7, 7, ".folded") == 0) ++collapsed;
  EXPECT_EQ(collapsed, 6);
  EXPECT_LT(max_diff(net->forward(x), before), kTol);
}

// Domino-Pro: grafted blocks trained wider inside (graft_expand) fold to the
// same dense convs as the plain ones: the deployed network has the same
// parameter shapes, and still computes what the wide one did.
TEST(Reparam, WiderGraftedBlocksFoldToTheSameNetwork) {
  const char* arch = "g3e6,mb3e6,g3e6,g3e6,g3e6,mb3e6,g3e6";
  auto plain_space = make_space("domino:depths=1/1/1/1/1/1/1,head=32");
  auto pro_space = make_space("domino:depths=1/1/1/1/1/1/1,head=32,graft_expand=12");
  EXPECT_EQ(pro_space->ops[1].name, "g3e12");
  const std::string pro_arch = "g3e12,mb3e6,g3e12,g3e12,g3e12,mb3e6,g3e12";
  auto plain = make_network(*plain_space, plain_space->parse(arch));
  auto pro = make_network(*pro_space, pro_space->parse(pro_arch));
  EXPECT_GT(count_parameters(*pro), count_parameters(*plain));  // wider while training
  for (auto* net : {&plain, &pro}) {
    randomise_batchnorms(**net);
    (*net)->eval();
  }
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  torch::NoGradGuard no_grad;
  const torch::Tensor before = pro->forward(x);
  fold_network(*plain);
  fold_network(*pro);
  EXPECT_LT(max_diff(pro->forward(x), before), kTol);
  // What the folded forward runs: a grafted block's one dense conv (its
  // trained convs stay as unused members), everything else as it was.
  auto deployed = [](const std::shared_ptr<NetworkImpl>& net) {
    std::vector<std::pair<std::string, std::vector<int64_t>>> out;
    for (const auto& p : net->named_parameters()) {
      const std::string& k = p.key();
      const bool grafted_block = k.rfind("l1_", 0) == 0 || k.rfind("l3_", 0) == 0 || k.rfind("l4_", 0) == 0 ||
                                 k.rfind("l5_", 0) == 0 || k.rfind("l7_", 0) == 0;
      if (!grafted_block || k.find(".folded.") != std::string::npos) out.emplace_back(k, p.value().sizes().vec());
    }
    return out;
  };
  const auto a = deployed(plain), b = deployed(pro);
  int folded = 0;
  for (const auto& [k, shape] : a) folded += k.find(".folded.") != std::string::npos;
  EXPECT_EQ(folded, 10);  // 5 grafted blocks: a weight and a bias each
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace hwnas
