// Image data files decoded to bytes: IDX (MNIST / Fashion-MNIST, plain or
// .gz) and CIFAR-10 binary batches. data/dataset.h turns them into tensors;
// this part needs no LibTorch (the fuzz build reads files through it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hwnas {

constexpr int kCifar10Classes = 10;

/// Decoded images: `count` images of channels x height x width uint8 pixels,
/// channel-major, one after another; labels where the format holds them.
struct RawImages {
  int64_t count = 0;
  int64_t channels = 1;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;  ///< CIFAR-10 only (IDX keeps labels in their own file)
};

/// Reads an IDX image file (magic 0x803); throws hwnas::Error naming the
/// file and what is wrong (magic, header, truncation, trailing bytes).
RawImages read_idx_images_raw(const std::string& path);
/// Reads an IDX label file (magic 0x801).
std::vector<uint8_t> read_idx_labels_raw(const std::string& path);
/// Reads CIFAR-10 binary batches (each record: 1 label byte + 3072 pixel
/// bytes); `name` names the set in errors.
RawImages read_cifar10_raw(const std::vector<std::string>& paths, const std::string& name);

}  // namespace hwnas
