// Image data files: the IDX reader (plain and gzip) and the CIFAR-10 batch
// reader refuse or return exactly the pixels and labels their header
// announces. The first input byte picks the reader.
#include "data/file_formats.h"
#include "fuzz/fuzz.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const fuzz::MemoryFile file(data + 1, size - 1);
  fuzz::refused_or_ok([&] {
    switch (data[0] % 3) {
      case 0: {
        const RawImages r = read_idx_images_raw(file.path());
        fuzz::require(r.count > 0 && static_cast<int64_t>(r.pixels.size()) == r.count * r.height * r.width,
                      "IDX images: pixel count differs from the header");
        break;
      }
      case 1:
        fuzz::require(!read_idx_labels_raw(file.path()).empty(), "IDX labels: empty set accepted");
        break;
      default: {
        const RawImages r = read_cifar10_raw({file.path()}, "fuzz");
        fuzz::require(static_cast<int64_t>(r.labels.size()) == r.count &&
                          static_cast<int64_t>(r.pixels.size()) == r.count * 3 * 32 * 32,
                      "CIFAR-10: sizes differ from the record count");
        for (uint8_t l : r.labels) fuzz::require(l < kCifar10Classes, "CIFAR-10: label out of range accepted");
      }
    }
  });
  return 0;
}
