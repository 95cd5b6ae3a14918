#include "nn/nb201_net.h"

#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/spaces/nb201.h"
#include "core/strings.h"
#include "nn/onnx_export.h"

namespace hwnas {
namespace {

/// Same padding, no bias, Kaiming-normal (fan out, ReLU); a SlimConv2d at
/// its full width, so a BatchNorm after it can fold into it (nn/reparam.h).
SlimConv2d make_conv(int cin, int cout, int kernel, int stride) { return SlimConv2d(cin, cout, kernel, stride, false); }

/// NB201's ReLUConvBN: ReLU, conv (no bias, "same" padding), BN.
class ReluConvBnImpl : public torch::nn::Module {
 public:
  ReluConvBnImpl(int cin, int cout, int kernel, int stride) {
    conv_ = register_module("conv", make_conv(cin, cout, kernel, stride));
    bn_ = register_module("bn", SlimBatchNorm2d(cout));
  }
  torch::Tensor forward(const torch::Tensor& x) { return bn_->forward(conv_->forward(torch::relu(x))); }
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const {
    const ConvParams c = conv_->params(static_cast<int>(x.shape[0]));
    return write_conv(g, g.relu(x), fold_affine(c, bn_->affine(c.out_channels())));
  }

 private:
  SlimConv2d conv_{nullptr};
  SlimBatchNorm2d bn_{nullptr};  ///< foldable (nn/reparam.h)
};
TORCH_MODULE(ReluConvBn);

/// What one edge op does; parameter-free ops need no module.
enum class EdgeOp { kNone, kSkip, kConv, kAvgPool };

EdgeOp edge_op_of(const OpDef& op) {
  if (op.kind == OpKind::kNone) return EdgeOp::kNone;
  if (op.kind == OpKind::kSkip) return EdgeOp::kSkip;
  if (op.kind == OpKind::kNorConv) return EdgeOp::kConv;
  if (op.kind == OpKind::kAvgPool) return EdgeOp::kAvgPool;
  HWNAS_CHECK(false, "nb201 network: op '", op.name, "' of kind '", to_string(op.kind),
              "' has no builder (known kinds: none, skip, nor_conv, avg_pool)");
  return EdgeOp::kNone;
}

}  // namespace

/// One NB201 cell: 4 nodes, 6 edges, every edge holding its allowed ops (the
/// supernet) or only the chosen one (a stand-alone network).
class Nb201CellImpl : public torch::nn::Module {
 public:
  Nb201CellImpl(std::shared_ptr<const SearchSpace> space_ptr, int channels, const Arch* single)
      : space_(std::move(space_ptr)) {
    const SearchSpace& space = *space_;
    for (int e = 0; e < kNb201NumEdges; ++e) {
      modules_[e].assign(space.ops.size(), nullptr);
      held_[e].assign(space.ops.size(), false);
      for (int o : space.layers[e].ops) {
        if (single && single->genes[e].op != o) continue;
        const OpDef& op = space.ops[o];
        held_[e][o] = true;
        if (edge_op_of(op) == EdgeOp::kConv) {
          HWNAS_CHECK(op.kernel % 2 == 1, "nb201 network: op '", op.name, "' needs an odd kernel, got ",
                      op.kernel);
          modules_[e][o] = register_module(str_cat("e", e + 1, "_", op.name),
                                           ReluConvBn(channels, channels, op.kernel, 1));
        }
      }
    }
  }

