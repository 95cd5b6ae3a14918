#include "nn/diff_supernet.h"

#include <cmath>
#include <limits>
#include <map>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

torch::Tensor gumbel_noise(at::IntArrayRef shape, Rng& rng) {
  torch::Tensor g = torch::empty(shape, torch::kFloat);
  float* p = g.data_ptr<float>();
  for (int64_t i = 0; i < g.numel(); ++i) {
    const double u = std::max(uniform01(rng), 1e-20);
    p[i] = static_cast<float>(-std::log(-std::log(u)));
  }
  return g;
}

torch::Tensor gumbel_softmax_hard(const torch::Tensor& log_p, const torch::Tensor& gumbel, double tau) {
  HWNAS_CHECK(tau > 0, "Gumbel-softmax temperature must be > 0, got ", tau);
  HWNAS_CHECK(log_p.dim() == 2 && log_p.sizes() == gumbel.sizes(), "Gumbel-softmax: log-probabilities and noise must be the same [L x K]");
  const torch::Tensor soft = torch::softmax((log_p + gumbel) / tau, 1);
  const torch::Tensor hard = torch::zeros_like(soft).scatter_(1, soft.detach().argmax(1, true), 1.0);
  return hard - soft.detach() + soft;
}

std::vector<torch::Tensor> ordered_sample(const torch::Tensor& alpha, const torch::Tensor& allowed, double tau,
                                          int paths, Rng& rng) {
  HWNAS_CHECK(paths >= 1, "ordered sampler: paths must be >= 1, got ", paths);
  const double neg_inf = -std::numeric_limits<double>::infinity();
  const torch::Tensor allowed_f = allowed.to(torch::kFloat);
  const torch::Tensor p1 = torch::softmax(alpha.masked_fill(allowed.logical_not(), neg_inf), 1);
  torch::Tensor remaining = allowed_f.clone();
  std::vector<torch::Tensor> out;
  for (int i = 0; i < paths; ++i) {
    // A layer whose allowed ops have all been drawn starts over.
    const torch::Tensor spent = remaining.sum(1, true).eq(0);
    remaining = torch::where(spent, allowed_f, remaining);
    torch::Tensor p = p1 * remaining;
    p = p / p.sum(1, true);
    const torch::Tensor log_p = torch::log(p + 1e-20).masked_fill(remaining.eq(0), neg_inf);
    out.push_back(gumbel_softmax_hard(log_p, gumbel_noise(alpha.sizes(), rng), tau));
    remaining = remaining * (1 - out.back().detach());
  }
  return out;
}

ArchLogitsImpl::ArchLogitsImpl(const SearchSpace& space) {
  const int L = space.num_layers(), K = static_cast<int>(space.ops.size());
  HWNAS_CHECK(L >= 1 && K >= 1, "space ", space.name, " has no searchable layers or ops");
  torch::Tensor mask = torch::zeros({L, K}, torch::kBool);
  for (int l = 0; l < L; ++l)
    for (int o : space.layers[l].ops) mask[l][o] = true;
  alpha = register_parameter("alpha", 1e-3 * torch::randn({L, K}));
  allowed = register_buffer("allowed", mask);
}

torch::Tensor ArchLogitsImpl::log_probs() const {
  return torch::log_softmax(alpha.masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity()), 1);
}

torch::Tensor ArchLogitsImpl::sample(double tau, Rng& rng) const {
  return gumbel_softmax_hard(log_probs(), gumbel_noise(alpha.sizes(), rng), tau);
}

torch::Tensor ArchLogitsImpl::argmax_one_hot() const {
  torch::NoGradGuard no_grad;
  const torch::Tensor lp = log_probs();
  return torch::zeros_like(lp).scatter_(1, lp.argmax(1, true), 1.0);
}

Arch ArchLogitsImpl::argmax_arch(const SearchSpace& space) const { return path_arch(space, argmax_one_hot()); }

double ArchLogitsImpl::mean_entropy() const {
  torch::NoGradGuard no_grad;
  const torch::Tensor lp = log_probs();
  const torch::Tensor p = lp.exp();
  return -(p * lp.masked_fill(allowed.logical_not(), 0)).sum(1).mean().item<double>();
}

