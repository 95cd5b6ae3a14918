#include "core/error.h"

#include <cstdio>
#include <cstdlib>

namespace hwnas {

void assert_fail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "hwnas: internal error: %s failed at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace hwnas
