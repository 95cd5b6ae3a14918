#include "nn/blocks.h"

#include <cmath>

#include "core/error.h"
#include "core/op_spec.h"
#include "nn/onnx_export.h"
#include "nn/reparam.h"
#include "nn/slim.h"

namespace hwnas {
namespace {

/// Activation after a conv + BN unit.
enum class Act { kNone, kRelu, kRelu6 };

/// conv (+BN) (+activation) as one unit, for the sliced branches below.
struct ConvBn {
  SlimConv2d conv{nullptr};
  SlimBatchNorm2d bn{nullptr};
  Act act = Act::kNone;
  torch::Tensor operator()(const torch::Tensor& x, int out, int kernel = 0) {
    torch::Tensor y = linear(x, out, kernel);
    if (act == Act::kRelu) return torch::relu(y);
    if (act == Act::kRelu6) return torch::clamp(y, 0, 6);
    return y;
  }
  /// Without the activation (a grafted unit); the input padded with
  /// `pad_value` per channel when given.
  torch::Tensor linear(const torch::Tensor& x, int out, int kernel = 0, const torch::Tensor& pad_value = {}) {
    return bn->forward(conv->forward(x, out, kernel, pad_value));
  }
  /// What the unit adds to its first `out` channels at inference, its
  /// folded bias: BatchNorm's shift, plus the conv's own bias once folded.
  torch::Tensor shift(int out) const {
    torch::Tensor s = bn->inference_shift();
    if (conv->bias().defined()) s = s + conv->bias().detach() * bn->inference_scale();
    return s.narrow(0, 0, out);
  }
  /// The unit as run on `in` channels with `out` outputs (0 = all) and the
  /// centred `kernel` (0 = all): one convolution with its BatchNorm folded in.
  ConvParams params(int in, int out = 0, int kernel = 0) const {
    ConvParams c = conv->params(in, out, kernel);
    return fold_affine(c, bn->affine(c.out_channels()));
  }
  /// The unit written into an ONNX graph: the folded conv, then the activation.
  OnnxValue write(OnnxGraph& g, const OnnxValue& x, int out, int kernel = 0) const {
    const OnnxValue y = write_conv(g, x, params(static_cast<int>(x.shape[0]), out, kernel));
    if (act == Act::kRelu) return g.relu(y);
    if (act == Act::kRelu6) return g.clip(y, 0, 6);
    return y;
  }
};

ConvBn conv_bn(torch::nn::Module* m, const std::string& name, int in, int out, int k, int stride,
               bool depthwise, Act act) {
  ConvBn u;
  u.conv = m->register_module(name + "_conv", SlimConv2d(in, out, k, stride, depthwise));
  u.bn = m->register_module(name + "_bn", SlimBatchNorm2d(out));
  u.act = act;
  return u;
}

/// Squeeze-and-excitation as HURRICANE uses it (section 3.3, "following the
/// settings in MobileNetV3"): global average pool, FC C -> C/4 (reduction
/// r = 4), hard-swish, FC C/4 -> C, hard gate in place of the sigmoid,
/// channel-wise rescale. The paper names hard-swish as the replacement; we
/// use it as the hidden activation and keep MobileNetV3's hard-sigmoid
/// (ReLU6(x + 3) / 6) as the gate, because a hard-swish gate is unbounded and
/// near zero at initialisation (it would switch the block off). Sliceable:
/// weights are allocated for `max_channels` and a forward pass over C
/// channels uses the leading C x se_hidden_channels(C) block, so a supernet
/// and a stand-alone network with copied weights compute the same function.
class SqueezeExciteImpl : public torch::nn::Module {
 public:
  explicit SqueezeExciteImpl(int max_channels) {
    const int hidden = se_hidden_channels(max_channels);
    fc1_w_ = register_parameter("fc1_weight", torch::empty({hidden, max_channels}));
    fc1_b_ = register_parameter("fc1_bias", torch::empty({hidden}));
    fc2_w_ = register_parameter("fc2_weight", torch::empty({max_channels, hidden}));
    fc2_b_ = register_parameter("fc2_bias", torch::empty({max_channels}));
    // torch::nn::Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    torch::NoGradGuard no_grad;
    const double b1 = 1.0 / std::sqrt(static_cast<double>(max_channels));
    const double b2 = 1.0 / std::sqrt(static_cast<double>(hidden));
    fc1_w_.uniform_(-b1, b1);
    fc1_b_.uniform_(-b1, b1);
    fc2_w_.uniform_(-b2, b2);
    fc2_b_.uniform_(-b2, b2);
  }

