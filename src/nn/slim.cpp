#include "nn/slim.h"

#include "core/error.h"
#include "nn/data_parallel.h"
#include "nn/reparam.h"

namespace hwnas {

SlimConv2dImpl::SlimConv2dImpl(int max_in, int max_out, int kernel, int stride, bool depthwise)
    : max_in_(max_in), max_out_(max_out), kernel_(kernel), stride_(stride), depthwise_(depthwise) {
  HWNAS_ASSERT(!depthwise || max_in == max_out);
  weight_ = register_parameter(
      "weight", torch::empty({max_out, depthwise ? 1 : max_in, kernel, kernel}));
  torch::nn::init::kaiming_normal_(weight_, 0.0, torch::kFanOut, torch::kReLU);
}

void SlimConv2dImpl::slice(int64_t in, int& out, int& kernel, torch::Tensor* w, torch::Tensor* b) const {
  if (out == 0) out = max_out_;
  if (kernel == 0) kernel = kernel_;
  HWNAS_CHECK(kernel <= kernel_ && kernel % 2 == kernel_ % 2, "conv: kernel ", kernel,
              " is not a centred window of ", kernel_);
  HWNAS_CHECK(in <= max_in_ && out <= max_out_, "conv: ", in, " -> ", out, " channels in a conv of ", max_in_,
              " -> ", max_out_);
  if (depthwise_) {
    *w = weight_.narrow(0, 0, in);
    out = static_cast<int>(in);
  } else {
    *w = weight_.narrow(0, 0, out).narrow(1, 0, in);
  }
  if (kernel < kernel_) {
    const int off = (kernel_ - kernel) / 2;
    *w = w->narrow(2, off, kernel).narrow(3, off, kernel);
  }
  *b = bias_.defined() ? bias_.narrow(0, 0, out) : torch::Tensor();
}

torch::Tensor SlimConv2dImpl::forward(const torch::Tensor& x, int out, int kernel, const torch::Tensor& pad_value) {
  const int64_t in = x.size(1);
  torch::Tensor w, b;
  slice(in, out, kernel, &w, &b);
  if (pad_value.defined()) return run_conv(x, ConvParams{w, b, stride_, depthwise_ ? static_cast<int>(in) : 1},
                                           pad_value.narrow(0, 0, in));
  return torch::conv2d(x, w, b, stride_, kernel / 2, /*dilation=*/1, depthwise_ ? in : 1);
}

ConvParams SlimConv2dImpl::params(int in, int out, int kernel) const {
  torch::Tensor w, b;
  slice(in, out, kernel, &w, &b);
  ConvParams c = conv_params(w.detach(), stride_, depthwise_ ? in : 1);
  if (b.defined()) c.bias = b.detach();
  return c;
}

void SlimConv2dImpl::assign(const torch::Tensor& weight, const torch::Tensor& bias) {
  HWNAS_CHECK(weight.sizes() == weight_.sizes() && bias.dim() == 1 && bias.size(0) == max_out_, "conv assign: weight ",
              weight.sizes(), " and bias ", bias.sizes(), " for a conv of ", weight_.sizes());
  torch::NoGradGuard no_grad;
  weight_.copy_(weight);
  if (bias_.defined()) bias_.copy_(bias);
  else bias_ = register_parameter("bias", bias.clone());
}

void SlimConv2dImpl::fold_affine(const torch::Tensor& scale, const torch::Tensor& shift) {
  HWNAS_CHECK(scale.numel() == max_out_ && shift.numel() == max_out_, "conv fold: ", scale.numel(),
              " channels of affine for ", max_out_, " outputs");
  torch::NoGradGuard no_grad;
  weight_.mul_(scale.view({-1, 1, 1, 1}));
  if (bias_.defined()) bias_.mul_(scale).add_(shift);
  else bias_ = register_parameter("bias", shift.clone());
}

void SlimConv2dImpl::init_identity() {
  torch::NoGradGuard no_grad;
  weight_.zero_();
  const int c = kernel_ / 2;
  if (depthwise_) {
    weight_.select(2, c).select(2, c).fill_(1);
  } else {
    for (int i = 0; i < std::min(max_in_, max_out_); ++i) weight_[i][i][c][c] = 1;
  }
}

SlimBatchNorm2dImpl::SlimBatchNorm2dImpl(int max_channels) {
  weight_ = register_parameter("weight", torch::ones({max_channels}));
  bias_ = register_parameter("bias", torch::zeros({max_channels}));
  running_mean_ = register_buffer("running_mean", torch::zeros({max_channels}));
  running_var_ = register_buffer("running_var", torch::ones({max_channels}));
}

torch::Tensor SlimBatchNorm2dImpl::forward(const torch::Tensor& x) {
  if (folded) return x;
  const int64_t c = x.size(1);
  // Data-parallel training: statistics of the whole batch, over every rank.
  if (DataParallel* group = sync_batchnorm_group(); group != nullptr && is_training() && momentum >= 0)
    return sync_batch_norm(x, weight_.narrow(0, 0, c), bias_.narrow(0, 0, c), running_mean_.narrow(0, 0, c),
                           running_var_.narrow(0, 0, c), momentum, kEps, *group);
  // narrow() views share storage, so batch_norm's in-place running-stat
  // update lands in the full buffers.
  return torch::batch_norm(x, weight_.narrow(0, 0, c), bias_.narrow(0, 0, c),
                           running_mean_.narrow(0, 0, c), running_var_.narrow(0, 0, c),
                           is_training(), momentum, kEps, /*cudnn_enabled=*/false);
}

torch::Tensor SlimBatchNorm2dImpl::inference_scale() const {
  if (folded) return torch::ones_like(weight_);
  return (weight_ / torch::sqrt(running_var_ + kEps)).detach();
}

torch::Tensor SlimBatchNorm2dImpl::inference_shift() const {
  if (folded) return torch::zeros_like(bias_);
  return (bias_ - running_mean_ * inference_scale()).detach();
}

ChannelAffine SlimBatchNorm2dImpl::affine(int channels) const {
  return ChannelAffine{inference_scale().narrow(0, 0, channels), inference_shift().narrow(0, 0, channels)};
}

void SlimBatchNorm2dImpl::reset_running_stats() {
  torch::NoGradGuard no_grad;
  running_mean_.zero_();
  running_var_.fill_(1);
}

torch::Tensor channel_shuffle(const torch::Tensor& x) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  return x.view({n, 2, c / 2, h, w}).transpose(1, 2).reshape({n, c, h, w});
}

