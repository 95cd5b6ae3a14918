#include "search/coordinate_ascent.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "core/strings.h"
#include "search/objective.h"

namespace hwnas {

BudgetSampler::BudgetSampler(const SearchSpace& space, const LatencyModel& latency, double budget_ms,
                             uint64_t seed, int max_tries, const Arch& fallback)
    : state_(std::make_shared<State>()) {
  HWNAS_CHECK(budget_ms > 0 && std::isfinite(budget_ms), "budget sampler: the latency budget must be > 0 ms, got ",
              budget_ms);
  HWNAS_CHECK(max_tries >= 1, "budget sampler: max tries must be >= 1, got ", max_tries);
  state_->space = space.clone();
  state_->latency = &latency;
  state_->budget_ms = budget_ms;
  state_->seed = seed;
  state_->max_tries = max_tries;
  if (!fallback.genes.empty()) {
    space.validate(fallback);
    const double ms = latency.predict_ms(fallback);
    HWNAS_CHECK(ms <= budget_ms, "budget sampler: the fallback arch takes ", format_number(ms),
                " ms, over the budget of ", format_number(budget_ms), " ms");
    state_->fallback = space.canonical(fallback);
  }
}

Arch BudgetSampler::operator()(int64_t step) const {
  State& s = *state_;
  Rng rng = derive_rng(s.seed, Stage::kSupernet, static_cast<uint64_t>(step));
  double fastest_ms = 0;
  for (int t = 0; t < s.max_tries; ++t) {
    const Arch a = s.space->canonical(s.space->sample(rng));
    ++s.draws;
    // HURRICANE Eq. 3: only archs of Gamma_h(A) = {a : Latency(a, h) <= LatCh} are trained.
    const double ms = s.latency->predict_ms(a);
    if (ms <= s.budget_ms) return a;
    ++s.rejected;
    fastest_ms = t == 0 ? ms : std::min(fastest_ms, ms);
  }
  if (!s.fallback.genes.empty()) {
    ++s.fallbacks;
    return s.fallback;
  }
  HWNAS_CHECK(false, "budget sampler: ", s.max_tries, " archs drawn in a row at step ", step,
              " are all over the budget of ", format_number(s.budget_ms), " ms (fastest ", format_number(fastest_ms),
              " ms by ", s.latency->describe(), "); raise the budget or shrink the space to faster ops");
  return {};
}

void CoordinateAscentOptions::validate(int num_layers) const {
  HWNAS_CHECK(iterations >= 1, "coordinate ascent: iterations (I) must be >= 1, got ", iterations);
  HWNAS_CHECK(split >= 1 && split < num_layers, "coordinate ascent: split t must be in 1..", num_layers - 1,
              " (the space has ", num_layers, " layers), got ", split);
  HWNAS_CHECK(budget_ms > 0 && std::isfinite(budget_ms),
              "coordinate ascent: the latency budget must be > 0 ms, got ", budget_ms);
  HWNAS_CHECK(max_evals >= 0, "coordinate ascent: max evaluations must be >= 0, got ", max_evals);
  HWNAS_CHECK(max_tries >= 1, "coordinate ascent: max tries must be >= 1, got ", max_tries);
  make_strategy(strategy);  // throws on a bad strategy string
}

std::vector<int> active_layers(int iteration, int split, int num_layers) {
  HWNAS_CHECK(iteration >= 1, "coordinate ascent: iterations count from 1, got ", iteration);
  HWNAS_CHECK(split >= 1 && split < num_layers, "coordinate ascent: split t must be in 1..", num_layers - 1,
              ", got ", split);
  // Algorithm 1 line 8: L_active = [t+1, n] if i is odd else [1, t] (1-based).
  std::vector<int> out;
  const bool odd = iteration % 2 == 1;
  for (int l = odd ? split : 0; l < (odd ? num_layers : split); ++l) out.push_back(l);
  return out;
}

std::unique_ptr<SearchSpace> active_subspace(const SearchSpace& reduced, const Arch& winner,
                                             const std::vector<int>& active) {
  reduced.validate(winner);
  std::unique_ptr<SearchSpace> out = reduced.clone();
  std::vector<bool> is_active(reduced.num_layers(), false);
  for (int l : active) {
    HWNAS_CHECK(l >= 0 && l < reduced.num_layers(), "active layer ", l + 1, " out of range");
    is_active[l] = true;
  }
  // Algorithm 1 line 9: a[l] in O*_l for active l, a[l] = a_win[l] otherwise.
  for (int l = 0; l < reduced.num_layers(); ++l) {
    if (is_active[l]) continue;
    out->layers[l].ops = {winner.genes[l].op};
    out->layers[l].widths = {winner.genes[l].width};
  }
  return out;
}

namespace {

/// Line 11 searches Gamma_h(A_i) only: candidates over the budget are not
/// evaluated on the supernet (accuracy 0; the hard objective scores them -inf).
class WithinBudget : public Evaluator {
 public:
  WithinBudget(Evaluator& inner, const LatencyModel& latency, double budget_ms)
      : inner_(inner), latency_(latency), budget_ms_(budget_ms) {}
  double accuracy(const Arch& arch) override {
    if (latency_.predict_ms(arch) > budget_ms_) {
      ++skipped_;
      return 0;
    }
    return inner_.accuracy(arch);
  }
  std::string describe() const override {
    return str_cat(inner_.describe(), " within ", format_number(budget_ms_), " ms");
  }
  int skipped() const { return skipped_; }