  /// x: [N, C, H, W] with C <= max_channels -> x * gate(x), same shape.
  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t c = x.size(1);
    const int64_t h = se_hidden_channels(static_cast<int>(c));
    torch::Tensor s = x.mean({2, 3});  // squeeze: [N, C]
    s = torch::hardswish(
        torch::linear(s, fc1_w_.narrow(0, 0, h).narrow(1, 0, c), fc1_b_.narrow(0, 0, h)));
    s = torch::hardsigmoid(
        torch::linear(s, fc2_w_.narrow(0, 0, c).narrow(1, 0, h), fc2_b_.narrow(0, 0, c)));
    return x * s.view({x.size(0), c, 1, 1});
  }

  /// The same on [C, H, W]: the two FCs as 1x1 convs on the pooled [C, 1, 1].
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const {
    const int64_t c = x.shape[0];
    const int64_t h = se_hidden_channels(static_cast<int>(c));
    auto fc = [](const torch::Tensor& w, const torch::Tensor& b) {
      return ConvParams{w.detach().unsqueeze(2).unsqueeze(3), b.detach(), 1, 1};
    };
    OnnxValue s = g.global_avg_pool(x);
    s = g.hard_swish(write_conv(g, s, fc(fc1_w_.narrow(0, 0, h).narrow(1, 0, c), fc1_b_.narrow(0, 0, h))));
    s = g.hard_sigmoid(write_conv(g, s, fc(fc2_w_.narrow(0, 0, c).narrow(1, 0, h), fc2_b_.narrow(0, 0, c))));
    return g.mul(s, x);
  }

 private:
  torch::Tensor fc1_w_, fc1_b_, fc2_w_, fc2_b_;
};
TORCH_MODULE(SqueezeExcite);

/// Largest kernel among `ops`, and whether any of them has SE.
int max_kernel(const std::vector<OpDef>& ops) {
  int k = 0;
  for (const OpDef& op : ops) k = std::max(k, op.kernel);
  return k;
}
bool any_se(const std::vector<OpDef>& ops) {
  for (const OpDef& op : ops)
    if (op.se) return true;
  return false;
}

/// ShuffleNetV2 blocks (SPOS ShuffleV2Block) with kernel k and the
/// Xception-like ChoiceX, as one weight-sharing block for the ops of a layer.
/// Stride-1 blocks with equal channels split the input and transform one
/// half; reshaping blocks (stride 2 or new channel count) run a projection
/// branch (dw k x k, pw) on the full input beside the main branch.
///   k-op main branch:    pw1, dw k x k (stride), pw2
///   ChoiceX main branch: xdw1 3x3 (stride), pw1, xdw2 3x3, xpw, xdw3 3x3, pw2
/// pw1 (in -> mid), pw2 (mid -> out) and the projection's pw are shared by
/// every op; depthwise kernels smaller than the largest are its centre.
/// ChoiceX's own convs are initialised as the identity (see below).
/// With `se`, squeeze-and-excitation rescales the main branch's output
/// before the concat (ShuffleNetV2+, HURRICANE Choice_k_SE / ChoiceX_SE).
class ShuffleBlockImpl : public BlockImpl {
 public:
  ShuffleBlockImpl(const std::vector<OpDef>& ops, const LayerSpec& l, int max_mid) {
    ops_ = ops;
    int k_max = 0, proj_k = 0;
    bool xception = false;
    for (const OpDef& op : ops) {
      const bool x = op.kind == OpKind::kShuffleX;
      xception = xception || x;
      if (!x) k_max = std::max(k_max, op.kernel);
      proj_k = std::max(proj_k, x ? 3 : op.kernel);
    }
    proj_ = l.stride != 1 || l.cin != l.cout;
    const int in = proj_ ? l.cin : l.cin / 2;
    const int out = proj_ ? l.cout - l.cin : l.cout / 2;
    HWNAS_CHECK(out > 0, "shuffle block cannot map ", l.cin, " to ", l.cout, " channels");
    out_ = out;
    pw1_ = conv_bn(this, "pw1", in, max_mid, 1, 1, false, Act::kRelu);
    if (k_max > 0) dw_ = conv_bn(this, "dw", max_mid, max_mid, k_max, l.stride, true, Act::kNone);
    if (xception) {
      xdw1_ = conv_bn(this, "xdw1", in, in, 3, l.stride, true, Act::kNone);
      xdw2_ = conv_bn(this, "xdw2", max_mid, max_mid, 3, 1, true, Act::kNone);
      xpw_ = conv_bn(this, "xpw", max_mid, max_mid, 1, 1, false, Act::kRelu);
      xdw3_ = conv_bn(this, "xdw3", max_mid, max_mid, 3, 1, true, Act::kNone);
      // ChoiceX's extra convs start as the identity, so a fresh ChoiceX
      // computes what the layer's k-ops compute and the supernet's paths
      // agree from the first step (Net2Net-style deepening). With random
      // init, paths through ChoiceX kept single-path training near chance
      // (window loss 2.30 vs 1.64 after 300 steps; docs/benchmarks/supernet.md).
      for (ConvBn* u : {&xdw1_, &xdw2_, &xpw_, &xdw3_}) u->conv->init_identity();
    }
    pw2_ = conv_bn(this, "pw2", max_mid, out, 1, 1, false, Act::kRelu);
    if (any_se(ops)) se_ = register_module("se", SqueezeExcite(out));
    if (proj_) {
      proj_dw_ = conv_bn(this, "proj_dw", l.cin, l.cin, proj_k, l.stride, true, Act::kNone);
      proj_pw_ = conv_bn(this, "proj_pw", l.cin, l.cin, 1, 1, false, Act::kRelu);
    }
  }

