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

std::string export_onnx(const std::function<OnnxValue(OnnxGraph&, const OnnxValue&)>& write,
                        const std::vector<int64_t>& input_shape, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& metadata) {
  torch::NoGradGuard no_grad;
  OnnxGraph g(name);
  for (const auto& [k, v] : metadata) g.metadata(k, v);
  const OnnxValue x = g.input(kOnnxInputName, input_shape);
  g.output(write(g, x), kOnnxOutputName);
  return g.serialize();
}

std::string export_onnx(NetworkImpl& net, const Backbone& b, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& metadata) {
  HWNAS_CHECK(!net.is_supernet(), "export: a supernet has no single network to write; export a stand-alone one");
  return export_onnx([&](OnnxGraph& g, const OnnxValue& x) { return net.write_onnx(g, x); },
                     {b.in_channels, b.in_size, b.in_size}, name, metadata);
}

}  // namespace hwnas