Arch path_arch(const SearchSpace& space, const torch::Tensor& one_hot) {
  HWNAS_CHECK(one_hot.dim() == 2 && one_hot.size(0) == space.num_layers() &&
                  one_hot.size(1) == static_cast<int64_t>(space.ops.size()),
              "a path of space ", space.name, " is [", space.num_layers(), " x ", space.ops.size(), "]");
  const torch::Tensor idx = one_hot.detach().argmax(1);
  Arch a;
  for (int l = 0; l < space.num_layers(); ++l)
    a.genes.push_back(Gene{static_cast<int>(idx[l].item<int64_t>()), space.nearest_width(space.layers[l].widths, 1.0)});
  space.validate(a);
  return a;
}

torch::Tensor arch_one_hot(const SearchSpace& space, const Arch& arch) {
  space.validate(arch);
  torch::Tensor t = torch::zeros({space.num_layers(), static_cast<int64_t>(space.ops.size())});
  for (int l = 0; l < space.num_layers(); ++l) t[l][arch.genes[l].op] = 1.0;
  return t;
}

DiffSupernetImpl::DiffSupernetImpl(const SearchSpace& space) : space_(space.clone()) {
  HWNAS_CHECK(space.family == "chain", "space ", space.name, " has no differentiable supernet (chain spaces only)");
  const Backbone& b = space.backbone;
  stem_ = register_module("stem", make_stem(b));
  const int L = space.num_layers();
  blocks_.resize(L);
  mids_.resize(L);
  aux_.assign(L, torch::nn::Sequential(nullptr));
  for (int l = 0; l < L; ++l) {
    const LayerSpec& layer = space.layers[l];
    const int width = space.nearest_width(layer.widths, 1.0);
    blocks_[l].assign(space.ops.size(), nullptr);
    mids_[l].assign(space.ops.size(), 0);
    // One block per weight group: the MB ops of a layer share one (kernels
    // as the centre of k7's, e3 as the first half of e6's channels).
    std::map<std::string, std::vector<int>> groups;
    for (int o : layer.ops) {
      mids_[l][o] = space.mid_channels(l, Gene{o, width});
      groups[weight_group(space.ops[o])].push_back(o);
    }
    for (const auto& [group, members] : groups) {
      std::vector<OpDef> defs;
      int mid = 1;
      for (int o : members) {
        defs.push_back(space.ops[o]);
        mid = std::max(mid, mids_[l][o]);
      }
      auto block = register_module(str_cat("l", l + 1, "_", group), make_block(defs, layer, mid));
      for (int o : members) blocks_[l][o] = block;
    }
    if (layer.cin != layer.cout || layer.stride != 1) {
      auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(layer.cin, layer.cout, 1).bias(false));
      aux_[l] = register_module(str_cat("l", l + 1, "_aux"),
                                torch::nn::Sequential(conv, torch::nn::BatchNorm2d(layer.cout)));
    }
  }
  head_ = register_module("head", make_head(b, L > 0 ? space.layers.back().cout : b.stem_channels));
}

torch::Tensor DiffSupernetImpl::forward(const torch::Tensor& x, const torch::Tensor& path, double phi) {
  const int L = space_->num_layers();
  HWNAS_CHECK(path.dim() == 2 && path.size(0) == L && path.size(1) == static_cast<int64_t>(space_->ops.size()),
              "path must be [", L, " x ", space_->ops.size(), "]");
  const torch::Tensor idx = path.detach().argmax(1);
  const int64_t* chosen = idx.data_ptr<int64_t>();
  torch::Tensor y = stem_->forward(x);
  for (int l = 0; l < L; ++l) {
    const int k = static_cast<int>(chosen[l]);
    HWNAS_CHECK(blocks_[l][k] != nullptr, "layer ", l + 1, ": op ", space_->ops[k].name, " is not allowed there");
    torch::Tensor out = blocks_[l][k]->run(y, space_->ops[k], mids_[l][k]) * path[l][k];
    if (phi > 0) {
      torch::Tensor skip = y;
      if (!aux_[l].is_empty()) {
        skip = aux_[l]->forward(y);
        if (space_->layers[l].stride > 1)
          skip = torch::max_pool2d(skip, space_->layers[l].stride, space_->layers[l].stride, 0, 1, /*ceil_mode=*/true);
      }
      out = out + phi * skip;
    }
    y = out;
  }
  return head_->forward(y);
}

}  // namespace hwnas
