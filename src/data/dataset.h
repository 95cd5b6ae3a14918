// Image classification data: Fashion-MNIST / MNIST IDX files (optionally
// .gz), the CIFAR-10 binary format, deterministic search splits, batching
// and standard augmentation.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"

namespace hwnas {

/// A labelled image set held in memory.
struct ImageSet {
  std::string name;      ///< e.g. "fashion-mnist/train"
  torch::Tensor images;  ///< uint8 [N, C, H, W]
  torch::Tensor labels;  ///< int64 [N]
  int num_classes = 10;
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  /// Rows `idx` (int64 indices) as a new set.
  ImageSet subset(const torch::Tensor& idx, const std::string& suffix) const;
};

/// Train and test halves of a data set.
struct DataSplits {
  ImageSet train;  ///< full training set
  ImageSet test;   ///< held out; used only for final numbers
};

/// Loads a data set by spec:
///  - "fashion-mnist" (default; /usr/share/datasets/fashion-mnist from the
///    dataset-fashion-mnist package), "mnist-idx:DIR" (train-images-idx3-ubyte[.gz] etc.),
///  - "cifar10:DIR" (data_batch_1..5.bin, test_batch.bin).
/// Throws hwnas::Error with one clear line for a missing or corrupt file.
DataSplits load_dataset(const std::string& spec);

/// Reads one IDX file (plain or .gz): images as uint8 [N, 1, H, W], labels as int64 [N].
torch::Tensor read_idx_images(const std::string& path);
torch::Tensor read_idx_labels(const std::string& path);
/// Reads CIFAR-10 binary batches (each record: 1 label byte + 3072 pixel bytes).
ImageSet read_cifar10_batches(const std::vector<std::string>& paths, const std::string& name);

/// HSCoNAS samples its validation set from the training set: a deterministic,
/// class-balanced split of `train` into search-train and search-validation
/// (`valid_per_class` images of each class), fixed by `seed`.
struct SearchSplit {
  ImageSet search_train;
  ImageSet search_valid;
};
SearchSplit make_search_split(const ImageSet& train, int valid_per_class, uint64_t seed);

/// Per-channel mean / std of a uint8 set (over all pixels), in [0, 1] units.
struct Normalization {
  std::vector<float> mean, std;
};
Normalization compute_normalization(const ImageSet& set);

/// Iterates a set in mini-batches as normalised float tensors. With
/// augmentation: random crop after zero-padding by `pad` pixels and, where
/// `flip`, random horizontal flips. The order is a deterministic shuffle of
/// (seed, epoch), so a resumed run sees the same batches.
/// `batch(e, i)` is a pure function of (seed, e, i): the augmentation draws
/// come from derive_rng(seed, Stage::kData, e, i + 1), the shuffle from
/// derive_rng(seed, Stage::kData, e, 0). Padding is black (pixel value 0,
/// before normalisation), as torchvision's RandomCrop(padding=p).
/// The loader keeps a reference: `set` must outlive it. Copies share the
/// (thread-safe) cache of the last epoch's permutation.
class BatchLoader {
 public:
  struct Options {
    int batch_size = 256;
    bool shuffle = true;
    bool augment = false;
    int pad = 2;
    bool flip = true;
    bool drop_last = false;
    int64_t limit = 0;  ///< use only the first `limit` images (0 = all)
  };
  BatchLoader(const ImageSet& set, const Normalization& norm, Options opts, uint64_t seed);
  /// Batches per epoch.
  int64_t num_batches() const;
  /// Batch `i` (0-based) of epoch `epoch`: images float [B, C, H, W], labels int64 [B].
  std::pair<torch::Tensor, torch::Tensor> batch(int64_t epoch, int64_t i) const;

 private:
  struct PermCache;
  /// Indices (into set_) of batch `i` of `epoch`.
  torch::Tensor batch_indices(int64_t epoch, int64_t i) const;
  /// Random crop (after zero-padding) and flip of uint8 batch `x`, batch `i` of `epoch`.
  torch::Tensor augment(const torch::Tensor& x, int64_t epoch, int64_t i) const;

  const ImageSet& set_;
  Normalization norm_;
  Options opts_;
  uint64_t seed_;
  int64_t n_ = 0;        ///< images used: min(limit, set size)
  torch::Tensor scale_;  ///< float [1, C, 1, 1]: 1 / (255 * std)
  torch::Tensor shift_;  ///< float [1, C, 1, 1]: -mean / std
  std::shared_ptr<PermCache> perm_cache_;
};

}  // namespace hwnas
