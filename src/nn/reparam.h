// Structural reparameterisation: linear layers that follow each other
// collapse into one (thesis chapter 5, Domino; thesis-digest section 3.2).
// Every fold here works on a convolution written out as ConvParams and is
// exact: the folded convolution computes the same function, up to float
// rounding, as the layers it replaces (tests/nn/reparam_test.cpp checks
// each identity on random weights and inputs).
//
//   Conv + BN (or any per-channel affine)   W' = W s, b' = b s + t
//   depthwise conv                          a dense kernel, diagonal in the channels
//   Conv o Conv                             one kernel of size K1 + K2 - 1, same padding,
//                                           the stride on the one k x k conv
//   + identity residual                     1 added at the kernel's centre, channel c -> c
//
// One caveat the thesis leaves out: same-padding the intermediate tensor
// with zeros does not commute with the first conv's bias, so a composed
// fold is exact only when the second conv sees its input padded with that
// bias ("bias padding", run_conv's pad_value); when only one conv of the
// chain is larger than 1x1, as in an MB block, that makes it exact.
//
// fold_batchnorm applies the Conv + BN fold to a whole built network for
// deployment: the profiler and the measure stage time folded networks when
// the target asks for it (`local:fold=1`, `hwnas run --fold`).
#pragma once

#include <torch/torch.h>

namespace hwnas {

/// A 2-D convolution with same padding (k / 2 each side): weight [out, in /
/// groups, k, k] (odd k), bias [out] (zeros when the layer had none).
struct ConvParams {
  torch::Tensor weight, bias;
  int stride = 1;
  int groups = 1;
  int kernel() const { return static_cast<int>(weight.size(2)); }
  int out_channels() const { return static_cast<int>(weight.size(0)); }
  int in_channels() const { return static_cast<int>(weight.size(1)) * groups; }
};

/// A convolution of `weight` (bias zeros), checking the shape.
ConvParams conv_params(const torch::Tensor& weight, int stride = 1, int groups = 1);

/// y = scale * x + shift per channel: BatchNorm in inference, or a grafted
/// affine activation.
struct ChannelAffine {
  torch::Tensor scale, shift;
};
/// BatchNorm's inference-time affine: scale = gamma / sqrt(var + eps),
/// shift = beta - mean * scale.
ChannelAffine batchnorm_affine(const torch::Tensor& gamma, const torch::Tensor& beta, const torch::Tensor& mean,
                               const torch::Tensor& var, double eps = 1e-5);

/// Runs `c` on x [N, in, H, W]. With `pad_value` [in] the input is padded
/// with that value per channel instead of zeros (bias padding).
torch::Tensor run_conv(const torch::Tensor& x, const ConvParams& c, const torch::Tensor& pad_value = {});

/// `a` applied after `c`: one convolution.
ConvParams fold_affine(const ConvParams& c, const ChannelAffine& a);
/// A grouped (e.g. depthwise) convolution as a dense one: zeros off the groups.
ConvParams to_dense(const ConvParams& c);
/// `second` after `first` as one dense convolution of kernel K1 + K2 - 1.
/// The stride may sit on either conv when the other is 1x1 (a 1x1 conv
/// commutes with subsampling); when both are larger than 1x1, `first` must
/// have stride 1. Exact when `second` runs with bias padding (pad_value =
/// first's bias) or when first's bias is zero or `second` is 1x1.
ConvParams compose(const ConvParams& first, const ConvParams& second);
/// `c` plus the identity (a residual around it): needs in == out, stride 1.
ConvParams add_identity(const ConvParams& c);

/// A module that can collapse its linear layers into fewer once trained:
/// Domino's grafted MB block (nn/blocks.cpp) becomes one dense conv.
class Reparameterizable {
 public:
  virtual ~Reparameterizable() = default;
  /// Collapses what can be collapsed (after fold_batchnorm); returns how
  /// many collapses it made (0 when nothing applies).
  virtual int reparameterize() = 0;
};

/// Folds every BatchNorm that directly follows a convolution in `net` (a
/// stand-alone network or block, in eval mode) into that convolution, which
/// gains a bias, and makes the BatchNorm an identity. Returns the number
/// of BatchNorms folded. Refuses a module in training mode.
int fold_batchnorm(torch::nn::Module& net);
/// fold_batchnorm, then every Reparameterizable module collapsed: the
/// network as deployed. Returns the number of folds.
int fold_network(torch::nn::Module& net);

}  // namespace hwnas
