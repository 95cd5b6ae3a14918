#include "nn/network.h"

#include <map>

#include "core/error.h"
#include "core/rng.h"
#include "core/strings.h"
#include "nn/blocks.h"
#include "nn/execution.h"
#include "nn/nb201_net.h"
#include "nn/onnx_export.h"
#include "nn/slim.h"

namespace hwnas {

torch::Tensor NetworkImpl::forward(const torch::Tensor& x) {
  HWNAS_CHECK(!supernet_, "a supernet needs an arch to run");
  return forward(x, arch_);
}

void NetworkImpl::inherit_from(const NetworkImpl& supernet) {
  HWNAS_CHECK(!supernet_ && supernet.is_supernet(), "inherit_from: copy from a supernet into a stand-alone network");
  // Blocks carry the same names in both ("l3_shuffle"), so the path's weights are
  // found by name and narrowed to this network's widths and kernel.
  copy_prefix(*this, supernet);
}

StemImpl::StemImpl(const Backbone& b) : pool_(b.stem_pool) {
  // SlimConv2d: Kaiming-normal (fan out, ReLU), same padding, no bias.
  conv_ = register_module("conv", SlimConv2d(b.in_channels, b.stem_channels, 3, b.stem_stride, false));
  bn_ = register_module("bn", SlimBatchNorm2d(b.stem_channels));
}

torch::Tensor StemImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = torch::relu(bn_->forward(conv_->forward(x)));
  return pool_ ? torch::max_pool2d(y, 3, 2, 1) : y;
}

OnnxValue StemImpl::write_onnx(OnnxGraph& g, const OnnxValue& x) const {
  const OnnxGraph::Scope scope(g, "stem");
  const ConvParams c = conv_->params(static_cast<int>(x.shape[0]));
  const OnnxValue y = g.relu(write_conv(g, x, fold_affine(c, bn_->affine(c.out_channels()))));
  return pool_ ? g.max_pool(y, 3, 2, 1) : y;
}

HeadImpl::HeadImpl(const Backbone& b, int in_channels) {
  int last = in_channels;
  if (b.head_channels > 0) {
    conv_ = register_module("conv", SlimConv2d(last, b.head_channels, 1, 1, false));
    bn_ = register_module("bn", SlimBatchNorm2d(b.head_channels));
    last = b.head_channels;
  }
  fc_ = register_module("fc", torch::nn::Linear(last, b.num_classes));
  torch::nn::init::normal_(fc_->weight, 0, 0.01);
  torch::nn::init::zeros_(fc_->bias);
}

torch::Tensor HeadImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = conv_ ? torch::relu(bn_->forward(conv_->forward(x))) : x;
  return fc_(y.mean({2, 3}));
}

OnnxValue HeadImpl::write_onnx(OnnxGraph& g, const OnnxValue& x) const {
  const OnnxGraph::Scope scope(g, "head");
  OnnxValue y = x;
  if (conv_) {
    const ConvParams c = conv_->params(static_cast<int>(x.shape[0]));
    y = g.relu(write_conv(g, x, fold_affine(c, bn_->affine(c.out_channels()))));
  }
  return g.gemm(g.flatten(g.global_avg_pool(y)), onnx_weights(fc_->weight), onnx_weights(fc_->bias));
}

Stem make_stem(const Backbone& b) { return Stem(b); }
Head make_head(const Backbone& b, int in_channels) { return Head(b, in_channels); }

