#include "nn/onnx_export.h"

#include "core/error.h"
#include "core/search_space.h"
#include "nn/network.h"

namespace hwnas {

OnnxWeights onnx_weights(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
  OnnxWeights w;
  w.shape.assign(c.sizes().begin(), c.sizes().end());
  w.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return w;
}

OnnxValue write_conv(OnnxGraph& g, const OnnxValue& x, const ConvParams& c) {
  return g.conv(x, onnx_weights(c.weight), c.bias.defined() ? onnx_weights(c.bias) : OnnxWeights{}, c.stride,
                c.groups);
}

std::string export_onnx(NetworkImpl& net, const Backbone& b, const std::string& name) {
  HWNAS_CHECK(!net.is_supernet(), "export: a supernet has no single network to write; export a stand-alone one");
  torch::NoGradGuard no_grad;
  OnnxGraph g(name);
  const OnnxValue x = g.input(kOnnxInputName, {b.in_channels, b.in_size, b.in_size});
  g.output(net.write_onnx(g, x), kOnnxOutputName);
  return g.serialize();
}

}  // namespace hwnas
