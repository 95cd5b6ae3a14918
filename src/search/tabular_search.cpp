#include "search/tabular_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "core/json_number.h"
#include "core/rng.h"
#include "core/stats.h"
#include "core/strings.h"
#include "core/predictors/transfer.h"
#include "core/tables.h"
#include "search/objective.h"
#include "search/pareto.h"
#include "search/population_fill.h"

namespace hwnas {
namespace {

/// `v` to 4 significant digits, rounded up (or down), so a budget typed as
/// printed stays inside the range.
std::string format_bound(double v, bool up) {
  if (!(v > 0) || !std::isfinite(v)) return format_number(v);
  const double scale = std::pow(10.0, 3 - std::floor(std::log10(v)));
  return format_number((up ? std::ceil(v * scale) : std::floor(v * scale)) / scale);
}

/// search.csv path of one run: the --out path itself for a single run,
/// else with "-T<budget>ms-seed<seed>" before the extension.
std::string run_csv_path(const std::string& out, bool single, double budget_ms, uint64_t seed) {
  if (single) return out;
  const size_t slash = out.find_last_of('/');
  size_t dot = out.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = out.size();
  return str_cat(out.substr(0, dot), "-T", format_number(budget_ms), "ms-seed", seed, out.substr(dot));
}

/// The latencies of every arch the source knows: its range, and its budgets as shares.
void set_latency_range(SearchSource* src, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  src->sorted_latencies_ms = std::move(ms);
}

}  // namespace

SearchSource make_table_source(const SearchSpace& space, const std::string& latency_table,
                               const std::string& accuracy_table, bool need_accuracy) {
  HWNAS_CHECK(!latency_table.empty(),
              "search needs --latency-table FILE:COLUMN, e.g. data/nb201/latency.csv:raspi4_ms");
  HWNAS_CHECK(!need_accuracy || !accuracy_table.empty(),
              "search needs --accuracy-table FILE:COLUMN, e.g. "
              "data/nb201/accuracy.csv:cifar100_test");
  SearchSource src;
  auto latency = std::make_unique<TableLatency>(latency_table, space);
  src.latency_name = latency_table;
  std::vector<double> known;
  for (const auto& [arch, ms] : latency->table().entries()) known.push_back(ms);
  set_latency_range(&src, std::move(known));
  if (need_accuracy) {
    auto evaluator = std::make_unique<TableEvaluator>(accuracy_table, space);
    for (const auto& [arch, ms] : latency->table().entries())
      src.all.push_back({arch, evaluator->table().at(arch), ms});
    src.evaluator = std::move(evaluator);
  }
  src.latency = std::move(latency);
  return src;
}

/// The budgets in ms, each checked against the source's latency range.
namespace {

/// The largest safety margin a transfer applies (a model that far under on
/// a shot left out says little about the rest).
constexpr double kMaxMargin = 3;

/// The transfer fitted on `shots` archs of `ts` drawn by choose_shots(seed),
/// each read once with `read`, as the search's latency model; with `margin`,
/// raised by the shots' worst leave-one-out under-prediction. `device` names
/// the new device. Appends a one-line summary to `summary`.
std::unique_ptr<TransferLatency> fit_transfer(const TransferSources& ts, const std::string& predictor, int shots,
                                              uint64_t seed, bool margin, const ShotReader& read,
                                              const std::string& device, std::string* summary) {
  HWNAS_CHECK(ts.archs.size() > static_cast<size_t>(shots), "--source: the tables share only ", ts.archs.size(),
              " archs with ", device);
  Rng rng = derive_rng(seed, Stage::kProfile);
  const std::vector<int> shot_idx = choose_shots(ts, shots, rng);
  std::vector<double> shot_ms;
  for (int i : shot_idx) shot_ms.push_back(read(ts.archs[i]));  // the only reads of the new device
  auto fitted = make_transfer_predictor(predictor);
  fitted->fit(ts, shot_idx, shot_ms);
  // Leave-one-out over the shots: how far below the truth can the model be?
  double scale = 1;
  if (margin) {
    for (size_t k = 0; k < shot_idx.size(); ++k) {
      std::vector<int> idx;
      std::vector<double> ms;
      for (size_t j = 0; j < shot_idx.size(); ++j)
        if (j != k) {
          idx.push_back(shot_idx[j]);
          ms.push_back(shot_ms[j]);
        }
      auto loo = make_transfer_predictor(predictor);
      loo->fit(ts, idx, ms);
      scale = std::max(scale, shot_ms[k] / std::max(loo->predict_all()[shot_idx[k]], 1e-9));
    }
    // A linear map can predict the fastest shot near zero when it is left
    // out; its ratio would rule out every arch (a 2000x margin was seen).
    scale = std::min(scale, kMaxMargin);
  }
  const std::string what = str_cat("transfer:", predictor, "(", shots, " shots of ", device,
                                    margin ? str_cat(", x", format_number(std::round(scale * 1000) / 1000), " margin")
                                           : std::string(),
                                    ")");
  *summary = str_cat(what, ": ", fitted->summary());
  return std::make_unique<TransferLatency>(ts, *fitted, what, scale);
}

}  // namespace

std::string use_transfer(SearchSource* src, const SearchSpace& space, const std::vector<std::string>& sources,
                         const std::string& predictor, int shots, uint64_t seed, bool margin) {
  auto* table = dynamic_cast<TableLatency*>(src->latency.get());
  HWNAS_CHECK(table != nullptr, "--source: the latency to transfer to must be a --latency-table");
  for (const std::string& r : sources)
    HWNAS_CHECK(r != table->table().ref(), "--source ", r, " is the --latency-table itself");
  const TransferSources ts = transfer_sources(space, sources, table->table());
  std::string summary;
  auto model = fit_transfer(
      ts, predictor, shots, seed, margin, [&](const Arch& a) { return table->predict_ms(a); },
      table->table().ref(), &summary);
  // Archs the sources lack are not in the search's reach: drop them from the oracle too.
  std::vector<TablePoint> kept;
  for (const TablePoint& p : src->all)
    if (model->covers(p.arch)) kept.push_back(p);
  src->all = std::move(kept);
  src->truth = std::move(src->latency);
  src->latency = std::move(model);
  return summary;
}

std::string use_live_transfer(SearchSource* src, const SearchSpace& space, const std::vector<std::string>& sources,
                              const std::string& predictor, int shots, uint64_t seed, bool margin,
                              std::unique_ptr<LatencyModel> device) {
  auto* accuracy = dynamic_cast<TableEvaluator*>(src->evaluator.get());
  HWNAS_CHECK(accuracy != nullptr, "a search on a target needs --accuracy-table");
  const TransferSources ts = transfer_sources(space, sources, accuracy->table());
  std::string summary;
  auto model = fit_transfer(
      ts, predictor, shots, seed, margin, [&](const Arch& a) { return device->predict_ms(a); }, device->describe(),
      &summary);
  src->latency_name = model->describe();
  std::vector<double> predicted;
  for (const Arch& a : ts.archs) predicted.push_back(model->predict_ms(a));
  set_latency_range(src, std::move(predicted));
  src->all.clear();  // no table of the device: no oracle
  src->truth = std::move(device);
  src->latency = std::move(model);
  return summary;
}

namespace {

/// "12ms", or "P%": the latency within which P% of the source's archs fit.
double budget_ms(const std::string& item, const SearchSource& src) {
  if (item.empty() || item.back() != '%') return parse_duration_ms(item);
  const double p = parse_double(item.substr(0, item.size() - 1), "latency budget as a share of the archs");
  HWNAS_CHECK(p > 0 && p < 100, "latency budget ", item, ": a share of the archs must be in (0%, 100%)");
  const std::vector<double>& ms = src.sorted_latencies_ms;
  HWNAS_CHECK(!ms.empty(), "latency budget ", item, ": ", src.latency_name, " lists no archs; give the budget in ms");
  const size_t k = static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(ms.size())));
  return ms[std::clamp<size_t>(k, 1, ms.size()) - 1];
}

}  // namespace

