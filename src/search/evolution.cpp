#include "search/evolution.h"

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

EvolutionStrategy::EvolutionStrategy(const EvolutionOptions& o) : options_(o) {
  HWNAS_CHECK(o.generations >= 0, "evolution: G (generations) must be >= 0, got ", o.generations);
  HWNAS_CHECK(o.population >= 3, "evolution: P (population) must be >= 3, got ", o.population);
  HWNAS_CHECK(o.parents >= 2 && o.parents < o.population,
              "evolution: K (parents) must be in 2..P-1 = ", o.population - 1, ", got ", o.parents);
  HWNAS_CHECK(o.crossover_prob >= 0 && o.crossover_prob <= 1,
              "evolution: pc (crossover probability) must be in [0, 1], got ", o.crossover_prob);
  HWNAS_CHECK(o.init_near >= 0 && o.init_near <= 1,
              "evolution: init (lowest latency of the initial population, x T) must be in [0, 1], got ", o.init_near);
  HWNAS_CHECK(o.children_near >= 0 && o.children_near <= 1,
              "evolution: near (lowest latency of a child, x T) must be in [0, 1], got ", o.children_near);
  HWNAS_CHECK(o.mutation_prob >= 0 && o.mutation_prob <= 1,
              "evolution: pm (mutation probability) must be in [0, 1], got ", o.mutation_prob);
}

Arch EvolutionStrategy::offspring(const SearchSpace& space, const Arch& a, const Arch& b,
                                  Rng& rng) const {
  return space.mutate(space.crossover(a, b, options_.crossover_prob, rng), options_.mutation_prob,
                      rng);
}

History EvolutionStrategy::search(const SearchSpace& space, Evaluator& evaluator,
                                  const LatencyModel& latency, const Objective& objective,
                                  const SearchOptions& search_options,
                                  const SearchCallbacks& callbacks) const {
  const EvolutionOptions& o = options_;
  SearchRun run(space, evaluator, latency, objective, search_options, callbacks);
  // Line 1: POP_0 <- init_population(P).
  Rng rng0 = run.rng(0);
  std::vector<int> pop;
  const std::vector<Arch> init = o.init_near > 0 ? run.sample_distinct_near_budget(o.population, o.init_near, rng0)
                                                 : run.sample_distinct(o.population, rng0);
  for (int i : run.evaluate_all(init)) {
    if (i < 0) break;
    pop.push_back(i);
  }
  if (run.end_generation(pop) || static_cast<int>(pop.size()) < o.population) return run.take();
  for (int g = 1; g <= o.generations; ++g) {
    Rng rng = run.rng(g);
    // Lines 3-7: score, sort, the top K are the parents.
    const std::vector<int> sorted = sort_by_score(run, pop);
    std::vector<int> next(sorted.begin(), sorted.begin() + o.parents);
    // Lines 8-12: P - K children from two distinct random parents each,
    // evaluated together.
    std::vector<Arch> children;
    for (int j = 0; j < o.population - o.parents; ++j) {
      Arch child;
      for (int attempt = 0; attempt < (o.children_near > 0 ? 100 : 1); ++attempt) {
        const int ia = uniform_int(rng, o.parents);
        int ib = uniform_int(rng, o.parents - 1);
        if (ib >= ia) ++ib;  // In_a != In_b
        child = offspring(space, run.history().at(next[ia]).arch, run.history().at(next[ib]).arch, rng);
        if (o.children_near <= 0 || run.near_budget(child, o.children_near)) break;
      }
      children.push_back(child);
    }
    bool spent = false;
    for (int c : run.evaluate_all(children)) {
      if (c < 0) {
        spent = true;
        break;
      }
      next.push_back(c);
    }
    // Line 13: POP_i <- children U parents (elitism: the K best survive).
    pop = next;
    if (run.end_generation(pop) || spent) break;
  }
  // Lines 15-16: the best is History::best_index() (it never leaves the population).
  return run.take();
}

std::string EvolutionStrategy::describe() const {
  return format_factory_string("evolution", {{"G", std::to_string(options_.generations)},
                                             {"P", std::to_string(options_.population)},
                                             {"K", std::to_string(options_.parents)},
                                             {"pc", format_number(options_.crossover_prob)},
                                             {"pm", format_number(options_.mutation_prob)},
                                             {"init", format_number(options_.init_near)},
                                             {"near", format_number(options_.children_near)}});
}

std::unique_ptr<Strategy> make_evolution_strategy(FactoryOptions& opts) {
  EvolutionOptions o;
  o.generations = opts.get_int("G", o.generations);
  o.population = opts.get_int("P", o.population);
  o.parents = opts.get_int("K", o.parents);
  o.init_near = opts.get_double("init", o.init_near);
  o.children_near = opts.get_double("near", o.children_near);
  o.crossover_prob = opts.get_double("pc", o.crossover_prob);
  o.mutation_prob = opts.get_double("pm", o.mutation_prob);
  return std::make_unique<EvolutionStrategy>(o);
}

}  // namespace hwnas