  torch::Tensor run(const torch::Tensor& x, const OpDef& op, int mid) override {
    const bool xception = op.kind == OpKind::kShuffleX;
    HWNAS_CHECK((xception ? xdw1_.conv.get() != nullptr : dw_.conv.get() != nullptr) && (!op.se || se_),
                "shuffle block: op ", op.name, " is not in this block");
    torch::Tensor keep, y;
    if (proj_) {
      keep = proj_pw_(proj_dw_(x, 0, xception ? 3 : op.kernel), static_cast<int>(x.size(1)));
      y = x;
    } else {
      auto halves = x.chunk(2, 1);
      keep = halves[0];
      y = halves[1];
    }
    if (xception) {
      y = pw1_(xdw1_(y, 0), mid);
      y = xpw_(xdw2_(y, 0), mid);
      y = pw2_(xdw3_(y, 0), out_);
    } else {
      y = pw2_(dw_(pw1_(y, mid), 0, op.kernel), out_);
    }
    if (op.se) y = se_->forward(y);
    return channel_shuffle(torch::cat({keep, y}, 1));
  }

  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const OpDef& op, int mid) const override {
    const bool xception = op.kind == OpKind::kShuffleX;
    OnnxValue keep, y;
    if (proj_) {
      keep = proj_pw_.write(g, proj_dw_.write(g, x, 0, xception ? 3 : op.kernel), static_cast<int>(x.shape[0]));
      y = x;
    } else {
      std::tie(keep, y) = g.split_channels(x);
    }
    if (xception) {
      y = pw1_.write(g, xdw1_.write(g, y, 0), mid);
      y = xpw_.write(g, xdw2_.write(g, y, 0), mid);
      y = pw2_.write(g, xdw3_.write(g, y, 0), out_);
    } else {
      y = pw2_.write(g, dw_.write(g, pw1_.write(g, y, mid), 0, op.kernel), out_);
    }
    if (op.se) y = se_->write_onnx(g, y);
    return g.channel_shuffle(g.concat({keep, y}));
  }

 private:
  bool proj_ = false;
  int out_ = 0;
  ConvBn pw1_, dw_, pw2_, xdw1_, xdw2_, xpw_, xdw3_;
  SqueezeExcite se_{nullptr};
  ConvBn proj_dw_, proj_pw_;
};

