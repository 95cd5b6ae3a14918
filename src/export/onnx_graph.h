// An ONNX model written op by op. Networks write themselves into it
// (NetworkImpl::write_onnx, nn/onnx_export.h) the way their forward pass
// runs, with BatchNorm already folded into the convolutions, so the file
// holds inference ops only: Conv, Relu, Clip, Add, Mul, Concat, Split,
// Reshape/Transpose (the channel shuffle), pooling, HardSigmoid/HardSwish,
// Flatten, Gemm, BatchNormalization (NB201's last BN, which no conv precedes).
//
// Opset 10, the input's batch dimension symbolic ("N"), every other
// dimension fixed. Shapes are tracked here (without the batch), so a
// writer never has to ask the tensor. This header includes neither ONNX's
// protobuf types nor LibTorch.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hwnas {

/// The opset every exported model declares. 10, the last in which Clip
/// takes its bounds as attributes: OpenCV 4.6 (Debian 12) imports ReLU6 only
/// in that form, and every op written here exists in opset 10 unchanged.
inline constexpr int kOnnxOpset = 10;

/// One tensor of the graph: its name and its shape without the batch.
struct OnnxValue {
  std::string name;
  std::vector<int64_t> shape;  ///< [C, H, W] for feature maps, [F] after Flatten
};

/// Constant weights: row-major data of `shape`.
struct OnnxWeights {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(const std::string& graph_name);
  ~OnnxGraph();
  OnnxGraph(const OnnxGraph&) = delete;
  OnnxGraph& operator=(const OnnxGraph&) = delete;

  /// The model's input [N, shape...]; one per graph.
  OnnxValue input(const std::string& name, const std::vector<int64_t>& shape);
  /// Marks `v` as the model's output, renamed `name` (an Identity node).
  void output(const OnnxValue& v, const std::string& name);

  /// Node names get `prefix` + "/" while a Scope lives ("l3_mb/conv_2"):
  /// an exported file reads like the network's modules.
  class Scope {
   public:
    Scope(OnnxGraph& g, const std::string& prefix);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    OnnxGraph& g_;
    size_t saved_;
  };

  /// Same-padded (k / 2) convolution: weight [out, in / groups, k, k], bias [out] or empty.
  OnnxValue conv(const OnnxValue& x, const OnnxWeights& weight, const OnnxWeights& bias, int stride, int groups);
  OnnxValue relu(const OnnxValue& x);
  /// min(max(x, lo), hi): ReLU6 is clip(x, 0, 6).
  OnnxValue clip(const OnnxValue& x, float lo, float hi);
  OnnxValue add(const OnnxValue& a, const OnnxValue& b);
  /// Element-wise product; `b` may broadcast ([C, 1, 1] against [C, H, W]).
  OnnxValue mul(const OnnxValue& a, const OnnxValue& b);
  /// x times a constant.
  OnnxValue scale(const OnnxValue& x, float factor);
  /// Concatenation along the channels.
  OnnxValue concat(const std::vector<OnnxValue>& xs);
  /// The two channel halves of x.
  std::pair<OnnxValue, OnnxValue> split_channels(const OnnxValue& x);
  /// ShuffleNetV2's shuffle with 2 groups: reshape [N, 2, C/2, H, W], swap, reshape back.
  OnnxValue channel_shuffle(const OnnxValue& x);
  OnnxValue max_pool(const OnnxValue& x, int kernel, int stride, int pad);
  OnnxValue avg_pool(const OnnxValue& x, int kernel, int stride, int pad, bool ceil_mode, bool count_include_pad);
  /// [C, H, W] -> [C, 1, 1].
  OnnxValue global_avg_pool(const OnnxValue& x);
  /// [C, H, W] -> [C H W].
  OnnxValue flatten(const OnnxValue& x);
  /// x [F] -> x W^T + b: weight [out, F], bias [out].
  OnnxValue gemm(const OnnxValue& x, const OnnxWeights& weight, const OnnxWeights& bias);
  /// torch's hardsigmoid: clip(x / 6 + 1/2, 0, 1).
  OnnxValue hard_sigmoid(const OnnxValue& x);
  /// torch's hardswish: x hardsigmoid(x).
  OnnxValue hard_swish(const OnnxValue& x);
  /// Inference BatchNorm with its statistics (where no conv precedes it to fold into).
  OnnxValue batch_norm(const OnnxValue& x, const OnnxWeights& gamma, const OnnxWeights& beta,
                       const OnnxWeights& mean, const OnnxWeights& var, float eps);

  /// A key/value pair in the model's metadata (what the input expects, the
  /// arch, its accuracy): readers such as Netron and onnxruntime show them.
  void metadata(const std::string& key, const std::string& value);

  /// Nodes written so far.
  int num_nodes() const;
  /// The model, checked by onnx::checker::check_model, serialised.
  /// Throws hwnas::Error with the checker's message when it fails, or when
  /// the graph has no input or output.
  std::string serialize() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes `bytes` (a serialised model) to `path` atomically.
void save_onnx(const std::string& path, const std::string& bytes);
/// What a model file holds, read back (for `hwnas export --info` and tests):
/// opset, input and output names, node count, op types with their counts.
struct OnnxSummary {
  int opset = 0;
  std::string input, output;
  std::vector<int64_t> input_shape;  ///< -1 for a symbolic dimension
  int nodes = 0;
  std::vector<std::pair<std::string, int>> op_counts;  ///< sorted by op type
  int64_t parameters = 0;                               ///< elements in the initializers
  std::vector<std::pair<std::string, std::string>> metadata;
};
/// Parses and checks a serialised model; throws hwnas::Error naming `origin`.
OnnxSummary summarize_onnx(const std::string& bytes, const std::string& origin);

}  // namespace hwnas