namespace {

void copy_prefix_tensor(torch::Tensor dst, const torch::Tensor& src, const std::string& name) {
  HWNAS_CHECK(dst.dim() == src.dim(), "weight copy: ", name, " has rank ", dst.dim(), " vs ",
              src.dim());
  torch::Tensor s = src;
  for (int64_t d = 0; d < dst.dim(); ++d) {
    HWNAS_CHECK(dst.size(d) <= s.size(d), "weight copy: ", name, " is wider than its source");
    // Spatial dims of a conv weight: the centre (superkernel); channels: the prefix.
    const int64_t start = d >= 2 ? (s.size(d) - dst.size(d)) / 2 : 0;
    s = s.narrow(d, start, dst.size(d));
  }
  dst.copy_(s);
}

}  // namespace

void copy_prefix(torch::nn::Module& dst, const torch::nn::Module& src) {
  torch::NoGradGuard no_grad;
  auto src_params = src.named_parameters(true);
  for (auto& p : dst.named_parameters(true)) {
    const torch::Tensor* s = src_params.find(p.key());
    HWNAS_CHECK(s != nullptr, "weight copy: source has no parameter ", p.key());
    copy_prefix_tensor(p.value(), *s, p.key());
  }
  auto src_buffers = src.named_buffers(true);
  for (auto& b : dst.named_buffers(true)) {
    const torch::Tensor* s = src_buffers.find(b.key());
    HWNAS_CHECK(s != nullptr, "weight copy: source has no buffer ", b.key());
    copy_prefix_tensor(b.value(), *s, b.key());
  }
}

}  // namespace hwnas
