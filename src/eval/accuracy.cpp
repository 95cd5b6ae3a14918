#include "eval/accuracy.h"

#include "core/error.h"
#include "nn/device.h"

namespace hwnas {

double evaluate_accuracy(NetworkImpl& net, const Arch& arch, const ImageSet& set,
                         const Normalization& norm, int batch_size, int64_t limit) {
  torch::NoGradGuard no_grad;
  net.eval();
  BatchLoader::Options lo;
  lo.batch_size = batch_size;
  lo.shuffle = false;
  lo.limit = limit;
  BatchLoader loader(set, norm, lo, 0);
  const torch::Device device = device_of(net);
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions(torch::kInt64).device(device));
  double seen = 0;
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    auto [x, y] = loader.batch(0, i);
    correct += net.forward(to_device(x, device), arch).argmax(1).eq(to_device(y, device)).sum();
    seen += x.size(0);
  }
  HWNAS_CHECK(seen > 0, "no images to evaluate on in ", set.name);
  return 100.0 * static_cast<double>(correct.item<int64_t>()) / seen;  // one read of the device
}

void recalibrate_batchnorm(NetworkImpl& net, const Arch& arch, const ImageSet& set,
                           const Normalization& norm, int64_t images, int batch_size) {
  torch::NoGradGuard no_grad;
  BatchLoader::Options lo;
  lo.batch_size = batch_size;
  lo.shuffle = false;
  lo.limit = images;
  BatchLoader loader(set, norm, lo, 0);
  const torch::Device device = device_of(net);
  reset_batchnorm(net);
  net.train();
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    // momentum 1/(i+1) turns the running update into a cumulative average.
    set_batchnorm_momentum(net, 1.0 / static_cast<double>(i + 1));
    net.forward(to_device(loader.batch(0, i).first, device), arch);
  }
  set_batchnorm_momentum(net, 0.1);
  net.eval();
}

SupernetEvaluator::SupernetEvaluator(std::shared_ptr<NetworkImpl> supernet, const SearchSpace& space,
                                     const ImageSet& bn_set, const ImageSet& valid_set,
                                     Normalization norm, SupernetEvalOptions opts)
    : supernet_(std::move(supernet)),
      space_(space.clone()),
      bn_set_(bn_set),
      valid_set_(valid_set),
      norm_(std::move(norm)),
      opts_(opts) {
  HWNAS_CHECK(opts_.bn_images > 0, "BN recalibration needs images, got ", opts_.bn_images);
  HWNAS_CHECK(supernet_ && supernet_->is_supernet(), "SupernetEvaluator needs a supernet");
}

double SupernetEvaluator::accuracy(const Arch& arch) {
  const std::string key = space_->format(arch);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  recalibrate_batchnorm(*supernet_, arch, bn_set_, norm_, opts_.bn_images, opts_.bn_batch_size);
  const double acc =
      evaluate_accuracy(*supernet_, arch, valid_set_, norm_, opts_.batch_size, opts_.valid_images);
  ++evaluations_;
  cache_[key] = acc;
  return acc;
}

std::string SupernetEvaluator::describe() const {
  return str_cat("supernet(bn-recal=", opts_.bn_images, " imgs, valid=",
                 opts_.valid_images > 0 ? opts_.valid_images : valid_set_.size(), " imgs)");
}

}  // namespace hwnas
