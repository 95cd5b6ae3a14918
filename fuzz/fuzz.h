// Shared by the fuzz targets (libFuzzer): bad input must end in hwnas::Error
// (the one-line message users see), never in another exception, a crash, a
// hang or a sanitizer report. Any other exception escapes and aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace hwnas::fuzz {

/// The input as text.
inline std::string text(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

/// Runs `fn`; a clear refusal (hwnas::Error) is a correct answer.
template <class Fn>
void refused_or_ok(Fn&& fn) {
  try {
    fn();
  } catch (const Error&) {
  }
}

/// Aborts (a finding) when `ok` is false: an invariant that held for valid input broke.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace hwnas::fuzz
