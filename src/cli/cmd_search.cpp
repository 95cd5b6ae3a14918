// hwnas search: runs a search strategy under one or more latency budgets and
// several seeds, and reports what it found. Accuracy and latency come from a
// SearchSource; today that is tables (tabular benchmarks such as NAS-Bench-201
// + HW-NAS-Bench), where the exhaustive oracle is cheap and every result gets
// its gap to the best arch within the budget. A supernet-backed source plugs
// in as another make_*_source() next to make_table_source().
//
// --population-fill-study instead reproduces HW-EvRSNAS section 4.4.2: how
// many uniform samples fill a population under rejection sampling versus the
// penalty objective.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "core/search_space.h"
#include "core/stats.h"
#include "core/strings.h"
#include "core/tables.h"
#include "search/objective.h"
#include "search/population_fill.h"
#include "search/strategy.h"

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
};

/// One arch with both values, for the exhaustive oracle.
struct TablePoint {
  Arch arch;
  double accuracy = 0;
  double latency_ms = 0;
};

/// Where accuracies and latencies come from. `all` lists every arch with both
/// values when the source can enumerate them cheaply (tables); sources that
/// cannot (a supernet) leave it empty and results carry no oracle or gap.
struct SearchSource {
  std::unique_ptr<Evaluator> evaluator;  ///< null when only latency is needed
  std::unique_ptr<LatencyModel> latency;
  std::vector<TablePoint> all;
  double min_latency_ms = 0;  ///< fastest and slowest arch known to the latency source
  double max_latency_ms = std::numeric_limits<double>::infinity();
  std::string latency_name;   ///< names the latency source in messages
};

SearchSource make_table_source(const SearchSpace& space, const SearchArgs& a, bool need_accuracy) {
  HWNAS_CHECK(!a.latency_table.empty(),
              "search needs --latency-table FILE:COLUMN, e.g. data/nb201/latency.csv:raspi4_ms");
  HWNAS_CHECK(!need_accuracy || !a.accuracy_table.empty(),
              "search needs --accuracy-table FILE:COLUMN, e.g. "
              "data/nb201/accuracy.csv:cifar100_test");
  SearchSource src;
  auto latency = std::make_unique<TableLatency>(a.latency_table, space);
  src.latency_name = a.latency_table;
  src.min_latency_ms = std::numeric_limits<double>::infinity();
  src.max_latency_ms = -std::numeric_limits<double>::infinity();
  for (const auto& [arch, ms] : latency->table().entries()) {
    src.min_latency_ms = std::min(src.min_latency_ms, ms);
    src.max_latency_ms = std::max(src.max_latency_ms, ms);
  }
  if (need_accuracy) {
    auto evaluator = std::make_unique<TableEvaluator>(a.accuracy_table, space);
    for (const auto& [arch, ms] : latency->table().entries())
      src.all.push_back({arch, evaluator->table().at(arch), ms});
    src.evaluator = std::move(evaluator);
  }
  src.latency = std::move(latency);
  return src;
}

/// `v` to 4 significant digits, rounded up (or down), so a budget typed as
/// printed stays inside the range.
std::string format_bound(double v, bool up) {
  if (!(v > 0) || !std::isfinite(v)) return format_number(v);
  const double scale = std::pow(10.0, 3 - std::floor(std::log10(v)));
  return format_number((up ? std::ceil(v * scale) : std::floor(v * scale)) / scale);
}

/// The budgets in ms, each checked against the source's latency range.
std::vector<double> parse_budgets(const SearchArgs& a, const SearchSource& src) {
  HWNAS_CHECK(!a.budgets.empty(), "search needs --latency BUDGET, e.g. --latency 10ms (or 5ms,10ms,20ms)");
  std::vector<double> out;
  for (const std::string& list : a.budgets)
    for (const std::string& item : split(list, ',')) {
      if (trim(item).empty()) continue;
      const double ms = parse_duration_ms(item);
      const std::string range = str_cat("feasible budgets for ", src.latency_name, " are ",
                                        format_bound(src.min_latency_ms, true), " .. ",
                                        format_bound(src.max_latency_ms, false), " ms");
      HWNAS_CHECK(ms >= src.min_latency_ms, "latency budget ", trim(item),
                  " is below the fastest arch (", format_bound(src.min_latency_ms, true),
                  " ms): nothing fits; ", range);
      HWNAS_CHECK(ms <= src.max_latency_ms, "latency budget ", trim(item),
                  " is above the slowest arch (", format_bound(src.max_latency_ms, false),
                  " ms): every arch fits, so it constrains nothing; ", range);
      out.push_back(ms);
    }
  return out;
}