std::vector<double> parse_budgets(const std::vector<std::string>& budgets, const SearchSource& src) {
  HWNAS_CHECK(!budgets.empty(), "search needs --latency BUDGET, e.g. --latency 10ms (or 5ms,10ms,20ms)");
  std::vector<double> out;
  for (const std::string& list : budgets)
    for (const std::string& item : split(list, ',')) {
      if (trim(item).empty()) continue;
      const double ms = budget_ms(trim(item), src);
      const std::string range = str_cat("feasible budgets for ", src.latency_name, " are ",
                                        format_bound(src.min_latency_ms(), true), " .. ",
                                        format_bound(src.max_latency_ms(), false), " ms");
      HWNAS_CHECK(ms >= src.min_latency_ms(), "latency budget ", trim(item),
                  " is below the fastest arch (", format_bound(src.min_latency_ms(), true),
                  " ms): nothing fits; ", range);
      HWNAS_CHECK(ms <= src.max_latency_ms(), "latency budget ", trim(item),
                  " is above the slowest arch (", format_bound(src.max_latency_ms(), false),
                  " ms): every arch fits, so it constrains nothing; ", range);
      out.push_back(ms);
    }
  return out;
}

BudgetResult run_budget(const SearchSpace& space, SearchSource& src, const Strategy& strategy,
                        const TabularSearchOptions& a, double budget_ms, bool single_run) {
  BudgetResult br;
  br.budget_ms = budget_ms;
  const std::unique_ptr<Objective> objective = make_objective_for_budget(a.objective, budget_ms);
  br.objective = objective->describe();
  br.has_oracle = !src.all.empty();
  br.total_archs = static_cast<int>(src.all.size());
  // The true front's hypervolume, against the table's worst corner.
  AccLat ref{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  std::vector<AccLat> everything;
  for (const TablePoint& p : src.all) {
    ref.accuracy = std::min(ref.accuracy, p.accuracy);
    ref.latency_ms = std::max(ref.latency_ms, p.latency_ms);
    everything.push_back({p.accuracy, p.latency_ms});
  }
  const double true_hv = br.has_oracle ? hypervolume(everything, ref) : std::nan("");
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
    std::vector<AccLat> evaluated;
    // Against the true front, the true latencies (a transferred model's are predictions).
    for (const SearchRecord& rec : h.records())
      evaluated.push_back({rec.accuracy, src.truth && br.has_oracle ? src.truth->predict_ms(rec.arch) : rec.latency_ms});
    for (int i : pareto_front(evaluated)) r.front.push_back(h.at(i));
    if (br.has_oracle && true_hv > 0) r.hypervolume_ratio = hypervolume(evaluated, ref) / true_hv;
    const int best = h.best_feasible_index();
    r.found = best >= 0;
    if (r.found) {
      const SearchRecord& rec = h.at(best);
      r.arch = rec.arch_text;
      r.accuracy = rec.accuracy;
      r.latency_ms = rec.latency_ms;
      r.score = rec.score;
      if (br.has_oracle) r.gap = br.oracle.accuracy - rec.accuracy;
      if (src.truth) {
        r.true_latency_ms = src.truth->predict_ms(rec.arch);
        r.meets_budget = r.true_latency_ms <= budget_ms;
      }
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
    if (std::isfinite(r.hypervolume_ratio))
      std::fprintf(stderr, "hwnas search: front of %zu archs, hypervolume %.4f of the table's true front\n",
                   r.front.size(), r.hypervolume_ratio);
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

nlohmann::ordered_json search_json(const SearchSpace& space, const SearchSource& src, const Strategy& strategy,
                                   int max_evals, const std::vector<BudgetResult>& results) {
  nlohmann::ordered_json j;
  j["space"] = space.description;
  j["strategy"] = strategy.describe();
  j["evaluator"] = src.evaluator->describe();
  j["latency_model"] = src.latency->describe();
  j["max_evals"] = max_evals;
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
        jr["score"] = number_or_null<nlohmann::ordered_json>(r.score);
        jr["gap"] = number_or_null<nlohmann::ordered_json>(r.gap);
        if (std::isfinite(r.true_latency_ms)) {
          jr["true_latency_ms"] = r.true_latency_ms;
          jr["meets_budget"] = r.meets_budget;
        }
      }
      jr["hypervolume_ratio"] = number_or_null<nlohmann::ordered_json>(r.hypervolume_ratio);
      jr["front"] = nlohmann::ordered_json::array();
      for (const SearchRecord& f : r.front)
        jr["front"].push_back({{"arch", f.arch_text}, {"accuracy", f.accuracy}, {"latency_ms", f.latency_ms}});
      jb["runs"].push_back(jr);
    }
    const std::vector<double> g = gaps_of(b);
    jb["gap_mean"] = number_or_null<nlohmann::ordered_json>(mean_of(g));
    jb["gap_std"] = number_or_null<nlohmann::ordered_json>(std_of(g));
    jb["not_found"] = static_cast<int>(std::count_if(b.runs.begin(), b.runs.end(),
                                                     [](const RunResult& r) { return !r.found; }));
    j["budgets"].push_back(jb);
  }
  return j;
}

