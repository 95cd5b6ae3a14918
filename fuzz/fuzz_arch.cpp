// Arch text of every built-in space: parse refuses or yields an arch that
// validates and formats back to text that parses to the same arch.
#include <memory>
#include <vector>

#include "core/search_space.h"
#include "fuzz/fuzz.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::unique_ptr<SearchSpace>> spaces = [] {
    std::vector<std::unique_ptr<SearchSpace>> v;
    for (const char* s : {"hsconas", "hsconas:ops=k3/k5/k7/x/skip/mb3e6", "hurricane", "mbv2", "domino", "nb201"})
      v.push_back(make_space(s));
    return v;
  }();
  if (size == 0) return 0;
  const SearchSpace& space = *spaces[data[0] % spaces.size()];
  const std::string arch_text = fuzz::text(data + 1, size - 1);
  fuzz::refused_or_ok([&] {
    const Arch a = space.parse(arch_text);
    space.validate(a);
    const std::string again = space.format(a);
    fuzz::require(space.format(space.parse(again)) == again, "format(parse(format(a))) != format(a)");
  });
  return 0;
}