/// MobileNetV2 inverted bottleneck MB_k_e (HURRICANE section 3.3): 1x1
/// expansion cin -> mid (mid = e * cin at full width; absent for e = 1, as
/// in MobileNetV2), depthwise k x k at the layer's stride, both with BN and
/// ReLU6; squeeze-and-excitation on the mid channels after the depthwise conv
/// (MobileNetV3's position) when `se`; linear 1x1 projection mid -> cout with
/// BN; identity shortcut when stride is 1 and cin == cout.
/// All MB ops of a layer (k 3/5/7, e 1/3/6, with and without SE) share one
/// block, as in OFA's elastic kernel and expansion: the depthwise kernels are
/// the centre of one k_max superkernel, e = 3 uses the first half of e = 6's
/// expansion channels, e = 1 (no expansion conv) the first cin depthwise and
/// projection channels, and the SE ops add one shared SE unit.
///
/// Domino's grafted MB (OpKind::kMbGraft, thesis section 5.2) runs the same
/// weights with linear inner activations and a ReLU6 after the block; its
/// depthwise conv sees its input padded with the expansion unit's bias
/// (bias padding), so the trained block folds exactly into one dense k x k
/// conv cin -> cout at the block's stride (reparameterize(), nn/reparam.h).
class MbBlockImpl : public BlockImpl, public Reparameterizable {
 public:
  MbBlockImpl(const std::vector<OpDef>& ops, const LayerSpec& l, int max_mid)
      : residual_(l.stride == 1 && l.cin == l.cout), cin_(l.cin), cout_(l.cout) {
    ops_ = ops;
    bool expand = false, no_expand = false;
    for (const OpDef& op : ops) {
      HWNAS_CHECK(op.expand >= 1, "mb block: expansion must be >= 1, got ", op.expand);
      expand = expand || op.expand != 1;
      no_expand = no_expand || op.expand == 1;
    }
    HWNAS_CHECK(expand || max_mid == l.cin, "mb block with e=1 has no expansion conv: mid must equal cin ",
                l.cin, ", got ", max_mid);
    // e = 1 runs its depthwise conv on the first cin of the shared mid channels.
    HWNAS_CHECK(!no_expand || max_mid >= l.cin, "mb block: mid ", max_mid, " is below cin ", l.cin,
                ", which its e=1 op needs");
    if (expand) pw1_ = conv_bn(this, "pw1", l.cin, max_mid, 1, 1, false, Act::kRelu6);
    dw_ = conv_bn(this, "dw", max_mid, max_mid, max_kernel(ops), l.stride, true, Act::kRelu6);
    if (any_se(ops)) se_ = register_module("se", SqueezeExcite(max_mid));
    pw2_ = conv_bn(this, "pw2", max_mid, l.cout, 1, 1, false, Act::kNone);
  }

  torch::Tensor run(const torch::Tensor& x, const OpDef& op, int mid) override {
    const bool expand = op.expand != 1;
    const bool graft = op.kind == OpKind::kMbGraft;
    HWNAS_CHECK(expand || mid == cin_, "mb block with e=1: mid must equal cin ", cin_, ", got ", mid);
    HWNAS_CHECK((!expand || pw1_.conv.get() != nullptr) && (!op.se || se_), "mb block: op ", op.name,
                " is not in this block");
    HWNAS_CHECK(!graft || !op.se, "a grafted mb block takes no squeeze-and-excitation (it would not fold)");
    torch::Tensor y;
    if (folded_) {
      y = folded_->forward(x);
    } else if (graft) {
      y = expand ? pw1_.linear(x, mid) : x;
      y = dw_.linear(y, 0, op.kernel, expand ? pw1_.shift(mid) : torch::Tensor());
      y = pw2_(y, cout_);
      if (residual_) y = y + x;
    } else {
      y = expand ? pw1_(x, mid) : x;
      y = dw_(y, 0, op.kernel);
      if (op.se) y = se_->forward(y);
      y = pw2_(y, cout_);
      if (residual_) y = y + x;
    }
    if (graft) y = torch::clamp(y, 0, 6);  // the activation a grafted block keeps
    return op.shuffle_out ? channel_shuffle(y) : y;
  }