namespace {

/// Stem, L layers of candidate blocks, head: hsconas, hurricane.
class ChainNetImpl : public NetworkImpl {
 public:
  /// `single` = nullptr builds the supernet, else the stand-alone network of *single.
  ChainNetImpl(const SearchSpace& space, const Arch* single) : space_(space.clone()) {
    const Backbone& b = space.backbone;
    supernet_ = single == nullptr;
    if (single) {
      space.validate(*single);
      arch_ = *single;
    }
    stem_ = register_module("stem", make_stem(b));
    blocks_.resize(space.num_layers());
    for (int l = 0; l < space.num_layers(); ++l) {
      const LayerSpec& L = space.layers[l];
      blocks_[l].assign(space.ops.size(), nullptr);
      // One block per weight group ("l3_shuffle" holds k3, k5, k7 and x).
      std::map<std::string, std::vector<int>> groups;
      for (int o : L.ops)
        if (!single || single->genes[l].op == o) groups[weight_group(space.ops[o])].push_back(o);
      for (const auto& [group, members] : groups) {
        std::vector<OpDef> defs;
        int mid = 0;
        for (int o : members) {
          defs.push_back(space.ops[o]);
          mid = std::max(mid, single ? space.mid_channels(l, single->genes[l])
                                     : space.mid_channels(l, Gene{o, L.widths.back()}));
        }
        auto block = register_module("l" + std::to_string(l + 1) + "_" + group, make_block(defs, L, mid));
        for (int o : members) blocks_[l][o] = block;
      }
    }
    const int last = space.layers.empty() ? b.stem_channels : space.layers.back().cout;
    head_ = register_module("head", make_head(b, last));
  }

  torch::Tensor forward(const torch::Tensor& x, const Arch& arch) override {
    HWNAS_CHECK(static_cast<int>(arch.genes.size()) == space_->num_layers(), "arch has ",
                arch.genes.size(), " layers, network has ", space_->num_layers());
    torch::Tensor y = stem_->forward(x);
    for (int l = 0; l < space_->num_layers(); ++l) {
      const Gene& g = arch.genes[l];
      HWNAS_CHECK(g.op >= 0 && g.op < static_cast<int>(blocks_[l].size()) && blocks_[l][g.op],
                  "layer ", l + 1, ": op ", g.op, " is not in this network");
      y = blocks_[l][g.op]->run(y, space_->ops[g.op], space_->mid_channels(l, g));
    }
    return head_->forward(y);
  }

  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const override {
    HWNAS_CHECK(!supernet_, "export: a supernet has no single network to write; export a stand-alone one");
    OnnxValue y = stem_->write_onnx(g, x);
    for (int l = 0; l < space_->num_layers(); ++l) {
      const Gene& gene = arch_.genes[l];
      const OpDef& op = space_->ops[gene.op];
      const OnnxGraph::Scope scope(g, str_cat("l", l + 1, "_", op.name));
      y = blocks_[l][gene.op]->write_onnx(g, y, op, space_->mid_channels(l, gene));
    }
    return head_->write_onnx(g, y);
  }

 private:
  std::unique_ptr<SearchSpace> space_;
  Stem stem_{nullptr};
  std::vector<std::vector<std::shared_ptr<BlockImpl>>> blocks_;  // [layer][op]; ops of a group share one
  Head head_{nullptr};
};

}  // namespace

std::shared_ptr<NetworkImpl> make_supernet(const SearchSpace& space) {
  if (space.family == "nb201") return make_nb201_network(space, nullptr);
  HWNAS_CHECK(space.family == "chain", "space ", space.name, " has no supernet builder");
  return std::make_shared<ChainNetImpl>(space, nullptr);
}

std::shared_ptr<NetworkImpl> make_network(const SearchSpace& space, const Arch& arch) {
  if (space.family == "nb201") return make_nb201_network(space, &arch);
  HWNAS_CHECK(space.family == "chain", "space ", space.name, " has no network builder");
  return std::make_shared<ChainNetImpl>(space, &arch);
}

std::shared_ptr<NetworkImpl> make_seeded_network(const SearchSpace& space, const Arch& arch, uint64_t base) {
  std::shared_ptr<NetworkImpl> net;
  with_torch_seed(arch_seed(base, arch), [&] { net = make_network(space, arch); });
  return net;
}

void reset_batchnorm(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& m : net.modules(true)) {
    if (auto* bn = m->as<SlimBatchNorm2dImpl>()) bn->reset_running_stats();
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) bn->reset_running_stats();
  }
}

void set_batchnorm_momentum(torch::nn::Module& net, double momentum) {
  for (auto& m : net.modules(true)) {
    if (auto* bn = m->as<SlimBatchNorm2dImpl>()) bn->momentum = momentum;
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) bn->options.momentum(momentum);
  }
}

int64_t count_parameters(const torch::nn::Module& net) {
  int64_t n = 0;
  for (const auto& p : net.parameters(true)) n += p.numel();
  return n;
}

}  // namespace hwnas