nlohmann::ordered_json number_or_null(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); }

/// search.csv path of one run: the --out path itself for a single run,
/// else with "-T<budget>ms-seed<seed>" before the extension.
std::string run_csv_path(const std::string& out, bool single, double budget_ms, uint64_t seed) {
  if (single) return out;
  const size_t slash = out.find_last_of('/');
  size_t dot = out.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = out.size();
  return str_cat(out.substr(0, dot), "-T", format_number(budget_ms), "ms-seed", seed, out.substr(dot));
}

// ---------------------------------------------------------------- search

struct RunResult {
  uint64_t seed = 0;
  int evals = 0;
  int generations = 0;
  bool found = false;  ///< some evaluated arch met the budget
  std::string arch;
  double accuracy = 0, latency_ms = 0, score = 0;
  double gap = std::nan("");  ///< oracle - accuracy (when there is an oracle and found)
  double seconds = 0;
};

struct BudgetResult {
  double budget_ms = 0;
  std::string objective;
  bool has_oracle = false;
  int feasible_archs = 0, total_archs = 0;
  TablePoint oracle;
  std::vector<RunResult> runs;
};

BudgetResult run_budget(const SearchSpace& space, SearchSource& src, const Strategy& strategy,
                        const SearchArgs& a, double budget_ms, bool single_run) {
  BudgetResult br;
  br.budget_ms = budget_ms;
  const std::unique_ptr<Objective> objective = make_objective_for_budget(a.objective, budget_ms);
  br.objective = objective->describe();
  br.has_oracle = !src.all.empty();
  br.total_archs = static_cast<int>(src.all.size());
  for (const TablePoint& p : src.all) {
    if (p.latency_ms > budget_ms) continue;
    ++br.feasible_archs;
    if (br.feasible_archs == 1 || p.accuracy > br.oracle.accuracy) br.oracle = p;
  }
  for (int s = 0; s < a.seeds; ++s) {
    RunResult r;
    r.seed = a.seed + s;
    const auto t0 = std::chrono::steady_clock::now();
    const History h = strategy.search(space, *src.evaluator, *src.latency, *objective,
                                      {r.seed, a.max_evals});
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.evals = h.size();
    r.generations = h.generation();
    const int best = h.best_feasible_index();
    r.found = best >= 0;
    if (r.found) {
      const SearchRecord& rec = h.at(best);
      r.arch = rec.arch_text;
      r.accuracy = rec.accuracy;
      r.latency_ms = rec.latency_ms;
      r.score = rec.score;
      if (br.has_oracle) r.gap = br.oracle.accuracy - rec.accuracy;
    }
    if (!a.out.empty()) h.write_csv(run_csv_path(a.out, single_run, budget_ms, r.seed));
    std::fprintf(stderr, "hwnas search: T=%s ms seed %llu: %d evals, %d generations, ",
                 format_number(budget_ms).c_str(), static_cast<unsigned long long>(r.seed), r.evals,
                 r.generations);
    if (r.found)
      std::fprintf(stderr, "found %.2f at %.3f ms%s (%.2f s)\n", r.accuracy, r.latency_ms,
                   br.has_oracle ? str_cat(", gap ", format_number(std::round(r.gap * 100) / 100)).c_str() : "",
                   r.seconds);
    else
      std::fprintf(stderr, "no evaluated arch meets the budget (%.2f s)\n", r.seconds);
    if (a.max_evals > 0 && r.evals < a.max_evals)
      std::fprintf(stderr,
                   "hwnas search: note: %s stopped after %d of --max-evals %d evaluations "
                   "(its own length; raise G/C/N to use the whole budget)\n",
                   strategy.describe().c_str(), r.evals, a.max_evals);
    br.runs.push_back(r);
  }
  return br;
}

