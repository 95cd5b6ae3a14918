// Data set specs, subsets, the search split and normalisation statistics.
#include "data/dataset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "core/io.h"
#include "core/strings.h"
#include "data/file_formats.h"

namespace hwnas {

namespace {

/// A uint8 tensor of `sizes` that owns `bytes` (no copy).
torch::Tensor owning_tensor(std::vector<uint8_t> bytes, std::vector<int64_t> sizes) {
  auto* held = new std::vector<uint8_t>(std::move(bytes));
  return torch::from_blob(held->data(), sizes, [held](void*) { delete held; }, torch::kUInt8);
}

}  // namespace

torch::Tensor read_idx_images(const std::string& path) {
  RawImages raw = read_idx_images_raw(path);
  return owning_tensor(std::move(raw.pixels), {raw.count, 1, raw.height, raw.width});
}

torch::Tensor read_idx_labels(const std::string& path) {
  std::vector<uint8_t> labels = read_idx_labels_raw(path);
  const int64_t n = static_cast<int64_t>(labels.size());
  return owning_tensor(std::move(labels), {n}).to(torch::kInt64);
}

ImageSet read_cifar10_batches(const std::vector<std::string>& paths, const std::string& name) {
  RawImages raw = read_cifar10_raw(paths, name);
  ImageSet set;
  set.name = name;
  set.num_classes = kCifar10Classes;
  set.images = owning_tensor(std::move(raw.pixels), {raw.count, raw.channels, raw.height, raw.width});
  set.labels = owning_tensor(std::move(raw.labels), {raw.count}).to(torch::kInt64);
  return set;
}

namespace {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
/// derive_rng step reserved for the search split; BatchLoader uses steps = epochs.
constexpr uint64_t kSplitStep = ~uint64_t{0};

/// `dir/base.gz` or `dir/base`, whichever exists (the .gz first).
std::string find_idx_file(const std::string& dir, const std::string& base) {
  const std::string plain = dir + "/" + base;
  if (file_exists(plain + ".gz")) return plain + ".gz";
  HWNAS_CHECK(file_exists(plain), plain, "[.gz]: no such file");
  return plain;
}

/// Every label must name one of `num_classes` classes.
void check_labels(const torch::Tensor& labels, int num_classes, const std::string& path) {
  const int64_t* lab = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < labels.numel(); ++i) {
    HWNAS_CHECK(lab[i] >= 0 && lab[i] < num_classes, path, ": label ", lab[i], " at index ", i,
                " is not < ", num_classes, " classes");
  }
}

ImageSet read_idx_pair(const std::string& dir, const std::string& prefix, const std::string& name) {
  const std::string images_path = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  ImageSet set;
  set.name = name;
  set.num_classes = 10;
  set.images = read_idx_images(images_path);
  set.labels = read_idx_labels(labels_path);
  HWNAS_CHECK(set.images.size(0) == set.labels.size(0), images_path, ": ", set.images.size(0),
              " images but ", labels_path, " holds ", set.labels.size(0), " labels");
  check_labels(set.labels, set.num_classes, labels_path);
  return set;
}

DataSplits load_idx_dir(const std::string& dir, const std::string& name) {
  DataSplits d;
  d.train = read_idx_pair(dir, "train", name + "/train");
  d.test = read_idx_pair(dir, "t10k", name + "/test");
  HWNAS_CHECK(d.train.images.sizes().slice(1) == d.test.images.sizes().slice(1), dir,
              ": train images are ", d.train.images.sizes(), " but test images are ",
              d.test.images.sizes());
  return d;
}

DataSplits load_cifar10_dir(std::string dir) {
  // Also accept the directory the official tarball unpacks to.
  if (!file_exists(dir + "/data_batch_1.bin") &&
      file_exists(dir + "/cifar-10-batches-bin/data_batch_1.bin")) {
    dir += "/cifar-10-batches-bin";
  }
  std::vector<std::string> train_paths;
  for (int b = 1; b <= 5; ++b) train_paths.push_back(str_cat(dir, "/data_batch_", b, ".bin"));
  DataSplits d;
  d.train = read_cifar10_batches(train_paths, "cifar10/train");
  d.test = read_cifar10_batches({dir + "/test_batch.bin"}, "cifar10/test");
  return d;
}

}  // namespace

ImageSet ImageSet::subset(const torch::Tensor& idx, const std::string& suffix) const {
  HWNAS_CHECK(idx.dim() == 1 && idx.scalar_type() == torch::kInt64, name,
              ": subset indices must be a 1-D int64 tensor, got ", idx.sizes(), " ",
              idx.scalar_type());
  if (idx.numel() > 0) {
    const int64_t lo = idx.min().item<int64_t>(), hi = idx.max().item<int64_t>();
    HWNAS_CHECK(lo >= 0 && hi < size(), name, ": subset index out of range [0, ", size(),
                "): min ", lo, ", max ", hi);
  }
  ImageSet out;
  out.name = name + suffix;
  out.num_classes = num_classes;
  out.images = images.index_select(0, idx);
  out.labels = labels.index_select(0, idx);
  return out;
}

