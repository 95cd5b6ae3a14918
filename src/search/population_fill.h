// Penalty vs rejection sampling (HW-EvRSNAS section 4.4.2, Fig. 5): how many
// uniform samples it takes to fill an initial population when candidates an
// objective scores -infinity are rejected (hard constraint) versus admitted
// with a penalty (every sample admitted).
#pragma once

#include <cstdint>

#include "core/latency_model.h"
#include "core/rng.h"
#include "core/search_space.h"
#include "search/objective.h"

namespace hwnas {

struct FillResult {
  int64_t samples = 0;  ///< uniform samples drawn
  int admitted = 0;     ///< members admitted (== population when filled)
  bool filled = false;  ///< false when max_samples ran out first
};

/// Draws uniform samples of `space` until `population` are admitted; a
/// sample is admitted when objective.score(0, latency) is finite (only the
/// latency decides admission, so no accuracy is evaluated). Duplicates count
/// as separate samples and members, as in plain sampling with replacement.
FillResult samples_to_fill(const SearchSpace& space, const LatencyModel& latency,
                           const Objective& objective, int population, Rng& rng,
                           int64_t max_samples);

}  // namespace hwnas
