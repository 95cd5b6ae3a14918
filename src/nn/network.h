// Networks of a search space: the weight-sharing supernet and stand-alone
// networks for one arch. The arch is always an argument of forward, never
// hidden module state.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/search_space.h"
#include "export/onnx_graph.h"
#include "nn/slim.h"

namespace hwnas {

class NetworkImpl : public torch::nn::Module {
 public:
  /// x: [N, C, H, W] images -> [N, classes] logits along the path of `arch`.
  virtual torch::Tensor forward(const torch::Tensor& x, const Arch& arch) = 0;
  /// Stand-alone networks know their arch; a supernet throws.
  virtual torch::Tensor forward(const torch::Tensor& x);
  /// Copies the weights this stand-alone network shares with `supernet`
  /// (channel prefixes of the chosen path).
  virtual void inherit_from(const NetworkImpl& supernet);
  /// Writes this stand-alone network's inference pass into `g` from its
  /// input `x` (nn/onnx_export.h); returns the logits. A supernet throws.
  virtual OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const = 0;
  bool is_supernet() const { return supernet_; }
  const Arch& arch() const { return arch_; }

 protected:
  bool supernet_ = true;
  Arch arch_;  ///< stand-alone networks only
};

/// The fixed stem of chain networks: 3x3 conv (stride) + BN + ReLU, then a
/// 3x3 / stride-2 max-pool when the backbone asks for it. One definition for
/// the networks and for the latency profiler (which times it alone).
class StemImpl : public torch::nn::Module {
 public:
  explicit StemImpl(const Backbone& b);
  /// x: [N, in_channels, H, W] -> [N, stem_channels, H', W'].
  torch::Tensor forward(const torch::Tensor& x);
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const;

 private:
  bool pool_ = false;
  SlimConv2d conv_{nullptr};     ///< gains a bias when folded (nn/reparam.h)
  SlimBatchNorm2d bn_{nullptr};
};
TORCH_MODULE(Stem);

/// The fixed head of chain networks: 1x1 conv + BN + ReLU (when
/// b.head_channels > 0), global average pooling, fully connected classifier.
class HeadImpl : public torch::nn::Module {
 public:
  HeadImpl(const Backbone& b, int in_channels);
  /// x: [N, in_channels, H, W] -> [N, num_classes] logits.
  torch::Tensor forward(const torch::Tensor& x);
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const;

 private:
  SlimConv2d conv_{nullptr};
  SlimBatchNorm2d bn_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(Head);

/// The stem of `b`'s networks, freshly initialised.
Stem make_stem(const Backbone& b);
/// The head of `b`'s networks reading `in_channels` channels, freshly initialised.
Head make_head(const Backbone& b, int in_channels);

/// Every candidate of every layer at maximum width, weights shared.
std::shared_ptr<NetworkImpl> make_supernet(const SearchSpace& space);
/// A stand-alone network for `arch` with fresh weights.
std::shared_ptr<NetworkImpl> make_network(const SearchSpace& space, const Arch& arch);
/// The same, its initial weights drawn from (base, arch) under the torch
/// seed lock (with_torch_seed): one network whatever ran before, on any thread.
std::shared_ptr<NetworkImpl> make_seeded_network(const SearchSpace& space, const Arch& arch, uint64_t base);

/// Resets every BatchNorm's running stats and switches it to a cumulative
/// average (momentum < 0) or back to `momentum`.
void reset_batchnorm(torch::nn::Module& net);
void set_batchnorm_momentum(torch::nn::Module& net, double momentum);

int64_t count_parameters(const torch::nn::Module& net);

}  // namespace hwnas
