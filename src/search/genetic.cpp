#include "search/genetic.h"

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

GeneticStrategy::GeneticStrategy(const GeneticOptions& o) : options_(o) {
  HWNAS_CHECK(o.population >= 2, "ga: N (population) must be >= 2, got ", o.population);
  HWNAS_CHECK(o.generations >= 0, "ga: G (generations) must be >= 0, got ", o.generations);
  HWNAS_CHECK(o.tournament >= 1 && o.tournament <= o.population,
              "ga: t (tournament size) must be in 1..N = ", o.population, ", got ", o.tournament);
  HWNAS_CHECK(o.crossover_prob >= 0 && o.crossover_prob <= 1,
              "ga: pc (crossover probability) must be in [0, 1], got ", o.crossover_prob);
  HWNAS_CHECK(o.mutation_prob >= 0 && o.mutation_prob <= 1,
              "ga: pm (mutation probability) must be in [0, 1], got ", o.mutation_prob);
  HWNAS_CHECK(o.elite >= 0 && o.elite < o.population, "ga: E (elite) must be in 0..N-1 = ",
              o.population - 1, ", got ", o.elite);
}

History GeneticStrategy::search(const SearchSpace& space, Evaluator& evaluator,
                                const LatencyModel& latency, const Objective& objective,
                                const SearchOptions& search_options,
                                const SearchCallbacks& callbacks) const {
  const GeneticOptions& o = options_;
  SearchRun run(space, evaluator, latency, objective, search_options, callbacks);
  // Line 2: random initial population.
  Rng rng0 = run.rng(0);
  std::vector<Arch> pending = run.sample_distinct(o.population, rng0);
  // Line 3: while g <= N_gen.
  for (int g = 0; g <= o.generations; ++g) {
    // Lines 4-7: evaluate every member (cached archs cost nothing).
    std::vector<int> pop;
    for (const Arch& a : pending) {
      const int i = run.evaluate(a);
      if (i < 0) break;
      pop.push_back(i);
    }
    const bool spent = pop.size() < pending.size();
    if (run.end_generation(pop) || spent || g == o.generations) break;
    // Line 9: the next generation by selection, crossover and mutation.
    Rng rng = run.rng(g + 1);
    const std::vector<int> ranked = sort_by_score(run, pop);
    const auto tournament = [&] {
      std::vector<int> slots(pop.size());
      for (size_t i = 0; i < slots.size(); ++i) slots[i] = static_cast<int>(i);
      int best = -1;
      for (int k = 0; k < o.tournament; ++k) {  // distinct members: partial Fisher-Yates
        const int j = k + uniform_int(rng, static_cast<int>(slots.size()) - k);
        std::swap(slots[k], slots[j]);
        const int cand = pop[slots[k]];
        if (best < 0 || run.score(cand) > run.score(best)) best = cand;
      }
      return run.history().at(best).arch;
    };
    pending.clear();
    for (int e = 0; e < o.elite; ++e) pending.push_back(run.history().at(ranked[e]).arch);
    while (static_cast<int>(pending.size()) < o.population) {
      const Arch a = tournament();
      Arch child = a;
      if (uniform01(rng) < o.crossover_prob) child = space.crossover(a, tournament(), 0.5, rng);
      pending.push_back(space.mutate(child, o.mutation_prob, rng));
    }
  }
  // Line 8: the answer is the best member; with E >= 1 elitism keeps it in the
  // population, so it is History::best_index().
  return run.take();
}

std::string GeneticStrategy::describe() const {
  return format_factory_string("ga", {{"N", std::to_string(options_.population)},
                                      {"G", std::to_string(options_.generations)},
                                      {"t", std::to_string(options_.tournament)},
                                      {"pc", format_number(options_.crossover_prob)},
                                      {"pm", format_number(options_.mutation_prob)},
                                      {"E", std::to_string(options_.elite)}});
}

std::unique_ptr<Strategy> make_genetic_strategy(FactoryOptions& opts) {
  GeneticOptions o;
  o.population = opts.get_int("N", o.population);
  o.generations = opts.get_int("G", o.generations);
  o.tournament = opts.get_int("t", o.tournament);
  o.crossover_prob = opts.get_double("pc", o.crossover_prob);
  o.mutation_prob = opts.get_double("pm", o.mutation_prob);
  o.elite = opts.get_int("E", o.elite);
  return std::make_unique<GeneticStrategy>(o);
}

}  // namespace hwnas
