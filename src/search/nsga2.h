// Multi-objective search: NSGA-II (Deb et al. 2002) on accuracy (max) and
// predicted latency (min), and a scalarised baseline that runs the same
// loop with a random accuracy-latency weight each generation (ParEGO's
// idea without its surrogate). Both return every evaluated arch; the front
// is pareto_front() of the History (search/pareto.h). The objective the
// search is given only marks records feasible (a budget, if any).
#pragma once

#include <memory>
#include <string>

#include "core/factory.h"
#include "search/strategy.h"

namespace hwnas {

struct MultiObjectiveOptions {
  int population = 50;        ///< P: members kept each generation
  int generations = 19;       ///< G: P + G P = 1,000 evaluations at most
  double crossover_prob = 0.5;  ///< pc: each layer from the second parent
  double mutation_prob = 0.2;   ///< pm: each layer resampled
  bool scalarised = false;    ///< survival by a random weighting, not by fronts
};

class MultiObjectiveStrategy : public Strategy {
 public:
  explicit MultiObjectiveStrategy(const MultiObjectiveOptions& options);
  History search(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
                 const Objective& objective, const SearchOptions& options,
                 const SearchCallbacks& callbacks = {}) const override;
  std::string describe() const override;
  bool pareto() const override { return true; }

 private:
  MultiObjectiveOptions options_;
};

/// Factory hooks for make_strategy: "nsga2" and "scalarised" (keys P, G, pc, pm).
std::unique_ptr<Strategy> make_nsga2_strategy(FactoryOptions& opts);
std::unique_ptr<Strategy> make_scalarised_strategy(FactoryOptions& opts);

}  // namespace hwnas