std::vector<double> gaps_of(const BudgetResult& b) {
  std::vector<double> g;
  for (const RunResult& r : b.runs)
    if (r.found && std::isfinite(r.gap)) g.push_back(r.gap);
  return g;
}

void print_search_text(const SearchSpace& space, const SearchSource& src, const Strategy& strategy,
                       const SearchArgs& a, const std::vector<BudgetResult>& results) {
  std::printf("search %s: strategy %s, accuracy %s, latency %s, max evals %s\n",
              space.description.c_str(), strategy.describe().c_str(),
              src.evaluator->describe().c_str(), src.latency->describe().c_str(),
              a.max_evals > 0 ? std::to_string(a.max_evals).c_str() : "strategy's own");
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
      std::printf("  %5llu %6d %5d %9.2f %11.3f %6s  %s\n", static_cast<unsigned long long>(r.seed),
                  r.evals, r.generations, r.accuracy, r.latency_ms,
                  b.has_oracle ? str_cat(std::round(r.gap * 100) / 100).c_str() : "-", r.arch.c_str());
    }
    const std::vector<double> g = gaps_of(b);
    const int missing = static_cast<int>(b.runs.size()) - static_cast<int>(std::count_if(
        b.runs.begin(), b.runs.end(), [](const RunResult& r) { return r.found; }));
    if (b.has_oracle && !g.empty())
      std::printf("  gap to oracle over %zu seeds: mean %.3f, std %.3f (min %.2f, max %.2f)\n", g.size(),
                  mean_of(g), std_of(g), *std::min_element(g.begin(), g.end()),
                  *std::max_element(g.begin(), g.end()));
    if (missing > 0) std::printf("  %d seed(s) found no arch within the budget\n", missing);
  }
}

nlohmann::ordered_json search_json(const SearchSpace& space, const SearchSource& src, const Strategy& strategy,
                           const SearchArgs& a, const std::vector<BudgetResult>& results) {
  nlohmann::ordered_json j;
  j["space"] = space.description;
  j["strategy"] = strategy.describe();
  j["evaluator"] = src.evaluator->describe();
  j["latency_model"] = src.latency->describe();
  j["max_evals"] = a.max_evals;
  j["budgets"] = nlohmann::ordered_json::array();
  for (const BudgetResult& b : results) {
    nlohmann::ordered_json jb;
    jb["latency_ms"] = b.budget_ms;
    jb["objective"] = b.objective;
    if (b.has_oracle) {
      jb["oracle"] = {{"arch", space.format(b.oracle.arch)},
                      {"accuracy", b.oracle.accuracy},
                      {"latency_ms", b.oracle.latency_ms}};
      jb["feasible_archs"] = b.feasible_archs;
      jb["total_archs"] = b.total_archs;
    }
    jb["runs"] = nlohmann::ordered_json::array();
    for (const RunResult& r : b.runs) {
      nlohmann::ordered_json jr{{"seed", r.seed},   {"evals", r.evals},         {"generations", r.generations},
                        {"found", r.found}, {"seconds", r.seconds}};
      if (r.found) {
        jr["arch"] = r.arch;
        jr["accuracy"] = r.accuracy;
        jr["latency_ms"] = r.latency_ms;
        jr["score"] = number_or_null(r.score);
        jr["gap"] = number_or_null(r.gap);
      }
      jb["runs"].push_back(jr);
    }
    const std::vector<double> g = gaps_of(b);
    jb["gap_mean"] = number_or_null(mean_of(g));
    jb["gap_std"] = number_or_null(std_of(g));
    jb["not_found"] = static_cast<int>(std::count_if(b.runs.begin(), b.runs.end(),
                                                     [](const RunResult& r) { return !r.found; }));
    j["budgets"].push_back(jb);
  }
  return j;
}

// ---------------------------------------------------------------- fill study

struct FillRow {
  double budget_ms = 0;
  double feasible_fraction = 0;  ///< exhaustive over the latency table
  std::vector<double> rejection, penalty;
  int rejection_unfilled = 0;
};

