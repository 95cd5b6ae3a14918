// Accuracy of networks on held-out data, and the weight-sharing evaluator:
// inherited supernet weights, BatchNorm recalibrated on a fixed slice of
// search-train, accuracy on search-validation (SPOS / HSCoNAS).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/evaluator.h"
#include "core/search_space.h"
#include "data/dataset.h"
#include "nn/network.h"

namespace hwnas {

/// Top-1 accuracy (%) of `net` along `arch` on `set` (no augmentation, eval
/// mode, no grad). `limit` > 0 uses only the first `limit` images.
double evaluate_accuracy(NetworkImpl& net, const Arch& arch, const ImageSet& set,
                         const Normalization& norm, int batch_size = 500, int64_t limit = 0);

/// Recomputes BatchNorm running statistics for `arch` as a cumulative average
/// over the first `images` images of `set` (in batches of `batch_size`).
void recalibrate_batchnorm(NetworkImpl& net, const Arch& arch, const ImageSet& set,
                           const Normalization& norm, int64_t images, int batch_size);

/// Settings of SupernetEvaluator.
struct SupernetEvalOptions {
  int64_t bn_images = 2000;    ///< search-train images for BN recalibration
  int bn_batch_size = 250;
  int64_t valid_images = 0;    ///< search-validation images to score on (0 = all)
  int batch_size = 500;
};

/// Evaluator backed by a trained supernet. Caches results by arch text.
class SupernetEvaluator : public Evaluator {
 public:
  SupernetEvaluator(std::shared_ptr<NetworkImpl> supernet, const SearchSpace& space,
                    const ImageSet& bn_set, const ImageSet& valid_set, Normalization norm,
                    SupernetEvalOptions opts);
  double accuracy(const Arch& arch) override;
  std::string describe() const override;
  int64_t evaluations() const { return evaluations_; }  ///< non-cached evaluations so far
  /// Results so far by arch text; with preload() a resumed run skips them.
  const std::map<std::string, double>& cache() const { return cache_; }
  void preload(const std::string& arch_text, double accuracy) { cache_[arch_text] = accuracy; }

 private:
  std::shared_ptr<NetworkImpl> supernet_;
  std::unique_ptr<SearchSpace> space_;
  const ImageSet& bn_set_;
  const ImageSet& valid_set_;
  Normalization norm_;
  SupernetEvalOptions opts_;
  std::map<std::string, double> cache_;
  int64_t evaluations_ = 0;
};

}  // namespace hwnas
