#include "nn/blocks.h"

#include "core/error.h"
#include "nn/slim.h"

namespace hwnas {
namespace {

/// conv (+BN) (+ReLU) as one unit, for the sliced branches below.
struct ConvBn {
  SlimConv2d conv{nullptr};
  SlimBatchNorm2d bn{nullptr};
  bool relu = false;
  torch::Tensor operator()(const torch::Tensor& x, int out) {
    torch::Tensor y = bn->forward(conv->forward(x, out));
    return relu ? torch::relu(y) : y;
  }
};

ConvBn conv_bn(torch::nn::Module* m, const std::string& name, int in, int out, int k, int stride,
               bool depthwise, bool relu) {
  ConvBn u;
  u.conv = m->register_module(name + "_conv", SlimConv2d(in, out, k, stride, depthwise));
  u.bn = m->register_module(name + "_bn", SlimBatchNorm2d(out));
  u.relu = relu;
  return u;
}

/// ShuffleNetV2 block (SPOS ShuffleV2Block) with kernel k. Stride-1 blocks
/// with equal channels split the input and transform one half; reshaping
/// blocks (stride 2 or new channel count) run a projection branch on the
/// full input beside the main branch.
class ShuffleBlockImpl : public BlockImpl {
 public:
  ShuffleBlockImpl(const LayerSpec& l, int max_mid, int k, bool xception) : xception_(xception) {
    proj_ = l.stride != 1 || l.cin != l.cout;
    const int in = proj_ ? l.cin : l.cin / 2;
    const int out = proj_ ? l.cout - l.cin : l.cout / 2;
    HWNAS_CHECK(out > 0, "shuffle block cannot map ", l.cin, " to ", l.cout, " channels");
    if (!xception) {
      main_.push_back(conv_bn(this, "pw1", in, max_mid, 1, 1, false, true));
      main_.push_back(conv_bn(this, "dw", max_mid, max_mid, k, l.stride, true, false));
      main_.push_back(conv_bn(this, "pw2", max_mid, out, 1, 1, false, true));
    } else {  // ChoiceX: three (dw3x3, pw) pairs
      main_.push_back(conv_bn(this, "dw1", in, in, 3, l.stride, true, false));
      main_.push_back(conv_bn(this, "pw1", in, max_mid, 1, 1, false, true));
      main_.push_back(conv_bn(this, "dw2", max_mid, max_mid, 3, 1, true, false));
      main_.push_back(conv_bn(this, "pw2", max_mid, max_mid, 1, 1, false, true));
      main_.push_back(conv_bn(this, "dw3", max_mid, max_mid, 3, 1, true, false));
      main_.push_back(conv_bn(this, "pw3", max_mid, out, 1, 1, false, true));
    }
    out_ = out;
    if (proj_) {
      proj_dw_ = conv_bn(this, "proj_dw", l.cin, l.cin, k, l.stride, true, false);
      proj_pw_ = conv_bn(this, "proj_pw", l.cin, l.cin, 1, 1, false, true);
    }
  }

  torch::Tensor forward(const torch::Tensor& x, int mid) override {
    torch::Tensor keep, y;
    if (proj_) {
      keep = proj_pw_(proj_dw_(x, 0), static_cast<int>(x.size(1)));
      y = x;
    } else {
      auto halves = x.chunk(2, 1);
      keep = halves[0];
      y = halves[1];
    }
    for (size_t i = 0; i < main_.size(); ++i) {
      const bool last = i + 1 == main_.size();
      y = main_[i](y, last ? out_ : mid);
    }
    return channel_shuffle(torch::cat({keep, y}, 1));
  }

 private:
  bool proj_ = false, xception_ = false;
  int out_ = 0;
  std::vector<ConvBn> main_;
  ConvBn proj_dw_, proj_pw_;
};

class SkipBlockImpl : public BlockImpl {
 public:
  torch::Tensor forward(const torch::Tensor& x, int) override { return x; }
};

}  // namespace

std::shared_ptr<BlockImpl> make_block(const OpDef& op, const LayerSpec& layer, int max_mid) {
  if (op.kind == "shuffle") return std::make_shared<ShuffleBlockImpl>(layer, max_mid, op.kernel, false);
  if (op.kind == "shufflex") return std::make_shared<ShuffleBlockImpl>(layer, max_mid, 3, true);
  if (op.kind == "skip") {
    HWNAS_CHECK(layer.cin == layer.cout && layer.stride == 1, "skip cannot change shape");
    return std::make_shared<SkipBlockImpl>();
  }
  HWNAS_CHECK(false, "no network builder for op kind '", op.kind, "'");
  return nullptr;
}

}  // namespace hwnas
