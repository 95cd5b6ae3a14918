#include "search/nsga2.h"

#include <algorithm>
#include <limits>
#include <set>

#include "core/error.h"
#include "core/strings.h"
#include "search/pareto.h"

namespace hwnas {

MultiObjectiveStrategy::MultiObjectiveStrategy(const MultiObjectiveOptions& o) : options_(o) {
  const char* name = o.scalarised ? "scalarised" : "nsga2";
  HWNAS_CHECK(o.population >= 4, name, ": P (population) must be >= 4, got ", o.population);
  HWNAS_CHECK(o.generations >= 0, name, ": G (generations) must be >= 0, got ", o.generations);
  HWNAS_CHECK(o.crossover_prob >= 0 && o.crossover_prob <= 1, name, ": pc must be in [0, 1], got ", o.crossover_prob);
  HWNAS_CHECK(o.mutation_prob >= 0 && o.mutation_prob <= 1, name, ": pm must be in [0, 1], got ", o.mutation_prob);
}

namespace {

/// Fitness of the members of one pool: lower is better. NSGA-II: the front's
/// rank, ties broken by crowding (larger first); scalarised: a weighted sum of
/// accuracy and latency normalised over the pool.
std::vector<double> pool_fitness(const History& h, const std::vector<int>& pool, bool scalarised, double weight) {
  std::vector<double> fit(pool.size());
  if (scalarised) {
    double amin = std::numeric_limits<double>::infinity(), amax = -amin, lmin = amin, lmax = -amin;
    for (int i : pool) {
      amin = std::min(amin, h.at(i).accuracy);
      amax = std::max(amax, h.at(i).accuracy);
      lmin = std::min(lmin, h.at(i).latency_ms);
      lmax = std::max(lmax, h.at(i).latency_ms);
    }
    for (size_t k = 0; k < pool.size(); ++k) {
      const SearchRecord& r = h.at(pool[k]);
      const double a = amax > amin ? (r.accuracy - amin) / (amax - amin) : 0;
      const double l = lmax > lmin ? (r.latency_ms - lmin) / (lmax - lmin) : 0;
      fit[k] = -(weight * a - (1 - weight) * l);
    }
    return fit;
  }
  std::vector<Objectives> pts;
  for (int i : pool) pts.push_back({-h.at(i).accuracy, h.at(i).latency_ms});
  const std::vector<std::vector<int>> fronts = non_dominated_sort(pts);
  for (size_t f = 0; f < fronts.size(); ++f) {
    const std::vector<double> crowd = crowding_distance(pts, fronts[f]);
    for (size_t m = 0; m < fronts[f].size(); ++m)
      // rank first; within a rank, crowding in (0, 1]: infinity -> 0, 0 -> 1
      fit[fronts[f][m]] = static_cast<double>(f) + 1.0 / (1.0 + crowd[m]);
  }
  return fit;
}

}  // namespace

History MultiObjectiveStrategy::search(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
                                       const Objective& objective, const SearchOptions& search_options,
                                       const SearchCallbacks& callbacks) const {
  const MultiObjectiveOptions& o = options_;
  SearchRun run(space, evaluator, latency, objective, search_options, callbacks);
  Rng rng0 = run.rng(0);
  std::vector<int> pop;
  for (int i : run.evaluate_all(run.sample_distinct(o.population, rng0)))
    if (i >= 0) pop.push_back(i);
  if (run.end_generation(pop) || pop.size() < 2) return run.take();
  for (int g = 1; g <= o.generations; ++g) {
    Rng rng = run.rng(g);
    const double weight = uniform01(rng);  // the scalarised baseline's weighting this generation
    const std::vector<double> fit = pool_fitness(run.history(), pop, o.scalarised, weight);
    // Binary tournament on the fitness.
    const auto parent = [&] {
      const int a = uniform_int(rng, static_cast<int>(pop.size())), b = uniform_int(rng, static_cast<int>(pop.size()));
      return run.history().at(pop[fit[a] <= fit[b] ? a : b]).arch;
    };
    std::vector<Arch> children;
    for (int tries = 0; static_cast<int>(children.size()) < o.population && tries < 20 * o.population; ++tries) {
      Arch c = space.mutate(space.crossover(parent(), parent(), o.crossover_prob, rng), o.mutation_prob, rng);
      if (run.history().find(space.format(space.canonical(c))) < 0) children.push_back(c);
    }
    std::set<int> pool_set(pop.begin(), pop.end());
    bool spent = false;
    for (int i : run.evaluate_all(children)) {
      if (i < 0) spent = true;
      else pool_set.insert(i);
    }
    // Survival: the best P of parents and children.
    const std::vector<int> pool(pool_set.begin(), pool_set.end());
    const std::vector<double> pool_fit = pool_fitness(run.history(), pool, o.scalarised, weight);
    std::vector<int> order(pool.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return pool_fit[a] < pool_fit[b]; });
    pop.clear();
    for (size_t k = 0; k < order.size() && static_cast<int>(pop.size()) < o.population; ++k) pop.push_back(pool[order[k]]);
    if (run.end_generation(pop) || spent) break;
  }
  return run.take();
}

std::string MultiObjectiveStrategy::describe() const {
  return format_factory_string(options_.scalarised ? "scalarised" : "nsga2",
                               {{"P", std::to_string(options_.population)},
                                {"G", std::to_string(options_.generations)},
                                {"pc", format_number(options_.crossover_prob)},
                                {"pm", format_number(options_.mutation_prob)}});
}

namespace {

std::unique_ptr<Strategy> make_multi_objective(FactoryOptions& opts, bool scalarised) {
  MultiObjectiveOptions o;
  o.scalarised = scalarised;
  o.population = opts.get_int("P", o.population);
  o.generations = opts.get_int("G", o.generations);
  o.crossover_prob = opts.get_double("pc", o.crossover_prob);
  o.mutation_prob = opts.get_double("pm", o.mutation_prob);
  return std::make_unique<MultiObjectiveStrategy>(o);
}

}  // namespace

std::unique_ptr<Strategy> make_nsga2_strategy(FactoryOptions& opts) { return make_multi_objective(opts, false); }
std::unique_ptr<Strategy> make_scalarised_strategy(FactoryOptions& opts) { return make_multi_objective(opts, true); }

}  // namespace hwnas
