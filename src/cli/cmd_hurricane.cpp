// hwnas hurricane: HURRICANE (hardware-aware one-shot NAS in a coordinate
// ascent framework) as hwnas parts.
//   score    operator scoring on one target's latency table (Eq. 4, Algorithm 1
//            lines 1-5), printed as the paper's Table 1 and saved as JSON
//   compare  the same on two targets' tables, and why their operators differ
//   search   scoring, then coordinate ascent (lines 6-11): per iteration a fresh
//            supernet on the active layers, trained on archs within the budget
//            (Eq. 3), and evolutionary search on its weights
// Latency tables come from `hwnas profile --space hurricane --target ...`
// (this CPU, a remote agent) or are imported (CSV / JSON from elsewhere).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/flops.h"
#include "core/io.h"
#include "core/search_space.h"
#include "core/strings.h"
#include "latency/lut.h"
#include "latency/models.h"
#include "run/finals.h"
#include "run/hurricane.h"
#include "search/coordinate_ascent.h"
#include "search/op_scoring.h"

namespace hwnas {
namespace {

using nlohmann::json;

void add_scoring_options(CLI::App* cmd, OpScoringOptions* o) {
  cmd->add_option("--alpha", o->alpha, "Eq. 4 exponent of FLOPs x Params^beta (0 = latency only, as Table 1)")
      ->capture_default_str();
  cmd->add_option("--beta", o->beta, "Eq. 4 exponent of #Params")->capture_default_str();
  cmd->add_option("--top", o->top, "Operators kept per layer")->capture_default_str();
  cmd->add_option("--explore-index", o->explore_index,
                  "e: rank (0-based) of the extra exploring operator, >= --top (the paper uses 10)")
      ->capture_default_str();
  cmd->add_option("--explore-layers", o->explore_layers, "The last N layers get the exploring operator")
      ->capture_default_str();
}

/// How a table's target is shown: the target's kind and device.
std::string target_name(const Lut& lut, const std::string& given) {
  if (!given.empty()) return given;
  std::string name = lut.target.kind;
  if (!lut.target.device.empty()) name += " (" + lut.target.device + ")";
  return name;
}

/// Milliseconds to four significant digits, for lines meant to be read.
std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", ms);
  return buf;
}

// ---------------------------------------------------------------- score

struct ScoreArgs {
  std::string space = "hurricane";
  std::string lut;
  std::string name;
  std::string out;
  OpScoringOptions scoring;
};

void score(const ScoreArgs& a) {
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  const Lut lut = Lut::load(a.lut);
  const OpScoring s = score_table(*space, lut, a.scoring);
  std::printf("%s\n", format_op_table(*space, s, target_name(lut, a.name)).c_str());
  std::printf("initial arch (top op per layer): %s\n", space->format(s.initial_arch(*space)).c_str());
  std::printf("reduced space: 10^%.2f archs (from 10^%.2f)\n", s.reduced_space(*space)->size().distinct_log10,
              space->size().distinct_log10);
  if (!a.out.empty()) {
    json j = s.to_json(*space);
    j["target"] = lut.target.to_json();
    j["lut"] = a.lut;
    write_file_atomic(a.out, j.dump(1) + "\n");
    std::printf("wrote %s\n", a.out.c_str());
  }
}

// ---------------------------------------------------------------- compare

struct CompareArgs {
  std::string space = "hurricane";
  std::vector<std::string> luts;
  std::vector<std::string> names;
  OpScoringOptions scoring;
};

void compare(const CompareArgs& a) {
  HWNAS_CHECK(a.luts.size() == 2, "compare needs two tables: --lut A --lut B, got ", a.luts.size());
  HWNAS_CHECK(a.names.empty() || a.names.size() == 2, "give --name twice (one per table) or not at all");
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  const Lut la = Lut::load(a.luts[0]), lb = Lut::load(a.luts[1]);
  const std::string na = target_name(la, a.names.empty() ? "" : a.names[0]);
  const std::string nb = target_name(lb, a.names.empty() ? "" : a.names[1]);
  HWNAS_CHECK(na != nb, "both tables show as '", na, "'; name them with --name A --name B");
  const OpScoring sa = score_table(*space, la, a.scoring), sb = score_table(*space, lb, a.scoring);
  std::printf("%s\n%s\n%s", format_op_table(*space, sa, na).c_str(), format_op_table(*space, sb, nb).c_str(),
              format_op_comparison(*space, sa, na, sb, nb).c_str());
}

// ---------------------------------------------------------------- search

struct SearchArgs {
  CommonOptions common;
  TrainOptions train;
  SupernetEvalOptions eval;
  OpScoringOptions scoring;
  CoordinateAscentOptions ascent;
  std::string lut;
  std::string latency;  ///< the budget, with units
  std::string latency_model;
};

void search(const SearchArgs& a, const CLI::App& cmd) {
  HWNAS_CHECK(!a.lut.empty(), "hurricane search needs --lut FILE (hwnas profile --space ",
              a.common.space, " --target ... --out FILE)");
  HWNAS_CHECK(!a.latency.empty(), "hurricane search needs a latency budget: --latency 5ms");
  std::unique_ptr<Workspace> ws = open_workspace(a.common);
  ws->run->write("config.yaml", resolved_config_yaml(cmd));
  const SearchSpace& space = *ws->space;
  const Lut lut = Lut::load(a.lut);
  lut.check_space(space);

  // Algorithm 1 lines 1-5: operator-level reduction for this target.
  const OpScoring scoring = score_table(space, lut, a.scoring);
  const std::string table1 = format_op_table(space, scoring, target_name(lut, ""));
  std::printf("%s\n", table1.c_str());
  json sj = scoring.to_json(space);
  sj["target"] = lut.target.to_json();
  ws->run->write("scoring.json", sj.dump(1) + "\n");
  ws->run->write("table1.md", table1);
  const std::unique_ptr<SearchSpace> reduced = scoring.reduced_space(space);
  const Arch initial = scoring.initial_arch(space);

  // Latency of whole archs on the target: the table (+ bias) or a learned predictor.
  const MeasuredArchs fit = table_measured_archs(space, lut);
  const std::string model_spec = !a.latency_model.empty() ? a.latency_model : lut.bias_ms ? "lut+bias" : "lut";
  LatencyModelContext ctx;
  ctx.space = &space;
  ctx.lut = &lut;
  ctx.fit = model_spec == "lut+bias" && lut.bias_ms ? nullptr : &fit;  // keep the table's B
  const std::unique_ptr<LatencyModel> latency = make_latency_model(model_spec, ctx);

  CoordinateAscentOptions ao = a.ascent;
  ao.budget_ms = parse_duration_ms(a.latency);
  ao.seed = a.common.exec.seed;
  const double initial_ms = latency->predict_ms(initial);
  std::printf("latency model %s; budget %s ms; initial arch %s ms%s\n", latency->describe().c_str(),
              ms_text(ao.budget_ms).c_str(), ms_text(initial_ms).c_str(),
              initial_ms > ao.budget_ms ? " (over the budget: the fastest ops do not fit; HURRICANE appendix B)"
                                        : "");
  std::printf("reduced space 10^%.2f archs; %d iterations, t = %d, search %s\n",
              reduced->size().distinct_log10, ao.iterations, ao.split, ao.strategy.c_str());
  std::fflush(stdout);

  HurricaneRoundOptions ro;
  ro.train = a.train;
  ro.train.seed = a.common.exec.seed;
  ro.eval = a.eval;
  auto on_iteration = [&](const AscentIteration& it) {
    std::printf("iteration %d: layers %d-%d active (10^%.2f archs); %lld training iterations, "
                "%lld of %lld sampled paths rejected (Eq. 3)%s; %d archs evaluated (%d over budget skipped)\n",
                it.iteration, it.active.front() + 1, it.active.back() + 1, it.subspace_log10,
                static_cast<long long>(it.train_steps), static_cast<long long>(it.sampler_rejected),
                static_cast<long long>(it.sampler_draws),
                it.sampler_fallbacks ? str_cat(", ", it.sampler_fallbacks, " steps fell back to a_win").c_str() : "",
                it.history.size(), it.skipped_over_budget);
    std::printf("  a_win %s  valid acc %.2f%%  %s ms%s\n", space.format(it.winner).c_str(), it.accuracy,
                ms_text(it.latency_ms).c_str(), it.found ? "" : "  (no arch within the budget found; kept)");
    std::fflush(stdout);
  };
  const AscentResult r = run_ascent(*ws, *reduced, initial, *latency, ro, ao, on_iteration);

  const Cost cost = arch_cost(space, r.winner, 1);
  const double acc = r.iterations.empty() ? 0 : r.iterations.back().accuracy;
  // best.json in every method's schema; not retrained or measured here.
  BestRecord best;
  best.method = "hurricane";
  best.space = a.common.space;
  best.dataset = a.common.dataset;
  best.arch = space.format(r.winner);
  best.latency_budget_ms = ao.budget_ms;
  best.predicted_latency_ms = r.winner_latency_ms;
  best.search_score = acc;
  best.search_score_kind = "supernet search-valid accuracy, last ascent iteration";
  best.parameters = cost.params;
  best.macs = cost.macs;
  best.target = lut.target.to_json();
  write_best(*ws->run, best);
  std::printf("winner: %s\n  predicted %s ms (budget %s ms), %.2f MMACs, %lld params, supernet valid acc %.2f%%\n"
              "  supernet training iterations: %lld in total over %zu iteration(s)\n",
              space.format(r.winner).c_str(), ms_text(r.winner_latency_ms).c_str(),
              ms_text(ao.budget_ms).c_str(), cost.macs * 1e-6, static_cast<long long>(cost.params), acc,
              static_cast<long long>(r.train_steps), r.iterations.size());
  std::printf("wrote %s (scoring.json, table1.md, hurricane.json, search_iter*.csv, best.json)\n",
              ws->run->root().c_str());
}

void setup(CLI::App& app) {
  auto* hur = app.add_subcommand("hurricane", "HURRICANE: per-target operator scoring and coordinate-ascent search");
  hur->require_subcommand(1);

  auto* s = new ScoreArgs();
  auto* sc = hur->add_subcommand("score", "Score the operators on a target's latency table (Eq. 4) and print Table 1");
  sc->add_option("--space", s->space, "Search space")->capture_default_str();
  sc->add_option("--lut", s->lut, "Latency table (hwnas profile --out, or an imported .csv / .json)")->required();
  sc->add_option("--name", s->name, "Target name in the table (default: the table's target)");
  sc->add_option("--out", s->out, "Write the scores and kept operators as JSON");
  add_scoring_options(sc, &s->scoring);
  sc->callback([s] { score(*s); });

  auto* c = new CompareArgs();
  auto* cc = hur->add_subcommand("compare", "Score the operators on two targets and show why they differ");
  cc->add_option("--space", c->space, "Search space")->capture_default_str();
  cc->add_option("--lut", c->luts, "Latency table of a target (give it twice)")->required();
  cc->add_option("--name", c->names, "Target names, one per --lut");
  add_scoring_options(cc, &c->scoring);
  cc->callback([c] { compare(*c); });

  auto* a = new SearchArgs();
  a->common.space = "hurricane";
  a->common.run_dir = "runs/hurricane";
  a->train.epochs = 1;
  a->train.batch_size = 128;
  a->train.lr = 0.1;  // HURRICANE section 4.4: SPOS settings with the initial lr reduced to 0.1
  a->eval.bn_images = 1000;
  a->eval.valid_images = 1000;
  auto* se = hur->add_subcommand("search", "Operator scoring, then coordinate ascent (Algorithm 1) on a data set");
  add_common_options(se, &a->common);
  add_train_options(se, &a->train);
  add_scoring_options(se, &a->scoring);
  se->add_option("--lut", a->lut, "Latency table of the target (hwnas profile --space ... --out FILE)")->required();
  se->add_option("--latency", a->latency, "Latency budget LatC_h, e.g. 4ms or 800us")->required();
  se->add_option("--latency-model", a->latency_model,
                 "Whole-arch latency: lut, lut+bias, or a learned predictor (hwnas latency list); "
                 "default lut+bias when the table has B, else lut");
  se->add_option("--iterations", a->ascent.iterations, "I: coordinate-ascent iterations")->capture_default_str();
  se->add_option("--split", a->ascent.split, "t: layers 1..t form the earlier group")->capture_default_str();
  se->add_option("--strategy", a->ascent.strategy, "Search within each iteration (make_strategy string)")
      ->capture_default_str();
  se->add_option("--max-evals", a->ascent.max_evals, "Cap on accuracy evaluations per iteration (0 = none)")
      ->capture_default_str();
  se->add_option("--max-tries", a->ascent.max_tries, "Rejection-sampling draws per training step")
      ->capture_default_str();
  se->add_option("--bn-images", a->eval.bn_images, "Search-train images for BN recalibration")
      ->capture_default_str();
  se->add_option("--valid-images", a->eval.valid_images, "Search-valid images to score on (0 = all)")
      ->capture_default_str();
  se->callback([a, se] { search(*a, *se); });
}

}  // namespace
HWNAS_COMMAND(60, setup);
}  // namespace hwnas
