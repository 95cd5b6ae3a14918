// Regularized (aging) evolution, Real et al., AAAI 2019, Algorithm 1: pick the
// best of S random members of the population, mutate it once, append the
// child and remove the oldest member, whatever its score.
#pragma once

#include <memory>
#include <string>

#include "core/factory.h"
#include "search/strategy.h"

namespace hwnas {

struct RegularizedEvolutionOptions {
  int population = 50;  ///< P
  int sample = 10;      ///< S: tournament size, drawn with replacement as in the paper
  int cycles = 600;     ///< C: children after the initial population (P + C evaluations at most)
};

class RegularizedEvolution : public Strategy {
 public:
  explicit RegularizedEvolution(const RegularizedEvolutionOptions& options = {});
  History search(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
                 const Objective& objective, const SearchOptions& options,
                 const SearchCallbacks& callbacks = {}) const override;
  std::string describe() const override;

 private:
  RegularizedEvolutionOptions options_;
};

/// Real et al.'s mutation: one layer, chosen uniformly among those with more
/// than one candidate, gets a different gene. Returns `a` when no layer can change.
Arch mutate_one_layer(const SearchSpace& space, const Arch& a, Rng& rng);

/// Factory hook for make_strategy (keys P, S, C).
std::unique_ptr<Strategy> make_regularized_evolution_strategy(FactoryOptions& opts);

}  // namespace hwnas