  /// A stand-alone grafted block (its one op kMbGraft) as one dense conv:
  /// expansion, depthwise and projection composed, the residual at the
  /// kernel's centre. Needs eval mode; the other blocks have nothing to collapse.
  int reparameterize() override {
    if (folded_ || ops_.size() != 1 || ops_.front().kind != OpKind::kMbGraft) return 0;
    HWNAS_CHECK(!is_training(), "mb block: a grafted block folds in eval mode");
    const ConvParams c = graft_params(ops_.front(), dw_.conv->max_out());
    folded_ = register_module("folded", SlimConv2d(cin_, cout_, c.kernel(), c.stride, false));
    folded_->assign(c.weight, c.bias);
    return 1;
  }

  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const OpDef& op, int mid) const override {
    const bool expand = op.expand != 1;
    OnnxValue y;
    if (folded_) {
      y = write_conv(g, x, folded_->params(cin_));
    } else if (op.kind == OpKind::kMbGraft) {
      y = write_conv(g, x, graft_params(op, mid));
    } else {
      y = expand ? pw1_.write(g, x, mid) : x;
      y = dw_.write(g, y, 0, op.kernel);
      if (op.se) y = se_->write_onnx(g, y);
      y = pw2_.write(g, y, cout_);
      if (residual_) y = g.add(y, x);
    }
    if (op.kind == OpKind::kMbGraft) y = g.clip(y, 0, 6);
    return op.shuffle_out ? g.channel_shuffle(y) : y;
  }

 private:
  /// The grafted op at `mid` inner channels as one conv: exact because the
  /// depthwise conv runs with bias padding (run()).
  ConvParams graft_params(const OpDef& op, int mid) const {
    const bool expand = op.expand != 1;
    ConvParams c = dw_.params(expand ? mid : cin_, 0, op.kernel);
    if (expand) c = compose(pw1_.params(cin_, mid), c);
    c = compose(c, pw2_.params(c.out_channels(), cout_));
    return residual_ ? add_identity(c) : c;
  }

  bool residual_;
  int cin_, cout_;
  ConvBn pw1_, dw_, pw2_;
  SqueezeExcite se_{nullptr};
  SlimConv2d folded_{nullptr};  ///< set by reparameterize()
};

/// SEP_k (HURRICANE section 3.3): the depthwise-separable convolution applied
/// twice, exactly DARTS' SepConv: ReLU, dw k x k (stride), 1x1 cin -> mid, BN,
/// ReLU, dw k x k, 1x1 mid -> cout, BN (mid = cin at full width); with `se`,
/// squeeze-and-excitation on the output. The SEP ops of a layer share one
/// block: both depthwise convs are k_max superkernels, SE is one shared unit.
class SepBlockImpl : public BlockImpl {
 public:
  SepBlockImpl(const std::vector<OpDef>& ops, const LayerSpec& l, int max_mid) : cout_(l.cout) {
    ops_ = ops;
    const int k = max_kernel(ops);
    dw1_ = register_module("dw1_conv", SlimConv2d(l.cin, l.cin, k, l.stride, true));
    pw1_ = conv_bn(this, "pw1", l.cin, max_mid, 1, 1, false, Act::kRelu);
    dw2_ = register_module("dw2_conv", SlimConv2d(max_mid, max_mid, k, 1, true));
    pw2_ = conv_bn(this, "pw2", max_mid, l.cout, 1, 1, false, Act::kNone);
    if (any_se(ops)) se_ = register_module("se", SqueezeExcite(l.cout));
  }

  torch::Tensor run(const torch::Tensor& x, const OpDef& op, int mid) override {
    HWNAS_CHECK(!op.se || se_, "sep block: op ", op.name, " is not in this block");
    torch::Tensor y = dw1_->forward(torch::relu(x), 0, op.kernel);
    y = pw1_(y, mid);
    y = dw2_->forward(y, 0, op.kernel);
    y = pw2_(y, cout_);
    if (op.se) y = se_->forward(y);
    return op.shuffle_out ? channel_shuffle(y) : y;
  }

  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const OpDef& op, int mid) const override {
    OnnxValue y = write_conv(g, g.relu(x), dw1_->params(static_cast<int>(x.shape[0]), 0, op.kernel));
    y = pw1_.write(g, y, mid);
    y = write_conv(g, y, dw2_->params(mid, 0, op.kernel));
    y = pw2_.write(g, y, cout_);
    if (op.se) y = se_->write_onnx(g, y);
    return op.shuffle_out ? g.channel_shuffle(y) : y;
  }

 private:
  int cout_;
  SlimConv2d dw1_{nullptr}, dw2_{nullptr};
  ConvBn pw1_, pw2_;
  SqueezeExcite se_{nullptr};
};

