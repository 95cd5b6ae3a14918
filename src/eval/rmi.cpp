#include "eval/rmi.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "core/strings.h"
#include "nn/device.h"
#include "nn/nb201_net.h"

namespace hwnas {

torch::Tensor linear_cka(const torch::Tensor& x, const torch::Tensor& y) {
  HWNAS_CHECK(x.dim() >= 1 && y.dim() >= 1 && x.size(0) == y.size(0), "RMI: representations of ",
              x.dim() >= 1 ? x.size(0) : 0, " and ", y.dim() >= 1 ? y.size(0) : 0,
              " examples cannot be compared");
  const int64_t n = x.size(0);
  // X in R^{n x d}: one row per example; centred columns (Kornblith's CKA).
  torch::Tensor xs = x.reshape({n, -1}).to(torch::kDouble);
  torch::Tensor ys = y.reshape({n, -1}).to(torch::kDouble);
  xs = xs - xs.mean(0, /*keepdim=*/true);
  ys = ys - ys.mean(0, /*keepdim=*/true);
  // ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F) through n x n Gram matrices:
  // ||Y^T X||_F^2 = <X X^T, Y Y^T>_F and ||X^T X||_F = ||X X^T||_F.
  const torch::Tensor k = xs.matmul(xs.t());
  const torch::Tensor l = ys.matmul(ys.t());
  const torch::Tensor hsic = (k * l).sum();
  const torch::Tensor norms = (k.pow(2).sum() * l.pow(2).sum()).clamp_min(1e-300).sqrt();
  return hsic / norms;  // 0 / tiny = 0 for a constant representation
}

torch::Tensor rmi_score(const std::vector<torch::Tensor>& reference,
                        const std::vector<torch::Tensor>& candidate) {
  HWNAS_CHECK(!reference.empty() && reference.size() == candidate.size(), "RMI: ", reference.size(),
              " reference layers vs ", candidate.size(), " candidate layers");
  torch::Tensor phi = linear_cka(reference[0], candidate[0]);
  for (size_t i = 1; i < reference.size(); ++i) phi = phi + linear_cka(reference[i], candidate[i]);
  return phi;  // HW-EvRSNAS Eq. 2
}

std::vector<torch::Tensor> rmi_features(NetworkImpl& net, const torch::Tensor& x, const Arch& arch,
                                        torch::Tensor* logits) {
  auto* nb = dynamic_cast<Nb201NetImpl*>(&net);
  HWNAS_CHECK(nb != nullptr,
              "RMI needs a network that exposes its stage feature maps; only nb201 spaces do");
  Nb201Output out = nb->forward_features(x, arch);
  if (logits) *logits = out.logits;
  return std::move(out.features);
}

void RmiOptions::validate() const {
  HWNAS_CHECK(beta >= 0 && beta <= 1, "RMI beta must be in [0, 1], got ", beta);
  HWNAS_CHECK(steps >= 0, "RMI training steps must be >= 0, got ", steps);
  HWNAS_CHECK(lr > 0 && lr < 100, "RMI learning rate must be in (0, 100), got ", lr);
  HWNAS_CHECK(momentum >= 0 && momentum < 1, "RMI momentum must be in [0, 1), got ", momentum);
  HWNAS_CHECK(weight_decay >= 0, "RMI weight decay must be >= 0, got ", weight_decay);
}

RmiProxy::RmiProxy(const SearchSpace& space, NetworkImpl& reference, const Arch& reference_arch,
                   torch::Tensor images, torch::Tensor labels, RmiOptions opts)
    : space_(space.clone()),
      images_(to_device(images, device_of(reference))),  // the candidates train where the reference runs
      labels_(to_device(labels, device_of(reference))),
      opts_(opts) {
  opts_.validate();
  HWNAS_CHECK(images_.dim() == 4 && labels_.dim() == 1 && images_.size(0) == labels_.size(0) &&
                  images_.size(0) >= 2,
              "RMI batch needs >= 2 images [n, C, H, W] with n labels");
  torch::NoGradGuard no_grad;
  const bool was_training = reference.is_training();
  reference.eval();
  reference_features_ = rmi_features(reference, images_, reference_arch);
  for (auto& f : reference_features_) f = f.detach().clone();
  reference.train(was_training);
}

RmiResult RmiProxy::score(const Arch& arch) const {
  const auto t0 = std::chrono::steady_clock::now();
  space_->validate(arch);
  torch::manual_seed(arch_seed(mix_seed(opts_.seed ^ 0x524d49ULL), arch));  // "RMI"
  std::shared_ptr<NetworkImpl> net = make_network(*space_, arch);
  net->to(images_.device());
  net->train();
  const double layers = static_cast<double>(reference_features_.size());
  {
    torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(opts_.lr)
                                                 .momentum(opts_.momentum)
                                                 .weight_decay(opts_.weight_decay));
    for (int step = 0; step < opts_.steps; ++step) {
      // Undefined gradients let SGD skip parameters the loss does not reach
      // (e.g. behind `none` edges).
      for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
      torch::Tensor logits;
      const std::vector<torch::Tensor> feats = rmi_features(*net, images_, arch, &logits);
      const torch::Tensor phi = rmi_score(reference_features_, feats);
      const torch::Tensor task = torch::nn::functional::cross_entropy(logits, labels_);
      // HW-EvRSNAS Eq. 3, with the RMI term as RMI-NAS's loss L - phi (see rmi.h).
      const torch::Tensor loss =
          opts_.beta * (layers - phi) + (1 - opts_.beta) * task.to(torch::kDouble);
      if (!std::isfinite(loss.item<double>())) break;  // scored as it stands
      loss.backward();
      opt.step();
    }
  }
  RmiResult r;
  {
    torch::NoGradGuard no_grad;
    torch::Tensor logits;
    const std::vector<torch::Tensor> feats = rmi_features(*net, images_, arch, &logits);
    for (size_t i = 0; i < feats.size(); ++i) {
      const double v = linear_cka(reference_features_[i], feats[i]).item<double>();
      r.per_layer.push_back(std::isfinite(v) ? v : 0.0);
      r.rmi += r.per_layer.back();
    }
    r.task_loss = torch::nn::functional::cross_entropy(logits, labels_).item<double>();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

double RmiProxy::accuracy(const Arch& arch) {
  const std::string key = space_->format(arch);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  const RmiResult r = score(arch);
  ++evaluations_;
  seconds_ += r.seconds;
  cache_.emplace(key, r.rmi);
  return r.rmi;
}

std::string RmiProxy::describe() const {
  return str_cat("rmi(batch=", images_.size(0), ",layers=", reference_features_.size(),
                 ",beta=", format_number(opts_.beta), ",steps=", opts_.steps,
                 ",lr=", format_number(opts_.lr), ")");
}

}  // namespace hwnas
