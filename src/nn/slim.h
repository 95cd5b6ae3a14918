// Sliceable layers: parameters are allocated at the maximum channel count and
// a forward pass uses a prefix of the channels (HSCoNAS dynamic channel
// scaling by slicing, not by masking, so a narrow path costs what it should).
#pragma once

#include <torch/torch.h>

#include "nn/reparam.h"

namespace hwnas {

/// Conv2d whose weight is [max_out, max_in / groups, k, k]; forward uses the
/// first `out` output and `in` input channels. Depthwise when depthwise=true.
class SlimConv2dImpl : public torch::nn::Module {
 public:
  SlimConv2dImpl(int max_in, int max_out, int kernel, int stride, bool depthwise);
  /// x: [N, in, H, W] -> [N, out, H', W'] (out 0 = max_out); for depthwise
  /// out == in. `kernel` < the built kernel uses the centred kernel x kernel
  /// window of the weights (a superkernel shared by several kernel sizes);
  /// 0 = all.
  /// With `pad_value` [in] the input is padded with that value per channel
  /// instead of zeros (bias padding, nn/reparam.h).
  torch::Tensor forward(const torch::Tensor& x, int out = 0, int kernel = 0, const torch::Tensor& pad_value = {});
  int max_out() const { return max_out_; }
  /// The convolution forward runs on `in` input channels with `out` (0 =
  /// max_out) outputs and a centred `kernel` (0 = all): weight, bias (zeros
  /// when the conv has none), stride, groups. What export writes.
  ConvParams params(int in, int out = 0, int kernel = 0) const;
  /// Re-initialises the weights as the identity (a depthwise kernel that is
  /// 1 at its centre; a pointwise conv that maps channel i to channel i).
  void init_identity();
  /// Folds y = scale * conv(x) + shift (per output channel, all max_out of
  /// them) into the weights and a bias, which the conv gains (nn/reparam.h).
  void fold_affine(const torch::Tensor& scale, const torch::Tensor& shift);
  /// Replaces the weights [max_out, max_in / groups, k, k] and sets the bias [max_out].
  void assign(const torch::Tensor& weight, const torch::Tensor& bias);
  const torch::Tensor& weight() const { return weight_; }
  const torch::Tensor& bias() const { return bias_; }  ///< undefined: none
  int stride() const { return stride_; }
  bool depthwise() const { return depthwise_; }

 private:
  int max_in_, max_out_, kernel_, stride_;
  bool depthwise_;
  /// The weight and bias (undefined when none) forward uses; `out` and `kernel` resolved.
  void slice(int64_t in, int& out, int& kernel, torch::Tensor* w, torch::Tensor* b) const;
  torch::Tensor weight_;
  torch::Tensor bias_;  ///< undefined until a fold gives the conv one
};
TORCH_MODULE(SlimConv2d);

/// BatchNorm2d over the first C of max_channels channels. `momentum` is public
/// so BN recalibration can switch to a cumulative average.
class SlimBatchNorm2dImpl : public torch::nn::Module {
 public:
  explicit SlimBatchNorm2dImpl(int max_channels);
  torch::Tensor forward(const torch::Tensor& x);
  void reset_running_stats();
  /// The inference affine y = scale x + shift of every channel: gamma /
  /// sqrt(var + eps) and beta - mean scale; scale 1 and shift 0 once folded.
  torch::Tensor inference_scale() const;
  torch::Tensor inference_shift() const;
  /// The inference affine of the first `channels` channels.
  ChannelAffine affine(int channels) const;
  double momentum = 0.1;
  static constexpr double kEps = 1e-5;
  /// Folded into the conv before it (fold_batchnorm): forward is the identity.
  bool folded = false;

 private:
  torch::Tensor weight_, bias_, running_mean_, running_var_;
};
TORCH_MODULE(SlimBatchNorm2d);

/// ShuffleNetV2 channel shuffle with 2 groups.
torch::Tensor channel_shuffle(const torch::Tensor& x);

/// Copies every parameter and buffer of `src` into the same-named tensor of
/// `dst`, taking the leading prefix along the channel dimensions (0, 1) and
/// the centred window along spatial ones (a k3 kernel is the centre of k7).
void copy_prefix(torch::nn::Module& dst, const torch::nn::Module& src);

}  // namespace hwnas