void run_fill_study(const SearchSpace& space, const SearchArgs& a) {
  SearchSource src = make_table_source(space, a, /*need_accuracy=*/false);
  const std::vector<double> budgets = parse_budgets(a, src);
  const auto& entries = dynamic_cast<const TableLatency&>(*src.latency).table().entries();
  std::vector<FillRow> rows;
  for (double budget_ms : budgets) {
    FillRow row;
    row.budget_ms = budget_ms;
    int feasible = 0;
    for (const auto& e : entries) feasible += e.second <= budget_ms;
    row.feasible_fraction = static_cast<double>(feasible) / entries.size();
    const HardObjective rejection(budget_ms);
    const PenaltyObjective penalty(budget_ms);
    for (int s = 0; s < a.seeds; ++s) {
      // The same stream for both, so they see the same samples.
      Rng r1 = derive_rng(a.seed + s, Stage::kSearch);
      const FillResult rej =
          samples_to_fill(space, *src.latency, rejection, a.fill_population, r1, a.fill_max_samples);
      Rng r2 = derive_rng(a.seed + s, Stage::kSearch);
      const FillResult pen =
          samples_to_fill(space, *src.latency, penalty, a.fill_population, r2, a.fill_max_samples);
      if (rej.filled) row.rejection.push_back(static_cast<double>(rej.samples));
      else ++row.rejection_unfilled;
      row.penalty.push_back(static_cast<double>(pen.samples));
    }
    std::fprintf(stderr, "hwnas search: fill study T=%s ms done\n", format_number(budget_ms).c_str());
    rows.push_back(row);
  }
  if (a.json) {
    nlohmann::ordered_json j;
    j["space"] = space.description;
    j["latency_model"] = src.latency->describe();
    j["population"] = a.fill_population;
    j["runs"] = a.seeds;
    j["max_samples"] = a.fill_max_samples;
    j["budgets"] = nlohmann::ordered_json::array();
    for (const FillRow& r : rows)
      j["budgets"].push_back({{"latency_ms", r.budget_ms},
                              {"feasible_fraction", r.feasible_fraction},
                              {"rejection_samples_mean", number_or_null(mean_of(r.rejection))},
                              {"rejection_samples_std", number_or_null(std_of(r.rejection))},
                              {"rejection_unfilled", r.rejection_unfilled},
                              {"penalty_samples_mean", number_or_null(mean_of(r.penalty))}});
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("population fill study (HW-EvRSNAS 4.4.2): uniform samples over %s until %d members "
              "are admitted, %s, %d runs per budget\n",
              space.description.c_str(), a.fill_population, src.latency->describe().c_str(), a.seeds);
  std::printf("  %10s %9s %16s %14s %12s\n", "budget_ms", "feasible", "rejection_mean", "rejection_std",
              "penalty");
  for (const FillRow& r : rows) {
    std::printf("  %10s %8.2f%% %16.1f %14.1f %12.1f", format_number(r.budget_ms).c_str(),
                100 * r.feasible_fraction, mean_of(r.rejection), std_of(r.rejection),
                mean_of(r.penalty));
    if (r.rejection_unfilled > 0)
      std::printf("  (%d run(s) not filled after %lld samples)", r.rejection_unfilled,
                  static_cast<long long>(a.fill_max_samples));
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
    HWNAS_CHECK(a.fill_population >= 1, "--fill-population must be >= 1, got ", a.fill_population);
    run_fill_study(*space, a);
    return;
  }
  const std::unique_ptr<Strategy> strategy = make_strategy(a.strategy);
  SearchSource src = make_table_source(*space, a, /*need_accuracy=*/true);
  const std::vector<double> budgets = parse_budgets(a, src);
  make_objective_for_budget(a.objective, budgets.front());  // fail early on a bad --objective
  std::vector<BudgetResult> results;
  const bool single_run = budgets.size() == 1 && a.seeds == 1;
  for (double b : budgets) results.push_back(run_budget(*space, src, *strategy, a, b, single_run));
  if (a.json) std::printf("%s\n", search_json(*space, src, *strategy, a, results).dump(2).c_str());
  else print_search_text(*space, src, *strategy, a, results);
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
                  "Latency budget(s) T with units, e.g. 5ms, 800us, or a list 5ms,10ms,20ms");
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
