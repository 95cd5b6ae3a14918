// Networks written into an ONNX graph (export/onnx_graph.h): the helpers
// every module's write_onnx uses, and the entry points for a whole
// stand-alone network. BatchNorm is folded as it is written (each conv's
// weights and bias are its inference-time fold, nn/reparam.h), and a grafted
// MB block is written as its one collapsed conv, so the file is the network
// as deployed whether or not fold_network ran on it.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "export/onnx_graph.h"
#include "nn/reparam.h"

namespace hwnas {

class NetworkImpl;
struct Backbone;

/// A tensor's values and shape, copied to the host as float.
OnnxWeights onnx_weights(const torch::Tensor& t);
/// One convolution with same padding.
OnnxValue write_conv(OnnxGraph& g, const OnnxValue& x, const ConvParams& c);

/// Names the exported graph's input and output carry.
inline constexpr const char* kOnnxInputName = "image";
inline constexpr const char* kOnnxOutputName = "logits";

/// The stand-alone network (eval-mode statistics) as a checked, serialised
/// ONNX model: input "image" [N, in_channels, in_size, in_size], output
/// "logits" [N, classes]. `name` becomes the graph's name.
/// `metadata` goes into the model's metadata_props.
std::string export_onnx(NetworkImpl& net, const Backbone& b, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& metadata = {});
/// Any module's writer (a block, a stem, a head: what the profiler times)
/// from an input of `input_shape` [C, H, W], the same way.
std::string export_onnx(const std::function<OnnxValue(OnnxGraph&, const OnnxValue&)>& write,
                        const std::vector<int64_t>& input_shape, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& metadata = {});

}  // namespace hwnas
