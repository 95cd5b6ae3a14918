// The 32 HURRICANE operators as modules: every op builds in every layer
// context (stride 1 / 2, same / wider channels), keeps shapes, is sliceable
// by `mid` (a wide block run narrow equals the narrow block with copied
// weights), and costs exactly what core/flops.h says: MACs observed from the
// conv2d / linear calls it makes, parameters from its weights.
#include <ATen/record_function.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/flops.h"
#include "core/search_space.h"
#include "nn/blocks.h"
#include "nn/network.h"
#include "nn/slim.h"

namespace hwnas {
namespace {

int64_t g_macs = 0;  // filled by the callback below (function pointers, no captures)

void count_end(const at::RecordFunction& fn, at::ObserverContext*) {
  const std::string name = fn.name();
  if (name != "aten::conv2d" && name != "aten::linear") return;
  const auto inputs = fn.inputs();
  const auto& outputs = fn.outputs();
  if (inputs.size() < 2 || outputs.empty() || !inputs[1].isTensor() || !outputs[0].isTensor()) return;
  const at::Tensor& w = inputs[1].toTensor();
  g_macs += outputs[0].toTensor().numel() * (w.numel() / w.size(0));
}

/// Runs the block once in eval mode under NoGrad and counts its MACs.
torch::Tensor run_counting(BlockImpl& block, const torch::Tensor& x, int mid, int64_t* macs) {
  g_macs = 0;
  auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(nullptr, count_end).needsInputs(true).needsOutputs(true));
  torch::Tensor y;
  {
    torch::NoGradGuard g;
    y = block.forward(x, mid);
  }
  at::removeCallback(handle);
  *macs = g_macs;
  return y;
}

void perturb(torch::nn::Module& m) {
  torch::NoGradGuard g;
  for (auto& b : m.named_buffers()) if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
  for (auto& p : m.named_parameters())
    if (p.key().find("bn") != std::string::npos) p.value().uniform_(0.5, 1.5);
}

int64_t params_of(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters(true)) n += p.numel();
  return n;
}

struct Context {
  int cin, cout, stride, size;
};

TEST(HurricaneOps, EveryOpBuildsSlicesAndMatchesItsFlops) {
  torch::manual_seed(0);
  auto space = make_space("hurricane");
  // Same channels at stride 1 (residual / split), widening at stride 1 and 2, odd size.
  const Context contexts[] = {{8, 8, 1, 6}, {8, 16, 1, 5}, {8, 24, 2, 7}, {16, 32, 2, 4}};
  for (const OpDef& op : space->ops) {
    for (const Context& c : contexts) {
      LayerSpec l;
      l.cin = c.cin;
      l.cout = c.cout;
      l.stride = c.stride;
      l.in_h = l.in_w = c.size;
      // Full width as SearchSpace::mid_channels would give it.
      const int max_mid = traits(op.kind).max_mid(c.cin, c.cout, op.expand);
      const std::string what = op.name + " " + std::to_string(c.cin) + "->" + std::to_string(c.cout) +
                               " s" + std::to_string(c.stride);
      auto wide = make_block(op, l, max_mid);
      perturb(*wide);
      wide->eval();
      const torch::Tensor x = torch::randn({2, c.cin, c.size, c.size});
      // Full width: shape, FLOPs and parameters.
      OpSpec spec;
      spec.kind = op.kind;
      spec.kernel = op.kernel;
      spec.expand = op.expand;
      spec.se = op.se;
      spec.cin = c.cin;
      spec.cout = c.cout;
      spec.mid = max_mid;
      spec.stride = c.stride;
      spec.h = spec.w = c.size;
      spec.batch = 2;
      int64_t macs = 0;
      const torch::Tensor y = run_counting(*wide, x, max_mid, &macs);
      const int out_size = (c.size + c.stride - 1) / c.stride;
      EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, c.cout, out_size, out_size})) << what;
      const Cost cost = op_cost(spec);
      EXPECT_EQ(cost.macs, macs) << what;
      EXPECT_EQ(cost.params, params_of(*wide)) << what;
      if (!op.scalable) continue;
      // Narrow: the wide block run at mid equals a block built at mid with copied weights.
      const int mid = std::max(1, max_mid / 2 + 1);
      auto narrow = make_block(op, l, mid);
      copy_prefix(*narrow, *wide);
      narrow->eval();
      int64_t macs_wide = 0, macs_narrow = 0;
      const torch::Tensor yw = run_counting(*wide, x, mid, &macs_wide);
      const torch::Tensor yn = run_counting(*narrow, x, mid, &macs_narrow);
      EXPECT_TRUE(torch::allclose(yw, yn, 1e-4, 1e-5)) << what << " mid " << mid;
      EXPECT_EQ(macs_wide, macs_narrow) << what;  // slicing, not masking
      spec.mid = mid;
      EXPECT_EQ(op_cost(spec).macs, macs_narrow) << what;
      EXPECT_EQ(op_cost(spec).params, params_of(*narrow)) << what;
    }
  }
}

