// Errors: two tiers, as in faiss. HWNAS_CHECK throws hwnas::Error for bad user
// input (configs, arch strings, files); the CLI prints it as one line and exits
// non-zero. HWNAS_ASSERT guards internal invariants and aborts.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace hwnas {

/// A problem with something the user gave us (a file, a flag, an arch string).
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Concatenates any streamable values into one string.
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

[[noreturn]] void assert_fail(const char* expr, const char* file, int line);

}  // namespace hwnas

#define HWNAS_CHECK(cond, ...)                                   \
  do {                                                           \
    if (!(cond)) throw ::hwnas::Error(::hwnas::str_cat(__VA_ARGS__)); \
  } while (0)

#define HWNAS_ASSERT(cond)                                              \
  do {                                                                  \
    if (!(cond)) ::hwnas::assert_fail(#cond, __FILE__, __LINE__);       \
  } while (0)