std::vector<FillRow> fill_study(const SearchSpace& space, const SearchSource& src, const std::vector<double>& budgets,
                                const FillStudyOptions& a) {
  HWNAS_CHECK(a.population >= 1, "--fill-population must be >= 1, got ", a.population);
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
    for (int s = 0; s < a.runs; ++s) {
      // The same stream for both, so they see the same samples.
      Rng r1 = derive_rng(a.seed + s, Stage::kSearch);
      const FillResult rej =
          samples_to_fill(space, *src.latency, rejection, a.population, r1, a.max_samples);
      Rng r2 = derive_rng(a.seed + s, Stage::kSearch);
      const FillResult pen =
          samples_to_fill(space, *src.latency, penalty, a.population, r2, a.max_samples);
      if (rej.filled) row.rejection.push_back(static_cast<double>(rej.samples));
      else ++row.rejection_unfilled;
      row.penalty.push_back(static_cast<double>(pen.samples));
    }
    std::fprintf(stderr, "hwnas search: fill study T=%s ms done\n", format_number(budget_ms).c_str());
    rows.push_back(row);
  }
  return rows;
}

nlohmann::ordered_json fill_study_json(const SearchSpace& space, const SearchSource& src, const FillStudyOptions& o,
                                       const std::vector<FillRow>& rows) {
  nlohmann::ordered_json j;
  j["space"] = space.description;
  j["latency_model"] = src.latency->describe();
  j["population"] = o.population;
  j["runs"] = o.runs;
  j["max_samples"] = o.max_samples;
  j["budgets"] = nlohmann::ordered_json::array();
  for (const FillRow& r : rows)
    j["budgets"].push_back({{"latency_ms", r.budget_ms},
                            {"feasible_fraction", r.feasible_fraction},
                            {"rejection_samples_mean", number_or_null<nlohmann::ordered_json>(mean_of(r.rejection))},
                            {"rejection_samples_std", number_or_null<nlohmann::ordered_json>(std_of(r.rejection))},
                            {"rejection_unfilled", r.rejection_unfilled},
                            {"penalty_samples_mean", number_or_null<nlohmann::ordered_json>(mean_of(r.penalty))}});
  return j;
}

}  // namespace hwnas