TEST(HurricaneOps, SeChangesTheFunctionAndMbE1NeedsFullWidth) {
  torch::manual_seed(1);
  auto space = make_space("hurricane");
  LayerSpec l;
  l.cin = l.cout = 8;
  l.in_h = l.in_w = 5;
  const torch::Tensor x = torch::randn({1, 8, 5, 5});
  auto plain = make_block(space->ops[space->op_index("mb3e3")], l, 24);
  auto se = make_block(space->ops[space->op_index("mb3e3_se")], l, 24);
  copy_prefix(*plain, *se);  // same convs, se keeps its extra SE weights
  plain->eval();
  se->eval();
  torch::NoGradGuard g;
  EXPECT_FALSE(torch::allclose(plain->forward(x, 24), se->forward(x, 24)));
  EXPECT_THROW(make_block(space->ops[space->op_index("mb3e1")], l, 4), Error);
  // A narrow MobileNetV2 (x0.1 of e = 6) expands to fewer channels than it takes in.
  auto narrow = make_block(space->ops[space->op_index("mb3e6")], l, 5);
  narrow->eval();
  EXPECT_EQ(narrow->forward(x, 5).sizes(), x.sizes());
}

TEST(HurricaneOps, SupernetPathEqualsStandaloneWithCopiedWeights) {
  torch::manual_seed(0);
  // A narrow hurricane backbone keeps the test fast; every op appears in some arch.
  auto space = make_space("hurricane:channels=8/16/24/32,stem=4,head=32");
  auto super = make_supernet(*space);
  perturb(*super);
  super->eval();
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  Rng rng(5);
  for (int i = 0; i < 4; ++i) {
    Arch a = space->sample(rng);
    for (int l = 0; l < space->num_layers(); ++l) a.genes[l].op = (i * 20 + l * 3) % 32;
    auto net = make_network(*space, a);
    net->inherit_from(*super);
    net->eval();
    torch::NoGradGuard g;
    const torch::Tensor ys = super->forward(x, a), yn = net->forward(x);
    EXPECT_EQ(ys.sizes(), (std::vector<int64_t>{2, 10}));
    EXPECT_TRUE(torch::allclose(ys, yn, 1e-4, 1e-5)) << space->format(a);
    EXPECT_EQ(arch_cost(*space, a, 1).params, count_parameters(*net)) << space->format(a);
  }
}

// The 32 ops of a layer live in three blocks (shuffle, mb, sep), and MB's
// kernels and expansions share one depthwise superkernel: mb3e1 runs the
// centre 3x3 of the first cin channels of mb7e6's 7x7 weights.
TEST(HurricaneOps, MbOpsOfALayerShareOneSuperkernel) {
  torch::manual_seed(0);
  auto space = make_space("hurricane:channels=8/16/24/32,stem=4,head=32");
  auto super = make_supernet(*space);
  super->eval();
  auto params = super->named_parameters(true);
  for (const char* block : {"l6_shuffle.pw2_conv.weight", "l6_mb.dw_conv.weight", "l6_sep.dw1_conv.weight"})
    EXPECT_NE(params.find(block), nullptr) << block;
  EXPECT_EQ(params.find("l6_mb3e3.dw_conv.weight"), nullptr);
  torch::Tensor w = params["l6_mb.dw_conv.weight"];  // layer 6: 16 -> 16 channels, e up to 6
  ASSERT_EQ(w.size(0), 96);
  ASSERT_EQ(w.size(2), 7);
  Rng rng(1);
  Arch a = space->sample(rng);
  a.genes[5].op = space->op_index("mb3e1");
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  torch::NoGradGuard g;
  const torch::Tensor y0 = super->forward(x, a);
  w.narrow(0, 16, 80).add_(1.0);                // channels beyond cin
  w.narrow(0, 0, 16).narrow(2, 0, 2).add_(1.0);  // the outer rows of the first cin
  EXPECT_TRUE(torch::equal(super->forward(x, a), y0));
  w.narrow(0, 0, 1).narrow(2, 3, 1).narrow(3, 3, 1).add_(1.0);  // channel 0's centre tap
  EXPECT_FALSE(torch::equal(super->forward(x, a), y0));
}

}  // namespace
}  // namespace hwnas