  torch::Tensor forward(const torch::Tensor& x, const Arch& arch) {
    torch::Tensor nodes[4];
    nodes[0] = x;
    for (int e = 0; e < kNb201NumEdges; ++e) {
      const int o = arch.genes[e].op;
      HWNAS_CHECK(o >= 0 && o < static_cast<int>(held_[e].size()) && held_[e][o], "nb201 edge ", e + 1,
                  ": op ", o < 0 || o >= static_cast<int>(space_->ops.size()) ? std::to_string(o)
                                                                             : space_->ops[o].name,
                  " is not in this network");
      const EdgeOp kind = edge_op_of(space_->ops[o]);
      torch::Tensor& in = nodes[kNb201EdgeFrom[e]];
      // A node all of whose inputs were `none` is NB201's x * 0: a real zero
      // map, which a conv edge turns into BN's shift, so it is made explicit.
      if (!in.defined() && kind != EdgeOp::kNone) in = torch::zeros_like(x);
      torch::Tensor out;
      switch (kind) {
        case EdgeOp::kNone: break;  // zero: contributes nothing to the sum
        case EdgeOp::kSkip: out = in; break;
        case EdgeOp::kConv: out = modules_[e][o]->forward(in); break;
        case EdgeOp::kAvgPool: {
          const int k = space_->ops[o].kernel;
          out = torch::avg_pool2d(in, k, 1, k / 2, /*ceil_mode=*/false, /*count_include_pad=*/false);
          break;
        }
      }
      torch::Tensor& node = nodes[kNb201EdgeTo[e]];
      if (out.defined()) node = node.defined() ? node + out : out;
    }
    // A node whose inputs are all `none` is zero (NB201's Zero op: x * 0).
    return nodes[3].defined() ? nodes[3] : torch::zeros_like(x);
  }

  /// The cell along `arch` as forward runs it; a node all of whose inputs
  /// are `none` is written as x * 0, as forward makes it.
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const Arch& arch) const {
    std::optional<OnnxValue> nodes[4];
    nodes[0] = x;
    for (int e = 0; e < kNb201NumEdges; ++e) {
      const int o = arch.genes[e].op;
      const OpDef& op = space_->ops[o];
      const EdgeOp kind = edge_op_of(op);
      if (kind == EdgeOp::kNone) continue;
      const OnnxGraph::Scope scope(g, str_cat("e", e + 1, "_", op.name));
      std::optional<OnnxValue>& in = nodes[kNb201EdgeFrom[e]];
      if (!in) in = g.scale(x, 0);
      OnnxValue out;
      switch (kind) {
        case EdgeOp::kNone: break;
        case EdgeOp::kSkip: out = *in; break;
        case EdgeOp::kConv: out = modules_[e][o]->write_onnx(g, *in); break;
        case EdgeOp::kAvgPool: out = g.avg_pool(*in, op.kernel, 1, op.kernel / 2, false, false); break;
      }
      std::optional<OnnxValue>& node = nodes[kNb201EdgeTo[e]];
      node = node ? g.add(*node, out) : out;
    }
    return nodes[3] ? *nodes[3] : g.scale(x, 0);
  }

 private:
  std::shared_ptr<const SearchSpace> space_;
  std::vector<ReluConvBn> modules_[kNb201NumEdges];
  std::vector<bool> held_[kNb201NumEdges];
};

