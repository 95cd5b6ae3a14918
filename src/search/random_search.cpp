#include "search/random_search.h"

#include "core/error.h"

namespace hwnas {

RandomSearch::RandomSearch(const RandomSearchOptions& o) : options_(o) {
  HWNAS_CHECK(o.samples >= 1, "random: N (samples) must be >= 1, got ", o.samples);
  HWNAS_CHECK(o.batch >= 1, "random: B (batch) must be >= 1, got ", o.batch);
}

History RandomSearch::search(const SearchSpace& space, Evaluator& evaluator,
                             const LatencyModel& latency, const Objective& objective,
                             const SearchOptions& search_options,
                             const SearchCallbacks& callbacks) const {
  SearchRun run(space, evaluator, latency, objective, search_options, callbacks);
  // Draws that hit an already evaluated arch are free; give up on finding new
  // ones after 100 draws per wanted sample (a space smaller than N).
  const long max_draws = 100L * options_.samples;
  long draws = 0;
  for (int g = 0; run.history().size() < options_.samples && draws < max_draws; ++g) {
    Rng rng = run.rng(g);
    std::vector<int> batch;
    while (static_cast<int>(batch.size()) < options_.batch &&
           run.history().size() < options_.samples && draws < max_draws) {
      ++draws;
      const int before = run.history().size();
      const int i = run.evaluate(space.sample(rng));
      if (i < 0) break;
      if (run.history().size() > before) batch.push_back(i);
    }
    if (run.end_generation(batch) || !run.budget_left()) break;
  }
  return run.take();
}

std::string RandomSearch::describe() const {
  return format_factory_string(
      "random", {{"N", std::to_string(options_.samples)}, {"B", std::to_string(options_.batch)}});
}

std::unique_ptr<Strategy> make_random_strategy(FactoryOptions& opts) {
  RandomSearchOptions o;
  o.samples = opts.get_int("N", o.samples);
  o.batch = opts.get_int("B", o.batch);
  return std::make_unique<RandomSearch>(o);
}

}  // namespace hwnas
