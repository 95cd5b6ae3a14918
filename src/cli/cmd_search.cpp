// hwnas search: a search strategy under one or more latency budgets and
// several seeds on tables (search/tabular_search.h), each result with its
// gap to the exhaustive oracle; --population-fill-study instead reproduces
// HW-EvRSNAS section 4.4.2. With --target the device is live: its latency is
// transferred from --source tables and --shots archs timed on it, and each
// arch found is timed there too. This file parses options and prints records.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/command.h"
#include "core/error.h"
#include "core/search_space.h"
#include "core/stats.h"
#include "core/strings.h"
#include "core/tables.h"
#include "latency/models.h"
#include "latency/target.h"
#include "search/objective.h"
#include "search/strategy.h"
#include "search/tabular_search.h"

namespace hwnas {
namespace {

struct SearchArgs {
  std::string space = "nb201";
  std::string accuracy_table;              ///< FILE:COLUMN
  std::string latency_table;               ///< FILE:COLUMN
  std::vector<std::string> budgets;        ///< --latency, with units
  std::string strategy = "evolution";
  std::string objective = "hard";          ///< without T: each budget supplies it
  int seeds = 1;
  uint64_t seed = 0;                       ///< first seed; runs use seed .. seed + seeds - 1
  int max_evals = 0;
  bool json = false;
  std::string out;                         ///< search.csv of each run
  bool fill_study = false;
  int fill_population = 50;
  int64_t fill_max_samples = 10'000'000;
  std::vector<std::string> sources;        ///< --source: transfer the latency from these tables
  int shots = 10;
  std::string transfer = "nearest";
  bool margin = true;
  std::string target;                      ///< a live device instead of --latency-table
  std::string token;                       ///< of a remote target
};

/// A live target as a latency model: each arch timed on it once (MeasuredModel's rule), then remembered.
class TargetLatency : public LatencyModel {
 public:
  TargetLatency(std::unique_ptr<Target> target, const SearchSpace& space)
      : target_(std::move(target)), measured_(space, target_.get(), ProfileOptions()), space_(&space) {}
  double predict_ms(const Arch& arch) const override {
    const std::string text = space_->format(arch);
    auto it = timed_.find(text);
    if (it != timed_.end()) return it->second;
    const double ms = measured_.predict_ms(arch);
    std::fprintf(stderr, "hwnas search: timed on %s: %.3f ms  %s\n", target_->describe().c_str(), ms, text.c_str());
    return timed_[text] = ms;
  }
  std::string describe() const override { return target_->describe(); }