 private:
  Evaluator& inner_;
  const LatencyModel& latency_;
  double budget_ms_;
  int skipped_ = 0;
};

double log10_size(const SearchSpace& space) { return space.size().distinct_log10; }

}  // namespace

AscentResult coordinate_ascent(const SearchSpace& reduced, const Arch& initial, const LatencyModel& latency,
                               const TrainRoundFn& train, const CoordinateAscentOptions& options,
                               const AscentCallback& on_iteration) {
  options.validate(reduced.num_layers());
  HWNAS_CHECK(static_cast<bool>(train), "coordinate ascent needs a supernet trainer");
  const std::unique_ptr<Strategy> strategy = make_strategy(options.strategy);
  const HardObjective objective(options.budget_ms);
  AscentResult result;
  // Line 6: a_win[k] = O'_k[0], the top-scored op of every layer.
  result.initial = reduced.canonical(initial);
  reduced.validate(result.initial);
  result.initial_latency_ms = latency.predict_ms(result.initial);
  Arch winner = result.initial;
  for (int i = 1; i <= options.iterations; ++i) {
    AscentIteration it;
    it.iteration = i;
    it.start = winner;
    // Lines 8-9: the active group and the subspace A_i around a_win.
    it.active = active_layers(i, options.split, reduced.num_layers());
    const std::unique_ptr<SearchSpace> sub = active_subspace(reduced, winner, it.active);
    it.subspace_log10 = log10_size(*sub);
    // Line 10: a fresh supernet trained on Gamma_h(A_i) (Eq. 3).
    const uint64_t round_seed = mix_seed(options.seed ^ mix_seed(static_cast<uint64_t>(i)));
    const bool winner_fits = latency.predict_ms(winner) <= options.budget_ms;
    BudgetSampler sampler(*sub, latency, options.budget_ms, round_seed, options.max_tries,
                          winner_fits ? winner : Arch{});
    SupernetRound round = train(i, *sub, PathSampler(sampler));
    HWNAS_CHECK(round.evaluator != nullptr, "coordinate ascent: iteration ", i, " returned no evaluator");
    it.train_steps = round.train_steps;
    it.sampler_draws = sampler.draws();
    it.sampler_rejected = sampler.rejected();
    it.sampler_fallbacks = sampler.fallbacks();
    // Line 11: the most accurate arch of Gamma_h(A_i) by evolutionary search.
    WithinBudget gated(*round.evaluator, latency, options.budget_ms);
    SearchOptions so;
    so.seed = round_seed;
    so.max_evals = options.max_evals;
    it.history = strategy->search(*sub, gated, latency, objective, so);
    it.skipped_over_budget = gated.skipped();
    const int best = it.history.best_feasible_index();
    it.found = best >= 0;
    if (it.found) {
      const SearchRecord& r = it.history.at(best);
      winner = r.arch;
      it.accuracy = r.accuracy;
    } else if (winner_fits) {
      it.accuracy = round.evaluator->accuracy(winner);
    }
    it.winner = winner;
    it.latency_ms = latency.predict_ms(winner);
    result.train_steps += it.train_steps;
    result.iterations.push_back(std::move(it));
    if (on_iteration && on_iteration(result.iterations.back())) break;
  }
  result.winner = winner;
  result.winner_latency_ms = latency.predict_ms(winner);
  return result;
}

}  // namespace hwnas
