#include "search/regularized_evolution.h"

#include <deque>

#include "core/error.h"

namespace hwnas {

RegularizedEvolution::RegularizedEvolution(const RegularizedEvolutionOptions& o) : options_(o) {
  HWNAS_CHECK(o.population >= 2, "regularized-evolution: P (population) must be >= 2, got ",
              o.population);
  HWNAS_CHECK(o.sample >= 1 && o.sample <= o.population,
              "regularized-evolution: S (sample size) must be in 1..P = ", o.population, ", got ",
              o.sample);
  HWNAS_CHECK(o.cycles >= 0, "regularized-evolution: C (cycles) must be >= 0, got ", o.cycles);
}

Arch mutate_one_layer(const SearchSpace& space, const Arch& a, Rng& rng) {
  std::vector<int> mutable_layers;
  for (int l = 0; l < space.num_layers(); ++l) {
    const LayerSpec& spec = space.layers[l];
    int choices = 0;
    for (int o : spec.ops) choices += space.ops[o].scalable ? static_cast<int>(spec.widths.size()) : 1;
    if (choices > 1) mutable_layers.push_back(l);
  }
  if (mutable_layers.empty()) return a;
  Arch out = space.canonical(a);
  const int l = mutable_layers[uniform_int(rng, static_cast<int>(mutable_layers.size()))];
  const Gene old = out.genes[l];
  for (int t = 0; t < 1000 && out.genes[l] == old; ++t) out.genes[l] = space.sample_gene(l, rng);
  return out;
}

History RegularizedEvolution::search(const SearchSpace& space, Evaluator& evaluator,
                                     const LatencyModel& latency, const Objective& objective,
                                     const SearchOptions& search_options,
                                     const SearchCallbacks& callbacks) const {
  const RegularizedEvolutionOptions& o = options_;
  SearchRun run(space, evaluator, latency, objective, search_options, callbacks);
  std::deque<int> population;  // oldest at the front
  Rng rng0 = run.rng(0);
  for (const Arch& a : run.sample_distinct(o.population, rng0)) {
    const int i = run.evaluate(a);
    if (i < 0) break;
    population.push_back(i);
  }
  const auto snapshot = [&] { return std::vector<int>(population.begin(), population.end()); };
  if (run.end_generation(snapshot()) || static_cast<int>(population.size()) < o.population)
    return run.take();
  // A generation here is P cycles, so callbacks see the population once per turnover.
  for (int cycle = 0; cycle < o.cycles; ++cycle) {
    Rng rng = run.rng(1 + static_cast<uint64_t>(cycle));
    int parent = -1;
    for (int s = 0; s < o.sample; ++s) {
      const int candidate = population[uniform_int(rng, o.population)];
      if (parent < 0 || run.score(candidate) > run.score(parent)) parent = candidate;
    }
    const int child = run.evaluate(mutate_one_layer(space, run.history().at(parent).arch, rng));
    if (child < 0) {
      run.end_generation(snapshot());
      break;
    }
    population.push_back(child);
    population.pop_front();  // the oldest dies (aging)
    const bool last = cycle + 1 == o.cycles;
    if (((cycle + 1) % o.population == 0 || last) && run.end_generation(snapshot())) break;
  }
  return run.take();
}

std::string RegularizedEvolution::describe() const {
  return format_factory_string("regularized-evolution",
                               {{"P", std::to_string(options_.population)},
                                {"S", std::to_string(options_.sample)},
                                {"C", std::to_string(options_.cycles)}});
}

std::unique_ptr<Strategy> make_regularized_evolution_strategy(FactoryOptions& opts) {
  RegularizedEvolutionOptions o;
  o.population = opts.get_int("P", o.population);
  o.sample = opts.get_int("S", o.sample);
  o.cycles = opts.get_int("C", o.cycles);
  return std::make_unique<RegularizedEvolution>(o);
}

}  // namespace hwnas
