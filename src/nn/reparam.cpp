#include "nn/reparam.h"

#include <string>

#include "core/error.h"
#include "nn/slim.h"

namespace hwnas {

ConvParams conv_params(const torch::Tensor& weight, int stride, int groups) {
  HWNAS_CHECK(weight.dim() == 4 && weight.size(2) == weight.size(3) && weight.size(2) % 2 == 1,
              "reparam: a conv weight is [out, in / groups, k, k] with odd k, got ", weight.sizes());
  HWNAS_CHECK(groups >= 1 && weight.size(0) % groups == 0, "reparam: ", weight.size(0), " output channels in ", groups,
              " groups");
  HWNAS_CHECK(stride >= 1, "reparam: stride must be >= 1, got ", stride);
  return ConvParams{weight, torch::zeros({weight.size(0)}, weight.options()), stride, groups};
}

ChannelAffine batchnorm_affine(const torch::Tensor& gamma, const torch::Tensor& beta, const torch::Tensor& mean,
                               const torch::Tensor& var, double eps) {
  const torch::Tensor scale = gamma / torch::sqrt(var + eps);
  return ChannelAffine{scale, beta - mean * scale};
}

torch::Tensor run_conv(const torch::Tensor& x, const ConvParams& c, const torch::Tensor& pad_value) {
  const int p = c.kernel() / 2;
  const std::vector<int64_t> stride{c.stride, c.stride}, dilation{1, 1};
  const std::vector<int64_t> same{p, p}, none{0, 0};
  if (!pad_value.defined() || p == 0)
    return torch::conv2d(x, c.weight, c.bias, stride, at::IntArrayRef(same), dilation, c.groups);
  // Padding x - v with zeros and adding v back pads with v, keeps x inside.
  const torch::Tensor v = pad_value.view({1, -1, 1, 1});
  const torch::Tensor padded = torch::constant_pad_nd(x - v, {p, p, p, p}) + v;
  return torch::conv2d(padded, c.weight, c.bias, stride, at::IntArrayRef(none), dilation, c.groups);
}

ConvParams fold_affine(const ConvParams& c, const ChannelAffine& a) {
  HWNAS_CHECK(a.scale.numel() == c.out_channels() && a.shift.numel() == c.out_channels(), "reparam: an affine of ",
              a.scale.numel(), " channels after a conv of ", c.out_channels());
  ConvParams out = c;
  out.weight = c.weight * a.scale.view({-1, 1, 1, 1});
  out.bias = c.bias * a.scale + a.shift;
  return out;
}

ConvParams to_dense(const ConvParams& c) {
  if (c.groups == 1) return c;
  const int64_t out = c.out_channels(), per_in = c.weight.size(1), per_out = out / c.groups;
  torch::Tensor w = torch::zeros({out, per_in * c.groups, c.kernel(), c.kernel()}, c.weight.options());
  for (int g = 0; g < c.groups; ++g)
    w.narrow(0, g * per_out, per_out).narrow(1, g * per_in, per_in).copy_(c.weight.narrow(0, g * per_out, per_out));
  return ConvParams{w, c.bias, c.stride, 1};
}

ConvParams compose(const ConvParams& first, const ConvParams& second) {
  const ConvParams f = to_dense(first), s = to_dense(second);
  HWNAS_CHECK(s.in_channels() == f.out_channels(), "reparam: a conv of ", s.in_channels(), " inputs after one of ",
              f.out_channels(), " outputs");
  const int k2 = s.kernel();
  // A k x k conv after a strided one would see a subsampled grid, which no
  // single conv on the input computes.
  HWNAS_CHECK(k2 == 1 || f.stride == 1, "reparam: a ", k2, "x", k2, " conv after a strided conv does not fold");
  // W*[c3, c1] = sum over c2 of the full 2-D convolution of W2[c3, c2] with
  // W1[c2, c1]: a cross-correlation of W1 (c1 as the batch, padded by
  // K2 - 1) with W2 flipped.
  const torch::Tensor x = torch::constant_pad_nd(f.weight.permute({1, 0, 2, 3}), {k2 - 1, k2 - 1, k2 - 1, k2 - 1});
  const torch::Tensor w = torch::conv2d(x, s.weight.flip({2, 3})).permute({1, 0, 2, 3}).contiguous();
  const torch::Tensor b = s.bias + torch::matmul(s.weight.sum({2, 3}), f.bias);
  return ConvParams{w, b, k2 == 1 ? f.stride * s.stride : s.stride, 1};
}

ConvParams add_identity(const ConvParams& c) {
  ConvParams d = to_dense(c);
  HWNAS_CHECK(d.in_channels() == d.out_channels() && d.stride == 1,
              "reparam: an identity residual needs in == out channels and stride 1, got ", d.in_channels(), " -> ",
              d.out_channels(), " at stride ", d.stride);
  d.weight = d.weight.clone();
  const int m = d.kernel() / 2;
  d.weight.select(3, m).select(2, m).add_(torch::eye(d.out_channels(), d.weight.options()));
  return d;
}

namespace {

}  // namespace

int fold_batchnorm(torch::nn::Module& net) {
  HWNAS_CHECK(!net.is_training(), "fold_batchnorm: folding uses BatchNorm's running statistics; call eval() first");
  torch::NoGradGuard no_grad;
  int folded = 0;
  for (const auto& m : net.modules(/*include_self=*/true)) {
    const auto children = m->named_children();
    for (const auto& child : children) {
      const std::string& name = child.key();
      if (name.size() < 4 || name.compare(name.size() - 4, 4, "conv") != 0) continue;
      const auto* bn_holder = children.find(name.substr(0, name.size() - 4) + "bn");
      if (bn_holder == nullptr) continue;
      auto* bn = (*bn_holder)->as<SlimBatchNorm2dImpl>();
      if (bn == nullptr || bn->folded) continue;
      auto* conv = child.value()->as<SlimConv2dImpl>();
      if (conv == nullptr) continue;
      conv->fold_affine(bn->inference_scale(), bn->inference_shift());
      bn->folded = true;
      ++folded;
    }
  }
  return folded;
}

int fold_network(torch::nn::Module& net) {
  int folded = fold_batchnorm(net);
  for (const auto& m : net.modules(/*include_self=*/true))
    if (auto* r = dynamic_cast<Reparameterizable*>(m.get())) folded += r->reparameterize();
  return folded;
}

}  // namespace hwnas
