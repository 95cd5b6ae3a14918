#include "search/strategy.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "core/factory.h"
#include "core/io.h"
#include "core/strings.h"
#include "search/evolution.h"
#include "search/genetic.h"
#include "search/nsga2.h"
#include "search/random_search.h"
#include "search/regularized_evolution.h"

namespace hwnas {

int History::find(const std::string& arch_text) const {
  auto it = index_.find(arch_text);
  return it == index_.end() ? -1 : it->second;
}

int History::best_index() const {
  int best = -1;
  for (int i = 0; i < size(); ++i)
    if (best < 0 || records_[i].score > records_[best].score) best = i;
  return best;
}

int History::best_feasible_index() const {
  int best = -1;
  for (int i = 0; i < size(); ++i)
    if (records_[i].feasible && (best < 0 || records_[i].score > records_[best].score)) best = i;
  return best;
}

int History::add(SearchRecord record) {
  HWNAS_ASSERT(index_.count(record.arch_text) == 0);
  const int i = size();
  index_.emplace(record.arch_text, i);
  records_.push_back(std::move(record));
  return i;
}

void History::end_generation(int generation, std::vector<int> population) {
  generation_ = generation;
  population_ = std::move(population);
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string History::to_csv() const {
  std::string out = "generation,arch,accuracy,latency_ms,score\n";
  for (const SearchRecord& r : records_)
    out += str_cat(r.generation, ",", csv_field(r.arch_text), ",", format_number(r.accuracy), ",",
                   format_number(r.latency_ms), ",", format_number(r.score), "\n");
  return out;
}

void History::write_csv(const std::string& path) const { write_file_atomic(path, to_csv()); }

SearchRun::SearchRun(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
                     const Objective& objective, const SearchOptions& options,
                     const SearchCallbacks& callbacks)
    : space_(space),
      evaluator_(evaluator),
      latency_(latency),
      objective_(objective),
      options_(options),
      callbacks_(callbacks) {
  HWNAS_CHECK(options.max_evals >= 0, "search: max evaluations must be >= 0 (0 = no cap), got ",
              options.max_evals);
}

bool SearchRun::budget_left() const {
  return options_.max_evals == 0 || history_.size() < options_.max_evals;
}

SearchRecord scored_record(const SearchSpace& space, const Arch& arch, double accuracy, const LatencyModel& latency,
                           const Objective& objective) {
  SearchRecord r;
  r.arch = space.canonical(arch);
  r.arch_text = space.format(r.arch);
  r.accuracy = accuracy;
  r.latency_ms = latency.predict_ms(r.arch);
  r.score = objective.score(r.accuracy, r.latency_ms);
  r.feasible = objective.feasible(r.latency_ms);
  HWNAS_CHECK(!std::isnan(r.score), "search: objective ", objective.describe(), " gave NaN for ", r.arch_text,
              " (accuracy ", r.accuracy, ", latency ", r.latency_ms, " ms)");
  return r;
}

SearchRecord score_arch(const SearchSpace& space, const Arch& arch, Evaluator& evaluator, const LatencyModel& latency,
                        const Objective& objective) {
  return scored_record(space, arch, evaluator.accuracy(space.canonical(arch)), latency, objective);
}

int SearchRun::evaluate(const Arch& arch) { return evaluate_all({arch})[0]; }

std::vector<int> SearchRun::evaluate_all(const std::vector<Arch>& archs) {
  std::vector<int> out(archs.size(), -1);
  std::vector<int> fresh_of(archs.size(), -1);  // position in `fresh`
  std::vector<Arch> fresh;
  std::map<std::string, int> pending;
  for (size_t i = 0; i < archs.size(); ++i) {
    const Arch a = space_.canonical(archs[i]);
    const std::string text = space_.format(a);
    if ((out[i] = history_.find(text)) >= 0) continue;
    if (auto it = pending.find(text); it != pending.end()) {
      fresh_of[i] = it->second;
      continue;
    }
    if (options_.max_evals > 0 && history_.size() + static_cast<int>(fresh.size()) >= options_.max_evals) continue;
    fresh_of[i] = pending[text] = static_cast<int>(fresh.size());
    fresh.push_back(a);
  }
  if (fresh.empty()) return out;
  const std::vector<double> acc = evaluator_.accuracies(fresh);
  HWNAS_ASSERT(acc.size() == fresh.size());
  std::vector<int> index(fresh.size());
  for (size_t j = 0; j < fresh.size(); ++j) {
    SearchRecord r = scored_record(space_, fresh[j], acc[j], latency_, objective_);
    r.generation = generation_;
    index[j] = history_.add(std::move(r));
  }
  for (size_t i = 0; i < archs.size(); ++i)
    if (fresh_of[i] >= 0) out[i] = index[fresh_of[i]];
  return out;
}

bool SearchRun::near_budget(const Arch& arch, double near) const {
  const double ms = latency_.predict_ms(space_.canonical(arch));
  return objective_.feasible(ms) && ms >= near * objective_.target_ms();
}

bool SearchRun::end_generation(std::vector<int> population) {
  history_.end_generation(generation_, std::move(population));
  ++generation_;
  bool stop = !budget_left();
  if (callbacks_.on_generation && callbacks_.on_generation(history_)) stop = true;
  return stop;
}

std::vector<Arch> SearchRun::sample_distinct(int n, Rng& rng) const {
  std::vector<Arch> out;
  std::set<Arch> seen;
  const int max_tries = 100 * n;
  for (int t = 0; static_cast<int>(out.size()) < n && t < max_tries; ++t) {
    const Arch a = space_.canonical(space_.sample(rng));
    if (seen.insert(a).second) out.push_back(a);
  }
  // A space smaller than n: fill with repeats so the population keeps its size.
  while (static_cast<int>(out.size()) < n) out.push_back(space_.canonical(space_.sample(rng)));
  return out;
}

std::vector<Arch> SearchRun::sample_distinct_near_budget(int n, double near, Rng& rng) const {
  std::vector<Arch> out;
  std::set<Arch> seen;
  const double T = objective_.target_ms();
  const int max_tries = 1000 * n;
  for (int t = 0; static_cast<int>(out.size()) < n && t < max_tries; ++t) {
    const Arch a = space_.canonical(space_.sample(rng));
    const double ms = latency_.predict_ms(a);
    if (objective_.feasible(ms) && ms >= near * T && seen.insert(a).second) out.push_back(a);
  }
  // A tight budget that uniform samples almost never meet (T = 2 ms of a
  // 1.45 - 7.4 ms space: none in 16,000): walk samples down to it, one
  // random gene at a time, keeping each change that lowers the latency.
  const int steps = 50 * space_.num_layers();
  for (int t = 0; static_cast<int>(out.size()) < n && t < 20 * n; ++t) {
    Arch a = space_.canonical(space_.sample(rng));
    double ms = latency_.predict_ms(a);
    for (int k = 0; k < steps && !objective_.feasible(ms); ++k) {
      Arch b = a;
      const int layer = uniform_int(rng, space_.num_layers());
      b.genes[layer] = space_.sample_gene(layer, rng);
      b = space_.canonical(b);
      const double m = latency_.predict_ms(b);
      if (m < ms) a = b, ms = m;
    }
    if (objective_.feasible(ms) && seen.insert(a).second) out.push_back(a);
  }
  // Still too few: plain samples make up the rest (repeats are cache hits).
  for (const Arch& a : sample_distinct(n - static_cast<int>(out.size()), rng)) out.push_back(a);
  return out;
}

std::vector<int> sort_by_score(const SearchRun& run, std::vector<int> population) {
  std::stable_sort(population.begin(), population.end(),
                   [&](int a, int b) { return run.score(a) > run.score(b); });
  return population;
}

namespace {

struct StrategyEntry {
  const char* name;
  const char* help;
  std::unique_ptr<Strategy> (*make)(FactoryOptions& opts);
};

const StrategyEntry kStrategies[] = {
    {"evolution",
     "HSCoNAS Algorithm 1: top-K parents, P-K children by crossover + mutation, elitism "
     "(G=20, P=50, K=20, pc=0.25, pm=0.25)",
     make_evolution_strategy},
    {"random", "uniform samples (N=650, the evaluations of evolution's defaults)",
     make_random_strategy},
    {"regularized-evolution",
     "Real et al. aging evolution: tournament of S, mutate one layer, oldest dies (P=50, S=10, C=600)",
     make_regularized_evolution_strategy},
    {"ga",
     "HW-EvRSNAS genetic algorithm: tournament selection, uniform crossover, mutation, elitism "
     "(N=20, G=100); with the penalty objective this is HW-EvRSNAS",
     make_genetic_strategy},
    {"nsga2",
     "NSGA-II on accuracy and predicted latency: non-dominated sorting, crowding, binary tournament "
     "(P=50, G=19: 1,000 evaluations); the answer is the whole front",
     make_nsga2_strategy},
    {"scalarised",
     "NSGA-II's loop with survival by a random accuracy-latency weighting each generation (the baseline "
     "of nsga2; P=50, G=19)",
     make_scalarised_strategy},
};

}  // namespace

std::unique_ptr<Strategy> make_strategy(const std::string& spec) {
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(spec, &opts);
  std::vector<std::string> names;
  for (const StrategyEntry& e : kStrategies) {
    names.push_back(e.name);
    if (name == e.name) {
      FactoryOptions o(name, opts);
      std::unique_ptr<Strategy> s = e.make(o);
      o.finish();
      return s;
    }
  }
  HWNAS_CHECK(false, "unknown strategy '", name, "' (known: ", join(names, ", "), ")");
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> list_strategies() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const StrategyEntry& e : kStrategies) out.emplace_back(e.name, e.help);
  return out;
}

}  // namespace hwnas
