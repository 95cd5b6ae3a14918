#include "nn/network.h"

#include "core/error.h"
#include "nn/blocks.h"
#include "nn/slim.h"

namespace hwnas {

torch::Tensor NetworkImpl::forward(const torch::Tensor& x) {
  HWNAS_CHECK(!supernet_, "a supernet needs an arch to run");
  return forward(x, arch_);
}

void NetworkImpl::inherit_from(const NetworkImpl& supernet) {
  HWNAS_CHECK(!supernet_ && supernet.is_supernet(), "inherit_from: copy from a supernet into a stand-alone network");
  // Blocks carry the same names in both ("l3_k5"), so the path's weights are
  // found by name and narrowed to this network's widths.
  copy_prefix(*this, supernet);
}

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
    stem_conv_ = register_module("stem_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                                   b.in_channels, b.stem_channels, 3)
                                                   .stride(b.stem_stride)
                                                   .padding(1)
                                                   .bias(false)));
    stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(b.stem_channels));
    blocks_.resize(space.num_layers());
    for (int l = 0; l < space.num_layers(); ++l) {
      const LayerSpec& L = space.layers[l];
      blocks_[l].assign(space.ops.size(), nullptr);
      for (int o : L.ops) {
        if (single && single->genes[l].op != o) continue;
        Gene max_gene{o, L.widths.back()};
        const int mid = single ? space.mid_channels(l, single->genes[l]) : space.mid_channels(l, max_gene);
        blocks_[l][o] = register_module("l" + std::to_string(l + 1) + "_" + space.ops[o].name,
                                        make_block(space.ops[o], L, mid));
      }
    }
    int last = space.layers.empty() ? b.stem_channels : space.layers.back().cout;
    if (b.head_channels > 0) {
      head_conv_ = register_module("head_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                                     last, b.head_channels, 1)
                                                     .bias(false)));
      head_bn_ = register_module("head_bn", torch::nn::BatchNorm2d(b.head_channels));
      last = b.head_channels;
    }
    fc_ = register_module("fc", torch::nn::Linear(last, b.num_classes));
    for (auto& m : modules(false)) {
      if (auto* c = m->as<torch::nn::Conv2d>())
        torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
    torch::nn::init::normal_(fc_->weight, 0, 0.01);
    torch::nn::init::zeros_(fc_->bias);
  }

  torch::Tensor forward(const torch::Tensor& x, const Arch& arch) override {
    HWNAS_CHECK(static_cast<int>(arch.genes.size()) == space_->num_layers(), "arch has ",
                arch.genes.size(), " layers, network has ", space_->num_layers());
    torch::Tensor y = torch::relu(stem_bn_(stem_conv_(x)));
    if (space_->backbone.stem_pool) y = torch::max_pool2d(y, 3, 2, 1);
    for (int l = 0; l < space_->num_layers(); ++l) {
      const Gene& g = arch.genes[l];
      HWNAS_CHECK(g.op >= 0 && g.op < static_cast<int>(blocks_[l].size()) && blocks_[l][g.op],
                  "layer ", l + 1, ": op ", g.op, " is not in this network");
      y = blocks_[l][g.op]->forward(y, space_->mid_channels(l, g));
    }
    if (head_conv_) y = torch::relu(head_bn_(head_conv_(y)));
    y = y.mean({2, 3});
    return fc_(y);
  }

 private:
  std::unique_ptr<SearchSpace> space_;
  torch::nn::Conv2d stem_conv_{nullptr}, head_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr}, head_bn_{nullptr};
  std::vector<std::vector<std::shared_ptr<BlockImpl>>> blocks_;  // [layer][op]
  torch::nn::Linear fc_{nullptr};
};

}  // namespace

std::shared_ptr<NetworkImpl> make_supernet(const SearchSpace& space) {
  HWNAS_CHECK(space.family == "chain", "space ", space.name, " has no supernet builder");
  return std::make_shared<ChainNetImpl>(space, nullptr);
}

std::shared_ptr<NetworkImpl> make_network(const SearchSpace& space, const Arch& arch) {
  HWNAS_CHECK(space.family == "chain", "space ", space.name, " has no network builder");
  return std::make_shared<ChainNetImpl>(space, &arch);
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
