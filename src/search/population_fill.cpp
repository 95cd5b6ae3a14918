#include "search/population_fill.h"

#include <cmath>

#include "core/error.h"

namespace hwnas {

FillResult samples_to_fill(const SearchSpace& space, const LatencyModel& latency,
                           const Objective& objective, int population, Rng& rng,
                           int64_t max_samples) {
  HWNAS_CHECK(population >= 1, "population fill: population must be >= 1, got ", population);
  FillResult r;
  while (r.admitted < population && r.samples < max_samples) {
    const Arch a = space.sample(rng);
    ++r.samples;
    if (std::isfinite(objective.score(0.0, latency.predict_ms(a)))) ++r.admitted;
  }
  r.filled = r.admitted == population;
  return r;
}

}  // namespace hwnas
