// Genetic algorithm of HW-EvRSNAS (Algorithm 1, section 3.2): a population of
// N_pop archs evolved for N_gen generations by crossover and mutation,
// maximising fitness; with the penalty objective (Eq. 4, 5) this is
// HW-EvRSNAS's search. The paper fixes N_pop = 20 and N_gen = 100 (section
// 4.2) and takes its operators from EvNAS [32] without restating them; we use
// the standard ones: tournament selection, uniform crossover, per-layer
// mutation and elitism, with the rates below as our defaults.
#pragma once

#include <memory>
#include <string>

#include "core/factory.h"
#include "search/strategy.h"

namespace hwnas {

struct GeneticOptions {
  int population = 20;          ///< N_pop (HW-EvRSNAS section 4.2)
  int generations = 100;        ///< N_gen: populations 0..N_gen are evaluated (Algorithm 1, line 3)
  int tournament = 3;           ///< parents are the best of this many distinct random members
  double crossover_prob = 0.9;  ///< chance a child is a uniform crossover (each layer 50/50) of two parents, else a copy of the first
  double mutation_prob = 0.1;   ///< per layer, resample the gene
  int elite = 1;                ///< best members copied unchanged into the next generation
};

class GeneticStrategy : public Strategy {
 public:
  explicit GeneticStrategy(const GeneticOptions& options = {});
  History search(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
                 const Objective& objective, const SearchOptions& options,
                 const SearchCallbacks& callbacks = {}) const override;
  std::string describe() const override;

 private:
  GeneticOptions options_;
};

/// Factory hook for make_strategy (keys N, G, t, pc, pm, E).
std::unique_ptr<Strategy> make_genetic_strategy(FactoryOptions& opts);

}  // namespace hwnas