/// NB201's ResNetBasicblock with stride 2: ReLUConvBN 3x3 / 2, ReLUConvBN
/// 3x3, plus a shortcut of 2x2 average pooling and a 1x1 conv (no BN).
class Nb201ReductionImpl : public torch::nn::Module {
 public:
  Nb201ReductionImpl(int cin, int cout) {
    conv_a_ = register_module("conv_a", ReluConvBn(cin, cout, 3, 2));
    conv_b_ = register_module("conv_b", ReluConvBn(cout, cout, 3, 1));
    shortcut_ = register_module("shortcut", make_conv(cin, cout, 1, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    // ceil_mode keeps odd sizes in step with the stride-2 conv (7 -> 4);
    // for even sizes it is NB201's plain 2x2 pooling.
    const torch::Tensor shortcut = shortcut_->forward(torch::avg_pool2d(x, 2, 2, 0, /*ceil_mode=*/true));
    return shortcut + conv_b_(conv_a_(x));
  }
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const {
    const OnnxValue shortcut =
        write_conv(g, g.avg_pool(x, 2, 2, 0, /*ceil_mode=*/true, false), shortcut_->params(static_cast<int>(x.shape[0])));
    return g.add(shortcut, conv_b_->write_onnx(g, conv_a_->write_onnx(g, x)));
  }

 private:
  ReluConvBn conv_a_{nullptr}, conv_b_{nullptr};
  SlimConv2d shortcut_{nullptr};
};

Nb201NetImpl::Nb201NetImpl(const SearchSpace& space, const Arch* single) {
  const auto* nb = dynamic_cast<const Nb201Space*>(&space);
  HWNAS_CHECK(nb != nullptr && space.family == "nb201" && space.num_layers() == kNb201NumEdges,
              "space ", space.name, " is not an nb201 space");
  supernet_ = single == nullptr;
  if (single) {
    space.validate(*single);
    arch_ = *single;
  }
  space_ = std::shared_ptr<const SearchSpace>(space.clone());
  cells_per_stage_ = nb->cells_per_stage;
  const Backbone& b = space.backbone;
  const int c = b.stem_channels;
  stem_conv_ = register_module("stem_conv", make_conv(b.in_channels, c, 3, 1));
  stem_bn_ = register_module("stem_bn", SlimBatchNorm2d(c));
  int channels = c;
  for (int s = 0; s < 3; ++s) {
    if (s > 0) {
      reductions_.push_back(register_module(str_cat("reduce", s),
                                            std::make_shared<Nb201ReductionImpl>(channels, 2 * channels)));
      channels *= 2;
    }
    for (int j = 0; j < cells_per_stage_; ++j)
      cells_.push_back(register_module(str_cat("cell", s * cells_per_stage_ + j),
                                       std::make_shared<Nb201CellImpl>(space_, channels, single)));
  }
  last_bn_ = register_module("last_bn", torch::nn::BatchNorm2d(channels));
  classifier_ = register_module("classifier", torch::nn::Linear(channels, b.num_classes));
  torch::nn::init::normal_(classifier_->weight, 0, 0.01);
  torch::nn::init::zeros_(classifier_->bias);
}

Nb201Output Nb201NetImpl::forward_features(const torch::Tensor& x, const Arch& arch) {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == kNb201NumEdges, "nb201 arch has ",
              arch.genes.size(), " edges, expected ", kNb201NumEdges);
  Nb201Output out;
  torch::Tensor y = stem_bn_->forward(stem_conv_->forward(x));
  for (int s = 0; s < 3; ++s) {
    if (s > 0) y = reductions_[s - 1]->forward(y);
    for (int j = 0; j < cells_per_stage_; ++j) y = cells_[s * cells_per_stage_ + j]->forward(y, arch);
    if (s < 2) out.features.push_back(y);
  }
  y = torch::relu(last_bn_(y));
  out.features.push_back(y);
  out.logits = classifier_(y.mean({2, 3}));
  return out;
}

torch::Tensor Nb201NetImpl::forward(const torch::Tensor& x, const Arch& arch) {
  return forward_features(x, arch).logits;
}

OnnxValue Nb201NetImpl::write_onnx(OnnxGraph& g, const OnnxValue& x) const {
  HWNAS_CHECK(!supernet_, "export: a supernet has no single network to write; export a stand-alone one");
  OnnxValue y;
  {
    const OnnxGraph::Scope scope(g, "stem");
    const ConvParams c = stem_conv_->params(static_cast<int>(x.shape[0]));
    y = write_conv(g, x, fold_affine(c, stem_bn_->affine(c.out_channels())));
  }
  for (int s = 0; s < 3; ++s) {
    if (s > 0) {
      const OnnxGraph::Scope scope(g, str_cat("reduce", s));
      y = reductions_[s - 1]->write_onnx(g, y);
    }
    for (int j = 0; j < cells_per_stage_; ++j) {
      const int c = s * cells_per_stage_ + j;
      const OnnxGraph::Scope scope(g, str_cat("cell", c));
      y = cells_[c]->write_onnx(g, y, arch_);
    }
  }
  const OnnxGraph::Scope scope(g, "head");
  const auto& bn = *last_bn_;
  y = g.relu(g.batch_norm(y, onnx_weights(bn.weight), onnx_weights(bn.bias), onnx_weights(bn.running_mean),
                          onnx_weights(bn.running_var), static_cast<float>(bn.options.eps())));
  return g.gemm(g.flatten(g.global_avg_pool(y)), onnx_weights(classifier_->weight), onnx_weights(classifier_->bias));
}

std::shared_ptr<NetworkImpl> make_nb201_network(const SearchSpace& space, const Arch* arch) {
  return std::make_shared<Nb201NetImpl>(space, arch);
}

}  // namespace hwnas