 private:
  std::unique_ptr<Target> target_;
  MeasuredModel measured_;
  const SearchSpace* space_;
  mutable std::map<std::string, double> timed_;
};

void print_search_text(const SearchSpace& space, const SearchSource& src, const Strategy& strategy,
                       int max_evals, const std::vector<BudgetResult>& results) {
  std::printf("search %s: strategy %s, accuracy %s, latency %s, max evals %s\n",
              space.description.c_str(), strategy.describe().c_str(),
              src.evaluator->describe().c_str(), src.latency->describe().c_str(),
              max_evals > 0 ? std::to_string(max_evals).c_str() : "strategy's own");
  for (const BudgetResult& b : results) {
    std::printf("\nbudget %s ms, objective %s\n", format_number(b.budget_ms).c_str(), b.objective.c_str());
    if (b.has_oracle)
      std::printf("  oracle %.2f at %.3f ms  %s  (%d of %d archs within budget)\n", b.oracle.accuracy,
                  b.oracle.latency_ms, space.format(b.oracle.arch).c_str(), b.feasible_archs,
                  b.total_archs);
    std::printf("  %5s %6s %5s %9s %11s %6s  %s\n", "seed", "evals", "gens", "accuracy", "latency_ms",
                "gap", "arch");
    for (const RunResult& r : b.runs) {
      if (!r.found) {
        std::printf("  %5llu %6d %5d %9s %11s %6s  (no evaluated arch within the budget)\n",
                    static_cast<unsigned long long>(r.seed), r.evals, r.generations, "-", "-", "-");
        continue;
      }
      std::printf("  %5llu %6d %5d %9.2f %11.3f %6s  %s", static_cast<unsigned long long>(r.seed),
                  r.evals, r.generations, r.accuracy, r.latency_ms,
                  b.has_oracle ? str_cat(std::round(r.gap * 100) / 100).c_str() : "-", r.arch.c_str());
      if (std::isfinite(r.true_latency_ms))
        std::printf("  (true %.3f ms: %s)", r.true_latency_ms, r.meets_budget ? "meets T" : "OVER T");
      std::printf("\n");
    }
    const std::vector<double> g = gaps_of(b);
    const int missing = static_cast<int>(b.runs.size()) - static_cast<int>(std::count_if(
        b.runs.begin(), b.runs.end(), [](const RunResult& r) { return r.found; }));
    if (b.has_oracle && !g.empty())
      std::printf("  gap to oracle over %zu seeds: mean %.3f, std %.3f (min %.2f, max %.2f)\n", g.size(),
                  mean_of(g), std_of(g), *std::min_element(g.begin(), g.end()),
                  *std::max_element(g.begin(), g.end()));
    if (missing > 0) std::printf("  %d seed(s) found no arch within the budget\n", missing);
    std::vector<double> hv;
    size_t front = 0;
    for (const RunResult& r : b.runs)
      if (std::isfinite(r.hypervolume_ratio)) {
        hv.push_back(r.hypervolume_ratio);
        front += r.front.size();
      }
    if (!hv.empty())
      std::printf("  front of the evaluated archs: %.1f archs, hypervolume %.4f of the table's true front (mean of %zu)\n",
                  static_cast<double>(front) / hv.size(), mean_of(hv), hv.size());
  }
}

// ---------------------------------------------------------------- fill study

void print_fill_study(const SearchSpace& space, const SearchSource& src, const FillStudyOptions& o,
                      const std::vector<FillRow>& rows) {
  std::printf("population fill study (HW-EvRSNAS 4.4.2): uniform samples over %s until %d members "
              "are admitted, %s, %d runs per budget\n",
              space.description.c_str(), o.population, src.latency->describe().c_str(), o.runs);
  std::printf("  %10s %9s %16s %14s %12s\n", "budget_ms", "feasible", "rejection_mean", "rejection_std",
              "penalty");
  for (const FillRow& r : rows) {
    std::printf("  %10s %8.2f%% %16.1f %14.1f %12.1f", format_number(r.budget_ms).c_str(),
                100 * r.feasible_fraction, mean_of(r.rejection), std_of(r.rejection),
                mean_of(r.penalty));
    if (r.rejection_unfilled > 0)
      std::printf("  (%d run(s) not filled after %lld samples)", r.rejection_unfilled,
                  static_cast<long long>(o.max_samples));
    std::printf("\n");
  }
}

// ---------------------------------------------------------------- command

void run_search(const SearchArgs& a) {
  HWNAS_CHECK(a.seeds >= 1, "--seeds must be >= 1, got ", a.seeds);
  HWNAS_CHECK(a.max_evals >= 0, "--max-evals must be >= 0 (0 = the strategy's own length), got ",
              a.max_evals);
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  if (a.fill_study) {
    const SearchSource src = make_table_source(*space, a.latency_table, a.accuracy_table, /*need_accuracy=*/false);
    const FillStudyOptions o{a.fill_population, a.fill_max_samples, a.seeds, a.seed};
    const std::vector<FillRow> rows = fill_study(*space, src, parse_budgets(a.budgets, src), o);
    if (a.json) std::printf("%s\n", fill_study_json(*space, src, o, rows).dump(2).c_str());
    else print_fill_study(*space, src, o, rows);
    return;
  }
  const std::unique_ptr<Strategy> strategy = make_strategy(a.strategy);
  SearchSource src;
  if (a.target.empty()) {
    src = make_table_source(*space, a.latency_table, a.accuracy_table, /*need_accuracy=*/true);
    if (!a.sources.empty())
      std::fprintf(stderr, "hwnas search: %s\n",
                   use_transfer(&src, *space, table_refs(a.sources), a.transfer, a.shots, a.seed, a.margin).c_str());
  } else {
    HWNAS_CHECK(a.latency_table.empty(), "--target and --latency-table are two latency sources: give one");
    HWNAS_CHECK(!a.sources.empty(), "--target needs --source tables to transfer the latency from (and --shots)");
    HWNAS_CHECK(!a.accuracy_table.empty(), "search needs --accuracy-table FILE:COLUMN, e.g. "
                                           "data/nb201/accuracy.csv:cifar100_test");
    src.evaluator = std::make_unique<TableEvaluator>(a.accuracy_table, *space);
    auto device = std::make_unique<TargetLatency>(make_target(a.target, a.token), *space);
    std::fprintf(stderr, "hwnas search: %s\n",
                 use_live_transfer(&src, *space, table_refs(a.sources), a.transfer, a.shots, a.seed, a.margin,
                                   std::move(device))
                     .c_str());
  }
  // A Pareto search needs no budget: without --latency every arch is feasible.
  const bool pareto = strategy->pareto();
  const std::vector<double> budgets = pareto && a.budgets.empty() ? std::vector<double>{src.max_latency_ms()}
                                                                  : parse_budgets(a.budgets, src);
  make_objective_for_budget(a.objective, budgets.front());  // fail early on a bad --objective
  const TabularSearchOptions o{a.objective, a.seeds, a.seed, a.max_evals, a.out};
  std::vector<BudgetResult> results;
  const bool single_run = budgets.size() == 1 && a.seeds == 1;
  for (double b : budgets) results.push_back(run_budget(*space, src, *strategy, o, b, single_run));
  if (a.json) std::printf("%s\n", search_json(*space, src, *strategy, a.max_evals, results).dump(2).c_str());
  else print_search_text(*space, src, *strategy, a.max_evals, results);
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "search", "Search a space under latency budgets (tabular benchmarks: accuracy and latency tables)");
  auto* a = new SearchArgs();
  std::vector<std::string> strategies, objectives;
  for (const auto& [name, help] : list_strategies()) strategies.push_back("  " + name + ": " + help);
  for (const auto& [name, help] : list_objectives()) objectives.push_back("  " + name + ": " + help);
  cmd->add_option("--space", a->space, "Search space (see hwnas spaces)")->capture_default_str();
  cmd->add_option("--accuracy-table", a->accuracy_table,
                  "Accuracy per arch as FILE:COLUMN, e.g. data/nb201/accuracy.csv:cifar100_test");
  cmd->add_option("--latency-table", a->latency_table,
                  "Latency (ms) per arch as FILE:COLUMN, e.g. data/nb201/latency.csv:raspi4_ms");
  cmd->add_option("--latency", a->budgets,
                  "Latency budget(s) T with units, e.g. 5ms, 800us, a list 5ms,10ms,20ms, or 30% (the latency "
                  "within which 30% of the archs fit)");
  cmd->add_option("--strategy", a->strategy,
                  "Search strategy, name[:k=v,...]:\n" + join(strategies, "\n"))
      ->capture_default_str();
  cmd->add_option("--objective", a->objective,
                  "Objective, name[:k=v,...] without T (T comes from --latency):\n" +
                      join(objectives, "\n"))
      ->capture_default_str();
  cmd->add_option("--seeds", a->seeds, "Independent runs per budget")->capture_default_str();
  cmd->add_option("--seed", a->seed, "First seed (runs use seed, seed+1, ...)")->capture_default_str();
  cmd->add_option("--max-evals", a->max_evals,
                  "Cap on distinct evaluations per run (0 = the strategy's own length)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print the results as one JSON object");
  cmd->add_option("--out", a->out,
                  "Write each run's search.csv here (several runs: -T<ms>ms-seed<n> before the extension)");
  cmd->add_option("--source", a->sources,
                  "Search a new device from few measurements: the latency of --latency-table is predicted from "
                  "these tables (FILE:COL[,COL...]) and --shots archs of it")
      ->delimiter(',');
  cmd->add_option("--shots", a->shots, "K: archs of --latency-table (or timed on --target) read with --source")
      ->capture_default_str();
  cmd->add_option("--target", a->target,
                  "A live device instead of --latency-table (local[:threads=N], opencv, remote://HOST:PORT): "
                  "its latency transferred from --source and --shots archs timed on it; each arch found is timed "
                  "there too");
  cmd->add_option("--token", a->token, "Token of a remote://... target")->envname("HWNAS_AGENT_TOKEN");
  cmd->add_option("--transfer", a->transfer, "Transfer predictor with --source: nearest, map, logmap, finetune, "
                  "opscale, help")
      ->capture_default_str();
  cmd->add_flag("--margin,!--no-margin", a->margin,
                "With --source, raise the transferred latency by the shots' worst leave-one-out under-prediction "
                "(--no-margin: the prediction as fitted)");
  cmd->add_flag("--population-fill-study", a->fill_study,
                "Instead of searching: uniform samples needed to fill a population by rejection "
                "sampling vs the penalty objective (HW-EvRSNAS 4.4.2); needs only --latency-table");
  cmd->add_option("--fill-population", a->fill_population, "Population size for the fill study")
      ->capture_default_str();
  cmd->add_option("--fill-max-samples", a->fill_max_samples,
                  "Give up filling by rejection after this many samples")
      ->capture_default_str();
  cmd->callback([a] { run_search(*a); });
}

}  // namespace
HWNAS_COMMAND(40, setup);
}  // namespace hwnas