DataSplits load_dataset(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  try {
    if (kind == "fashion-mnist" && colon == std::string::npos) {
      // Where the package was unpacked rather than installed (a machine
      // without apt, scripts/gpu/check.sh), HWNAS_FASHION_MNIST names the folder.
      const char* env = std::getenv("HWNAS_FASHION_MNIST");
      const std::string dir = env != nullptr && *env != '\0' ? env : kFashionMnistDir;
      HWNAS_CHECK(file_exists(dir), dir,
                  " not found; install it with `apt-get install dataset-fashion-mnist`, or use "
                  "mnist-idx:DIR");
      return load_idx_dir(dir, "fashion-mnist");
    }
    if (kind == "mnist-idx" || kind == "cifar10") {
      HWNAS_CHECK(!arg.empty(), "missing directory; use ", kind, ":DIR");
      HWNAS_CHECK(file_exists(arg), arg, ": no such directory");
      return kind == "cifar10" ? load_cifar10_dir(arg) : load_idx_dir(arg, "mnist-idx");
    }
  } catch (const Error& e) {
    throw Error(str_cat(kind, ": ", e.what()));
  }
  throw Error(str_cat("unknown data set '", spec,
                      "'; expected fashion-mnist, mnist-idx:DIR or cifar10:DIR"));
}

SearchSplit make_search_split(const ImageSet& train, int valid_per_class, uint64_t seed) {
  HWNAS_CHECK(valid_per_class >= 0, "valid_per_class must be >= 0, got ", valid_per_class);
  HWNAS_CHECK(train.size() > 0, train.name, ": cannot split an empty set");
  const torch::Tensor labels = train.labels.contiguous();
  const int64_t* lab = labels.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> by_class(train.num_classes);
  for (int64_t i = 0; i < train.size(); ++i) {
    HWNAS_CHECK(lab[i] >= 0 && lab[i] < train.num_classes, train.name, ": label ", lab[i],
                " at index ", i, " is not < ", train.num_classes, " classes");
    by_class[lab[i]].push_back(i);
  }
  Rng rng = derive_rng(seed, Stage::kData, kSplitStep);
  std::vector<int64_t> train_idx, valid_idx;
  for (int c = 0; c < train.num_classes; ++c) {
    std::vector<int64_t>& members = by_class[c];
    const int64_t count = static_cast<int64_t>(members.size());
    HWNAS_CHECK(count > valid_per_class, train.name, ": class ", c, " has ", count,
                " images, too few to hold out ", valid_per_class,
                " per class for search validation and keep some for training");
    // Partial Fisher-Yates: the first valid_per_class slots become a uniform sample.
    for (int64_t k = 0; k < valid_per_class; ++k) {
      const int64_t j = k + uniform_int(rng, static_cast<int>(count - k));
      std::swap(members[k], members[j]);
    }
    valid_idx.insert(valid_idx.end(), members.begin(), members.begin() + valid_per_class);
    train_idx.insert(train_idx.end(), members.begin() + valid_per_class, members.end());
  }
  std::sort(train_idx.begin(), train_idx.end());
  std::sort(valid_idx.begin(), valid_idx.end());
  auto to_tensor = [](const std::vector<int64_t>& v) {
    return torch::tensor(v, torch::kInt64).reshape({static_cast<int64_t>(v.size())});
  };
  SearchSplit s;
  s.search_train = train.subset(to_tensor(train_idx), "/search-train");
  s.search_valid = train.subset(to_tensor(valid_idx), "/search-valid");
  return s;
}

Normalization compute_normalization(const ImageSet& set) {
  HWNAS_CHECK(set.size() > 0, set.name, ": cannot compute normalisation of an empty set");
  HWNAS_CHECK(set.images.dim() == 4 && set.images.scalar_type() == torch::kUInt8, set.name,
              ": images must be uint8 [N, C, H, W], got ", set.images.sizes(), " ",
              set.images.scalar_type());
  // Exact per-channel histograms of the 256 pixel values, then mean / std in [0, 1] units.
  const torch::Tensor images = set.images.contiguous();
  const int64_t n = images.size(0), c = images.size(1), plane = images.size(2) * images.size(3);
  const uint8_t* px = images.data_ptr<uint8_t>();
  std::vector<std::array<int64_t, 256>> hist(c);
  for (auto& h : hist) h.fill(0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const uint8_t* p = px + (i * c + ch) * plane;
      std::array<int64_t, 256>& h = hist[ch];
      for (int64_t k = 0; k < plane; ++k) ++h[p[k]];
    }
  }
  Normalization norm;
  const double count = static_cast<double>(n * plane);
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sum_sq = 0;
    for (int v = 0; v < 256; ++v) {
      const double x = v / 255.0;
      sum += x * hist[ch][v];
      sum_sq += x * x * hist[ch][v];
    }
    const double mean = sum / count;
    const double var = std::max(0.0, sum_sq / count - mean * mean);
    norm.mean.push_back(static_cast<float>(mean));
    // A constant channel normalises to 0 instead of dividing by zero.
    norm.std.push_back(var > 1e-12 ? static_cast<float>(std::sqrt(var)) : 1.0f);
  }
  return norm;
}

}  // namespace hwnas