/// Skip: the identity followed by the channel shuffle every other block of
/// the layer ends with. Without it a skipped layer leaves the channels in a
/// different order than a computing one, and the layers after it would see
/// permuted inputs on some paths: uniform single-path training on
/// Fashion-MNIST reached loss 1.70 after 300 steps with a plain identity and
/// 1.17 with this one (docs/benchmarks/supernet.md). For a stand-alone
/// network the shuffle is a fixed permutation: it costs one copy and
/// changes nothing it can learn.
class SkipBlockImpl : public BlockImpl {
 public:
  explicit SkipBlockImpl(const OpDef& op) { ops_ = {op}; }
  torch::Tensor run(const torch::Tensor& x, const OpDef&, int) override { return channel_shuffle(x); }
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const OpDef&, int) const override {
    return g.channel_shuffle(x);
  }
};

/// The skip op of the MobileNetV2 layer-wise space (LightNAS / SurgeNAS,
/// thesis Table 3.1): the identity where the layer keeps its shape, else
/// the cheapest op that reshapes, a 1x1 conv at the layer's stride + BN +
/// ReLU6 (the LightNAS code's choice; the thesis does not say). No shuffle:
/// MB blocks beside it keep channel order.
class MbSkipBlockImpl : public BlockImpl {
 public:
  MbSkipBlockImpl(const OpDef& op, const LayerSpec& l) {
    ops_ = {op};
    if (l.cin != l.cout || l.stride != 1) proj_ = conv_bn(this, "proj", l.cin, l.cout, 1, l.stride, false, Act::kRelu6);
  }
  torch::Tensor run(const torch::Tensor& x, const OpDef&, int) override {
    return proj_.conv ? proj_(x, proj_.conv->max_out()) : x;
  }
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const OpDef&, int) const override {
    return proj_.conv ? proj_.write(g, x, proj_.conv->max_out()) : x;
  }

 private:
  ConvBn proj_;
};

}  // namespace

std::string weight_group(const OpDef& op) {
  const char* group = traits(op.kind).weight_group;
  return group != nullptr ? group : op.name;
}

std::shared_ptr<BlockImpl> make_block(const std::vector<OpDef>& ops, const LayerSpec& layer, int max_mid) {
  HWNAS_CHECK(!ops.empty(), "a block needs at least one op");
  const std::string group = weight_group(ops.front());
  for (const OpDef& op : ops)
    HWNAS_CHECK(weight_group(op) == group, "ops ", ops.front().name, " and ", op.name,
                " do not share weights");
  const OpDef& op = ops.front();
  switch (op.kind) {
    case OpKind::kShuffle:
    case OpKind::kShuffleX: return std::make_shared<ShuffleBlockImpl>(ops, layer, max_mid);
    case OpKind::kMb:
    case OpKind::kMbGraft: return std::make_shared<MbBlockImpl>(ops, layer, max_mid);
    case OpKind::kSep: return std::make_shared<SepBlockImpl>(ops, layer, max_mid);
    case OpKind::kSkip:
      HWNAS_CHECK(!op.se, "skip takes no squeeze-and-excitation");
      HWNAS_CHECK(layer.cin == layer.cout && layer.stride == 1, "skip cannot change shape");
      return std::make_shared<SkipBlockImpl>(op);
    case OpKind::kMbSkip:
      HWNAS_CHECK(!op.se, "skip takes no squeeze-and-excitation");
      return std::make_shared<MbSkipBlockImpl>(op, layer);
    case OpKind::kNone:
    case OpKind::kNorConv:
    case OpKind::kAvgPool:  // edges of the NB201 cell (nn/nb201_net.h)
    case OpKind::kStem:
    case OpKind::kStemPool:
    case OpKind::kHead:     // around the layers (nn/network.h)
      break;
  }
  HWNAS_CHECK(false, "no block builder for op kind '", to_string(op.kind), "' (op ", op.name, ")");
  return nullptr;
}

std::shared_ptr<BlockImpl> make_block(const OpDef& op, const LayerSpec& layer, int max_mid) {
  return make_block(std::vector<OpDef>{op}, layer, max_mid);
}

}  // namespace hwnas
