// Strategy: searches a space for the candidate with the highest Objective
// score. It receives the space, an Evaluator (accuracy), a LatencyModel and
// an Objective, and never knows what backs them (supernet, table, device).
// Every evaluated arch is recorded once in a History, which is the search's
// result, its search.csv and what on_generation callbacks see.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/arch.h"
#include "core/evaluator.h"
#include "core/latency_model.h"
#include "core/rng.h"
#include "core/search_space.h"
#include "search/objective.h"

namespace hwnas {

/// One evaluated candidate.
struct SearchRecord {
  int generation = 0;      ///< generation in which it was first evaluated (0 = initial population)
  Arch arch;               ///< canonical arch (SearchSpace::canonical)
  std::string arch_text;   ///< SearchSpace::format(arch): the cache key
  double accuracy = 0;     ///< Evaluator::accuracy
  double latency_ms = 0;   ///< LatencyModel::predict_ms
  double score = 0;        ///< Objective::score(accuracy, latency_ms)
  bool feasible = false;   ///< Objective::feasible(latency_ms)
};

/// `arch` (made canonical) scored as a search scores it: accuracy, predicted
/// latency and the objective (generation 0). Throws hwnas::Error when the
/// objective gives NaN.
SearchRecord score_arch(const SearchSpace& space, const Arch& arch, Evaluator& evaluator, const LatencyModel& latency,
                        const Objective& objective);
/// The record of `arch` (made canonical) with its `accuracy` already known.
SearchRecord scored_record(const SearchSpace& space, const Arch& arch, double accuracy, const LatencyModel& latency,
                           const Objective& objective);

/// Every distinct arch a search evaluated, in evaluation order, plus the
/// current population. Evaluating an arch twice costs nothing and is not
/// recorded twice (lookup by arch text).
class History {
 public:
  /// All records in evaluation order; size() is the number of distinct evaluations.
  const std::vector<SearchRecord>& records() const { return records_; }
  int size() const { return static_cast<int>(records_.size()); }
  const SearchRecord& at(int i) const { return records_.at(i); }
  /// Index of the record of `arch_text`, -1 when it was never evaluated.
  int find(const std::string& arch_text) const;
  /// Highest score (ties: the earliest); -1 when empty.
  int best_index() const;
  /// Highest score among feasible records (LAT <= T); -1 when none is feasible.
  /// This is what a search returns as its answer.
  int best_feasible_index() const;
  /// The last generation that ended (0 after the initial population).
  int generation() const { return generation_; }
  /// Record indices of the population at the end of the last generation
  /// (may repeat an index when the population holds an arch twice).
  const std::vector<int>& population() const { return population_; }

  /// Appends a new record; HWNAS_ASSERTs that its arch text is new.
  int add(SearchRecord record);
  /// Marks the end of generation `generation` with its population.
  void end_generation(int generation, std::vector<int> population);

  /// search.csv: generation,arch,accuracy,latency_ms,score (one row per
  /// record, evaluation order; arch quoted when it contains a comma).
  std::string to_csv() const;
  /// Writes to_csv() atomically.
  void write_csv(const std::string& path) const;

 private:
  std::vector<SearchRecord> records_;
  std::unordered_map<std::string, int> index_;
  std::vector<int> population_;
  int generation_ = -1;
};

/// Limits and seed of one search.
struct SearchOptions {
  uint64_t seed = 0;  ///< all randomness: derive_rng(seed, Stage::kSearch, step)
  /// Cap on distinct evaluations (cache hits are free); 0 = only the
  /// strategy's own length (generations, cycles, samples) stops it.
  int max_evals = 0;
};

/// ensmallen-style callbacks: progress, checkpointing, early stop.
struct SearchCallbacks {
  /// Called after each generation (including generation 0, the initial
  /// population) with the history so far; return true to stop the search.
  std::function<bool(const History&)> on_generation;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// Runs the search and returns everything it evaluated. Reproducible: equal
  /// inputs and seed give an equal History.
  virtual History search(const SearchSpace& space, Evaluator& evaluator,
                         const LatencyModel& latency, const Objective& objective,
                         const SearchOptions& options,
                         const SearchCallbacks& callbacks = {}) const = 0;
  /// The factory string that rebuilds it, every option written out, keys
  /// sorted: make_strategy(describe())->describe() == describe().
  virtual std::string describe() const = 0;
  /// Whether it searches the whole accuracy-latency front (needs no budget).
  virtual bool pareto() const { return false; }
};

/// Builds a strategy from "evolution:G=20,K=20,P=50,pc=0.25,pm=0.25",
/// "random:N=1000", "regularized-evolution:P=50,S=10,C=600", "ga:N=20,G=100";
/// missing options take their defaults. Throws on unknown names or options.
std::unique_ptr<Strategy> make_strategy(const std::string& spec);
/// Names of the strategies with a one-line description each.
std::vector<std::pair<std::string, std::string>> list_strategies();

/// The shared machinery of a strategy run: evaluation with cache and budget,
/// generation bookkeeping, callbacks and seeded random streams.
class SearchRun {
 public:
  SearchRun(const SearchSpace& space, Evaluator& evaluator, const LatencyModel& latency,
            const Objective& objective, const SearchOptions& options,
            const SearchCallbacks& callbacks);

  /// Record index of `arch`, evaluating it when new (one distinct evaluation
  /// against max_evals); -1 when it is new and the budget is spent.
  int evaluate(const Arch& arch);
  /// evaluate() of each arch, the new ones handed to the evaluator in one
  /// call (Evaluator::accuracies) and recorded in order; -1 for new archs
  /// past the budget.
  std::vector<int> evaluate_all(const std::vector<Arch>& archs);
  /// Whether `arch`'s predicted latency lies in [near x T, T].
  bool near_budget(const Arch& arch, double near) const;
  /// Score of record `index`.
  double score(int index) const { return history_.at(index).score; }
  /// Whether another new arch may still be evaluated.
  bool budget_left() const;
  /// Ends the current generation with `population` (record indices), calls
  /// on_generation and advances the generation counter. Returns true when the
  /// search must stop (the callback asked, or the budget is spent).
  bool end_generation(std::vector<int> population);
  /// Index of the generation in progress (0 = initial population).
  int generation() const { return generation_; }
  /// The random stream of `step` (e.g. a generation or cycle index).
  Rng rng(uint64_t step) const { return derive_rng(options_.seed, Stage::kSearch, step); }
  /// Up to `n` uniform samples, distinct while the space allows (bounded retries).
  std::vector<Arch> sample_distinct(int n, Rng& rng) const;
  /// `n` distinct uniform samples whose predicted latency is within the
  /// budget and at least `near` x T (bounded retries: the rest are plain
  /// samples). Latency predictions are cheap and accuracy is not, so an
  /// initial population is worth filtering before it is evaluated.
  std::vector<Arch> sample_distinct_near_budget(int n, double near, Rng& rng) const;
  /// Hands the history over; the run is finished.
  History take() { return std::move(history_); }
  const History& history() const { return history_; }
  const SearchSpace& space() const { return space_; }

 private:
  const SearchSpace& space_;
  Evaluator& evaluator_;
  const LatencyModel& latency_;
  const Objective& objective_;
  SearchOptions options_;
  SearchCallbacks callbacks_;  // a copy: a caller may pass a temporary
  History history_;
  int generation_ = 0;
};

/// Record indices sorted by score, best first; ties keep their order.
std::vector<int> sort_by_score(const SearchRun& run, std::vector<int> population);

}  // namespace hwnas
