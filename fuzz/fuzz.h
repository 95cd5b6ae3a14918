// Shared by the fuzz targets (libFuzzer): bad input must end in hwnas::Error
// (the one-line message users see), never in another exception, a crash, a
// hang or a sanitizer report. Any other exception escapes and aborts.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace hwnas::fuzz {

/// The input as text.
inline std::string text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Runs `fn`; a clear refusal (hwnas::Error) is a correct answer.
template <class Fn>
void refused_or_ok(Fn&& fn) {
  try {
    fn();
  } catch (const Error&) {
  }
}

/// Aborts (a finding) when `ok` is false: an invariant that held for valid
/// input broke.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

/// The input as a file the readers can open by path: an anonymous in-memory
/// file (memfd), named /proc/self/fd/N, closed when this goes.
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) : fd_(memfd_create("fuzz", 0)) {
    require(fd_ >= 0, "memfd_create");
    for (size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      require(n > 0, "write to memfd");
      done += static_cast<size_t>(n);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace hwnas::fuzz
