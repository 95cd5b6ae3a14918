// File formats: IDX (MNIST / Fashion-MNIST, plain or gzip) and CIFAR-10 binary.
// Every malformed input is a user error (HWNAS_CHECK) naming the file and what
// is wrong with it. Free of LibTorch, so the fuzz build reads files through
// exactly this code.
#include "data/file_formats.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/io.h"
#include "core/strings.h"

namespace hwnas {
namespace {

constexpr uint32_t kIdxImagesMagic = 0x00000803;    // unsigned byte, 3 dims
constexpr uint32_t kIdxLabelsMagic = 0x00000801;    // unsigned byte, 1 dim
constexpr int64_t kMaxIdxBytes = int64_t{1} << 34;  // 16 GiB: larger headers are corrupt
constexpr int64_t kCifarSide = 32;
constexpr int64_t kCifarPixels = 3 * kCifarSide * kCifarSide;  // channel-major R, G, B planes
constexpr int64_t kCifarRecord = 1 + kCifarPixels;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", v);
  return buf;
}

/// Sequential reader over a gzip or plain file (zlib reads plain files
/// transparently).
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    HWNAS_CHECK(file_ != nullptr, path, ": cannot open: ", errno != 0 ? std::strerror(errno) : "out of memory");
    gzbuffer(file_, 1 << 17);
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  /// Reads up to `n` bytes into `dst`; fewer only at the end of the data.
  int64_t read(void* dst, int64_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    int64_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30));
      const int got = gzread(file_, out + done, chunk);
      if (got < 0) {
        int err = 0;
        const char* msg = gzerror(file_, &err);
        HWNAS_CHECK(false, path_, ": cannot read: ", err == Z_ERRNO ? std::strerror(errno) : msg);
      }
      if (got == 0) break;
      done += got;
    }
    return done;
  }

  /// Bytes left until the end of the data.
  int64_t count_rest() {
    std::vector<unsigned char> buf(1 << 16);
    int64_t total = 0;
    while (true) {
      const int64_t got = read(buf.data(), static_cast<int64_t>(buf.size()));
      total += got;
      if (got < static_cast<int64_t>(buf.size())) return total;
    }
  }

  /// True when a gzip stream ended before its trailer (a cut .gz file).
  bool gzip_cut_short() {
    int err = 0;
    gzerror(file_, &err);
    return err == Z_BUF_ERROR;
  }

  /// Reads a big-endian uint32; `what` names the field for the error.
  uint32_t read_be32(int64_t offset, const std::string& what) {
    unsigned char b[4];
    const int64_t got = read(b, 4);
    HWNAS_CHECK(got == 4, path_, ": truncated: file ends after ", offset + got, " bytes, inside the IDX header (", what,
                ")");
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

void check_magic(const std::string& path, uint32_t magic, uint32_t expected, const char* kind) {
  HWNAS_CHECK(magic == expected, path, ": bad magic ", hex32(magic), " (expected ", hex32(expected),
              " for IDX unsigned-byte ", kind, ")");
}

/// Reads `n` payload bytes into `out` and checks the file holds exactly
/// those: `announced` describes the payload in the error messages. Memory
/// grows with the bytes that arrive, not with what a header claims.
void read_payload(GzReader& in, const std::string& path, std::vector<uint8_t>* out, int64_t n,
                  const std::string& announced, const char* unit) {
  constexpr int64_t kChunk = int64_t{1} << 26;
  out->clear();
  int64_t got = 0;
  while (got < n) {
    const int64_t want = std::min(kChunk, n - got);
    out->resize(static_cast<size_t>(got + want));
    const int64_t read = in.read(out->data() + got, want);
    got += read;
    if (read < want) break;
  }
  if (got < n) {
    HWNAS_CHECK(false, path, ": truncated: header says ", announced, ", file holds ", got, " bytes of ", unit,
                in.gzip_cut_short() ? " (gzip stream cut short)" : "");
  }
  const int64_t extra = in.count_rest();
  HWNAS_CHECK(extra == 0, path, ": ", extra, " unexpected bytes after the ", announced, " the header announces");
}

}  // namespace

RawImages read_idx_images_raw(const std::string& path) {
  GzReader in(path);
  check_magic(path, in.read_be32(0, "magic"), kIdxImagesMagic, "images");
  const uint32_t n = in.read_be32(4, "image count");
  const uint32_t h = in.read_be32(8, "rows");
  const uint32_t w = in.read_be32(12, "columns");
  HWNAS_CHECK(n > 0 && h > 0 && w > 0, path, ": header says ", n, " images of ", h, "x", w,
              "; expected a non-empty set");
  // Three 32-bit counts: their product can overflow 64 bits (two cannot), so
  // divide.
  HWNAS_CHECK(uint64_t{h} * w <= uint64_t(kMaxIdxBytes / n), path, ": implausible header: ", n, " images of ", h, "x",
              w);
  const int64_t bytes = int64_t{n} * h * w;
  RawImages raw;
  raw.count = n;
  raw.height = h;
  raw.width = w;
  read_payload(in, path, &raw.pixels, bytes, str_cat(n, " images of ", h, "x", w), "pixels");
  return raw;
}

std::vector<uint8_t> read_idx_labels_raw(const std::string& path) {
  GzReader in(path);
  check_magic(path, in.read_be32(0, "magic"), kIdxLabelsMagic, "labels");
  const uint32_t n = in.read_be32(4, "label count");
  HWNAS_CHECK(n > 0, path, ": header says 0 labels; expected a non-empty set");
  HWNAS_CHECK(int64_t{n} <= kMaxIdxBytes, path, ": implausible header: ", n, " labels");
  std::vector<uint8_t> labels;
  read_payload(in, path, &labels, n, str_cat(n, " labels"), "labels");
  return labels;
}

RawImages read_cifar10_raw(const std::vector<std::string>& paths, const std::string& name) {
  HWNAS_CHECK(!paths.empty(), name, ": no CIFAR-10 batch files given");
  std::vector<std::string> blobs;
  int64_t total = 0;
  for (const std::string& path : paths) {
    HWNAS_CHECK(file_exists(path), path, ": cannot open: No such file or directory");
    std::string data = read_file(path);
    const int64_t size = static_cast<int64_t>(data.size());
    HWNAS_CHECK(size > 0 && size % kCifarRecord == 0, path, ": size ", size, " bytes is not a positive multiple of ",
                kCifarRecord, " (1 label byte + 3x32x32 pixel bytes per record)");
    total += size / kCifarRecord;
    blobs.push_back(std::move(data));
  }
  RawImages raw;
  raw.count = total;
  raw.channels = 3;
  raw.height = raw.width = kCifarSide;
  raw.pixels.resize(static_cast<size_t>(total * kCifarPixels));
  raw.labels.resize(static_cast<size_t>(total));
  int64_t row = 0;
  for (size_t f = 0; f < blobs.size(); ++f) {
    const auto* src = reinterpret_cast<const uint8_t*>(blobs[f].data());
    const int64_t records = static_cast<int64_t>(blobs[f].size()) / kCifarRecord;
    for (int64_t r = 0; r < records; ++r, ++row) {
      const uint8_t* rec = src + r * kCifarRecord;
      HWNAS_CHECK(rec[0] < kCifar10Classes, paths[f], ": record ", r, " has label ", int{rec[0]}, ", not < ",
                  kCifar10Classes, " classes");
      raw.labels[row] = rec[0];
      std::memcpy(raw.pixels.data() + row * kCifarPixels, rec + 1, kCifarPixels);
    }
  }
  return raw;
}

}  // namespace hwnas
