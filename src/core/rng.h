// Reproducible randomness: every random stream is derived from
// (run seed, stage, step, sample), so a resumed run draws the same numbers.
#pragma once

#include <cstdint>
#include <random>

#include "core/arch.h"

namespace hwnas {

using Rng = std::mt19937_64;

/// SplitMix64 finaliser: decorrelates nearby seeds.
inline uint64_t mix_seed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Stage names keep streams of different pipeline stages apart.
enum class Stage : uint64_t { kSupernet = 1, kShrink, kSearch, kRetrain, kProfile, kData, kEval, kGumbel };

/// An engine for one (seed, stage, step, sample) tuple.
inline Rng derive_rng(uint64_t seed, Stage stage, uint64_t step = 0, uint64_t sample = 0) {
  uint64_t s = mix_seed(seed);
  s = mix_seed(s ^ static_cast<uint64_t>(stage));
  s = mix_seed(s ^ step);
  s = mix_seed(s ^ sample);
  return Rng(s);
}

/// `base` with every gene of `arch` folded in: a stream of its own per arch,
/// e.g. the initial weights of a network trained from scratch.
inline uint64_t arch_seed(uint64_t base, const Arch& arch) {
  uint64_t s = base;
  for (const Gene& g : arch.genes) s = mix_seed(s ^ (static_cast<uint64_t>(g.op) * 1009 + g.width));
  return s;
}

/// Uniform integer in [0, n).
inline int uniform_int(Rng& rng, int n) {
  return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng));
}

/// Uniform real in [0, 1).
inline double uniform01(Rng& rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

}  // namespace hwnas
