// Random search: uniform samples from the space, the baseline every other
// strategy must beat at the same number of evaluations.
#pragma once

#include <memory>
#include <string>

#include "core/factory.h"
#include "search/strategy.h"

namespace hwnas {

struct RandomSearchOptions {
  /// Distinct archs to evaluate; 650 = P + G (P - K), what evolution's defaults evaluate at most.
  int samples = 650;
  int batch = 50;  ///< samples per generation (when on_generation is called)
};

class RandomSearch : public Strategy {
 public:
  explicit RandomSearch(const RandomSearchOptions& options = {});
  History search(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
                 const Objective& objective, const SearchOptions& options,
                 const SearchCallbacks& callbacks = {}) const override;
  std::string describe() const override;

 private:
  RandomSearchOptions options_;
};

/// Factory hook for make_strategy (keys N, B).
std::unique_ptr<Strategy> make_random_strategy(FactoryOptions& opts);

}  // namespace hwnas
