// Space specs ("hsconas:ops=...,depths=...", "nb201:C=..."): make_space
// refuses, or builds a space whose sampled archs round-trip through text.
#include "core/rng.h"
#include "core/search_space.h"
#include "fuzz/fuzz.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;  // specs are short; huge ones only slow the search
  fuzz::refused_or_ok([&] {
    const auto space = make_space(fuzz::text(data, size));
    if (space->num_layers() > 64) return;
    Rng rng(size);
    for (int i = 0; i < 3; ++i) {
      const Arch a = space->sample(rng);
      space->validate(a);
      fuzz::require(space->parse(space->format(a)) == space->canonical(a), "sampled arch does not round-trip");
    }
  });
  return 0;
}
