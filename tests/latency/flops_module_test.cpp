// The analytic counts of core/flops.h against the real modules: MACs from
// the weight shape x output size of every conv2d / addmm (linear) the network
// actually runs (observed through ATen's RecordFunction callbacks), and
// parameters from count_parameters().
#include <ATen/record_function.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/flops.h"
#include "core/search_space.h"
#include "nn/network.h"

namespace hwnas {
namespace {

// Filled by the callbacks below (function pointers, no captures). Inputs are
// only readable in the start callback and outputs in the end callback, so the
// start callback keeps what the end callback needs in an ObserverContext.
int64_t g_macs = 0;
int g_conv_depth = 0;  // addmm inside a conv (im2col) is the conv's work, counted once

struct MacContext : at::ObserverContext {
  bool conv = false;
  int64_t per_output = 0;  ///< conv: MACs per output element = weight numel / cout
  int64_t macs = 0;        ///< addmm: known from the input shapes
};

std::unique_ptr<at::ObserverContext> count_start(const at::RecordFunction& fn) {
  const std::string name = fn.name();
  const auto inputs = fn.inputs();
  if (name == "aten::conv2d" && inputs.size() >= 2 && inputs[1].isTensor()) {
    auto ctx = std::make_unique<MacContext>();
    const at::Tensor& w = inputs[1].toTensor();
    ctx->conv = true;
    ctx->per_output = w.numel() / w.size(0);
    ++g_conv_depth;
    return ctx;
  }
  // torch::nn::Linear runs addmm(bias, x [N, in], W^T [in, out]).
  if (name == "aten::addmm" && g_conv_depth == 0 && inputs.size() >= 3 && inputs[1].isTensor()) {
    auto ctx = std::make_unique<MacContext>();
    const at::Tensor& a = inputs[1].toTensor();
    const at::Tensor& b = inputs[2].toTensor();
    ctx->macs = a.size(0) * a.size(1) * b.size(1);
    return ctx;
  }
  return nullptr;
}

void count_end(const at::RecordFunction& fn, at::ObserverContext* c) {
  auto* ctx = static_cast<MacContext*>(c);
  if (ctx == nullptr) return;
  if (ctx->conv) {
    --g_conv_depth;
    const auto& outputs = fn.outputs();
    if (!outputs.empty() && outputs[0].isTensor()) g_macs += outputs[0].toTensor().numel() * ctx->per_output;
  } else {
    g_macs += ctx->macs;
  }
}

int64_t observed_macs(NetworkImpl& net, const torch::Tensor& x) {
  g_macs = 0;
  auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(count_start, count_end).needsInputs(true).needsOutputs(true));
  {
    torch::NoGradGuard g;
    net.forward(x);
  }
  at::removeCallback(handle);
  return g_macs;
}

TEST(FlopsModule, AnalyticCountsMatchTheRealNetworks) {
  torch::manual_seed(0);
  for (const char* spec : {"hsconas", "hsconas:widths=4,channels=24/48/96/192", "hsconas:layout=A,in_size=64",
                           "hurricane"}) {
    auto space = make_space(spec);
    Rng rng(5);
    for (int i = 0; i < 4; ++i) {
      const Arch a = i == 0 ? space->largest() : space->sample(rng);
      auto net = make_network(*space, a);
      net->eval();
      const int batch = 1 + i % 2;
      const torch::Tensor x = torch::randn({batch, space->backbone.in_channels, space->backbone.in_size,
                                            space->backbone.in_size});
      const Cost c = arch_cost(*space, a, batch);
      EXPECT_EQ(c.macs, observed_macs(*net, x)) << spec << " " << space->format(a);
      EXPECT_EQ(c.params, count_parameters(*net)) << spec << " " << space->format(a);
      EXPECT_GT(c.macs, 0);
    }
  }
}

}  // namespace
}  // namespace hwnas
