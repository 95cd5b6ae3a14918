// HURRICANE layer-level search space reduction and coordinate ascent
// (HURRICANE section 3.2 and 3.4, Algorithm 1 lines 6-11):
//   a_win <- the top-scored op of every layer (line 6)
//   for i = 1..I:
//     active <- layers t+1..n when i is odd, else 1..t           (line 8)
//     A_i    <- active layers choose among their kept ops, the
//               others are fixed to a_win                         (line 9)
//     W_Ai   <- a supernet trained from scratch on A_i, sampling
//               only archs within the budget, Gamma_h(A_i) (Eq. 3) (line 10)
//     a_win  <- the most accurate arch of Gamma_h(A_i) found by
//               evolutionary search on the inherited weights      (line 11)
// This file is the torch-free control flow; training the supernet and
// evaluating accuracy on it come in through TrainRoundFn (src/run/hurricane.h
// is the LibTorch glue), so the logic is tested on toy problems.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/arch.h"
#include "core/evaluator.h"
#include "core/latency_model.h"
#include "core/search_space.h"
#include "search/strategy.h"

namespace hwnas {

/// The path to train at a global step; the same type as train/trainer.h's ArchSampler.
using PathSampler = std::function<Arch(int64_t step)>;

/// HURRICANE Eq. 3: uniform single-path sampling from
/// Gamma_h(A) = {a in A : Latency(a, h) <= LatCh} by rejection: draw
/// uniformly from A, reject archs the latency model puts over the budget,
/// draw again. Deterministic in (seed, step), so a resumed training draws the
/// same paths. Copies share their counters.
///
/// When Gamma_h(A) is a vanishing part of A (a winner that used up the budget
/// in the fixed layers leaves little room for the active ones), max_tries
/// draws in a row may all be rejected; the step then trains `fallback`, a
/// known arch of Gamma_h(A) (coordinate ascent passes a_win), and counts it,
/// or throws when there is none. Nothing over the budget is ever returned.
class BudgetSampler {
 public:
  /// `latency` must outlive the sampler and its copies; `space` is copied.
  /// A non-empty `fallback` must be an arch of `space` within the budget.
  BudgetSampler(const SearchSpace& space, const LatencyModel& latency, double budget_ms, uint64_t seed,
                int max_tries = 10000, const Arch& fallback = Arch{});
  /// A uniformly drawn arch within the budget (or the fallback, see above);
  /// throws hwnas::Error after max_tries rejections when there is no fallback.
  Arch operator()(int64_t step) const;
  int64_t draws() const { return state_->draws; }        ///< archs drawn so far (accepted + rejected)
  int64_t rejected() const { return state_->rejected; }  ///< of those, over the budget
  int64_t fallbacks() const { return state_->fallbacks; }  ///< steps that trained the fallback arch
  double budget_ms() const { return state_->budget_ms; }

 private:
  struct State {
    std::unique_ptr<SearchSpace> space;
    const LatencyModel* latency = nullptr;
    double budget_ms = 0;
    uint64_t seed = 0;
    int max_tries = 0;
    Arch fallback;
    std::atomic<int64_t> draws{0}, rejected{0}, fallbacks{0};
  };
  std::shared_ptr<State> state_;
};

/// What one iteration gets from its supernet.
struct SupernetRound {
  std::unique_ptr<Evaluator> evaluator;  ///< accuracy of archs of the iteration's subspace
  int64_t train_steps = 0;               ///< training iterations (mini-batches) the supernet ran
};

/// Trains a freshly initialised supernet on `subspace` along the paths of
/// `sampler` (Algorithm 1 line 10; the paper re-initialises the supernet
/// before every iteration) and returns an evaluator on its weights.
/// `iteration` is 1-based.
using TrainRoundFn =
    std::function<SupernetRound(int iteration, const SearchSpace& subspace, const PathSampler& sampler)>;

/// Settings of Algorithm 1's coordinate ascent.
struct CoordinateAscentOptions {
  int iterations = 2;     ///< I (the paper reports I = 1 and I = 2)
  int split = 8;          ///< t: layers 1..t form the earlier group (appendix C: the second downsampling)
  double budget_ms = 0;   ///< LatCh, the latency constraint (> 0)
  /// The search of line 11, a make_strategy() string. Default: SPOS's
  /// evolution shape (population 50, top 10 parents, 20 generations).
  std::string strategy = "evolution:G=20,K=10,P=50,pc=0.25,pm=0.25";
  uint64_t seed = 0;      ///< sampler and search seeds derive from it per iteration
  int max_evals = 0;      ///< cap on distinct accuracy evaluations per iteration (0 = strategy's own)
  int max_tries = 10000;  ///< rejection-sampling draws per training step before giving up
  /// Throws hwnas::Error naming the bad field; `num_layers` is the space's n.
  void validate(int num_layers) const;
};

/// One iteration of the ascent.
struct AscentIteration {
  int iteration = 0;             ///< 1-based
  std::vector<int> active;       ///< 0-based active layers
  double subspace_log10 = 0;     ///< log10 of |A_i|
  Arch start;                    ///< a_win before the iteration
  Arch winner;                   ///< a_win after it
  bool found = false;            ///< the search found an arch within the budget (else winner = start)
  double accuracy = 0;           ///< the winner's accuracy on this iteration's supernet
  double latency_ms = 0;         ///< the winner's predicted latency
  int64_t train_steps = 0;       ///< training iterations of this iteration's supernet
  int64_t sampler_draws = 0;     ///< paths drawn for training (accepted + rejected)
  int64_t sampler_rejected = 0;  ///< drawn paths rejected as over the budget (Eq. 3)
  int64_t sampler_fallbacks = 0; ///< steps that trained a_win after max_tries rejections
  int skipped_over_budget = 0;   ///< search candidates not evaluated: over the budget
  History history;               ///< every arch the search evaluated
};

/// The whole ascent.
struct AscentResult {
  Arch initial;                  ///< Algorithm 1 line 6
  double initial_latency_ms = 0;
  Arch winner;                   ///< a_win after the last iteration (line 12 retrains it)
  double winner_latency_ms = 0;
  std::vector<AscentIteration> iterations;
  int64_t train_steps = 0;       ///< training iterations summed over all iterations
};

/// Called after each iteration (progress, saving); return true to stop early.
using AscentCallback = std::function<bool(const AscentIteration&)>;

/// Algorithm 1 line 8 for iteration `iteration` (1-based): the 0-based layers
/// t..n-1 (layers t+1..n) when it is odd, else 0..t-1 (layers 1..t).
std::vector<int> active_layers(int iteration, int split, int num_layers);

/// Algorithm 1 line 9: a copy of `reduced` whose active layers keep their
/// ops and whose other layers allow only the op (and width) of `winner`.
std::unique_ptr<SearchSpace> active_subspace(const SearchSpace& reduced, const Arch& winner,
                                             const std::vector<int>& active);

/// Runs Algorithm 1 lines 6-11 on the operator-reduced space `reduced`
/// starting from `initial` (the top-scored ops). Accuracy comes from the
/// supernet `train` returns per iteration; candidates over the budget are
/// neither trained (BudgetSampler) nor evaluated (their accuracy is recorded
/// as 0 and their score is -infinity: a hard constraint). Reproducible for
/// equal inputs and seed.
AscentResult coordinate_ascent(const SearchSpace& reduced, const Arch& initial, const LatencyModel& latency,
                               const TrainRoundFn& train, const CoordinateAscentOptions& options,
                               const AscentCallback& on_iteration = nullptr);

}  // namespace hwnas
