// HURRICANE as a method of stages (`hwnas run --method hurricane`): the
// target's latency table (the shared profile stage), operator scoring on it
// (Eq. 4, Algorithm 1 lines 1-5), coordinate ascent with a fresh supernet per
// iteration (lines 6-11), then the shared finals: the winner and the
// baselines retrained (line 12), measured on the target, reported.
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/strings.h"
#include "latency/fresh_process.h"
#include "run/finals.h"
#include "run/hardware_model.h"
#include "run/hurricane.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/stage.h"
#include "search/strategy.h"

namespace hwnas {
namespace {

using nlohmann::json;

const std::vector<std::string> kPlan = {"profile", "score", "ascent", "retrain", "measure", "export", "report"};

class HurricaneRun {
 public:
  explicit HurricaneRun(const PipelineOptions& o)
      : o_(o), ws_(open_workspace(o.common)), run_(*ws_->run), space_(*ws_->space), stages_(run_, kPlan) {
    target_ = make_target(o.target, o.token);
    run_.write("target.json", target_->info().to_json().dump(2));
  }

  void run() {
    hw_ = profile_stage(stages_, o_, space_, *target_, run_);
    score();
    ascent();
    finals_ = profiled_finals(o_, space_, hw_, result_.winner, "searched (HURRICANE)", o_.baseline_widths);
    drift_ = retrain_measure_export(stages_, *ws_, o_, space_, hw_, &finals_.nets);
    report();
  }

 private:
  /// Algorithm 1 lines 1-5: the operators kept per layer on this target.
  void score() {
    stages_.run("score", "score the operators on the target's table (Eq. 4)", json{{"top", o_.scoring.top}}, [&] {
      const OpScoring scoring = score_table(space_, *hw_.lut, o_.scoring);
      const std::string table1 = format_op_table(space_, scoring, target_->info().id());
      std::fprintf(stderr, "%s\n", table1.c_str());
      run_.write("table1.md", table1);
      reduced_ = scoring.reduced_space(space_);
      initial_ = scoring.initial_arch(space_);
      json record = scoring.to_json(space_);
      record["log10_size_after"] = reduced_->size().distinct_log10;
      return record;
    });
  }

  /// Lines 6-11: per iteration a fresh supernet of the active layers,
  /// trained on archs within T (Eq. 3), and the search on its weights.
  void ascent() {
    CoordinateAscentOptions ao = o_.ascent;
    ao.budget_ms = hw_.T_ms;
    ao.seed = o_.common.exec.seed;
    ao.strategy = o_.strategy;
    HurricaneRoundOptions ro;
    ro.train = o_.supernet;
    ro.train.seed = o_.common.exec.seed;
    ro.eval = o_.eval;
    stages_.run("ascent", str_cat("coordinate ascent, ", ao.iterations, " iterations, t = ", ao.split),
                json{{"iterations", ao.iterations}, {"split", ao.split}, {"strategy", ao.strategy}}, [&] {
      json iterations;
      auto on_iteration = [&](const AscentIteration& it) {
        it.history.write_csv(run_.file("search.csv"));  // the report plots the last iteration's search
        std::fprintf(stderr, "iteration %d: a_win %s, search-valid %.2f%%, %.3f ms%s\n", it.iteration,
                     space_.format(it.winner).c_str(), it.accuracy, it.latency_ms,
                     it.found ? "" : " (no arch within the budget found; kept)");
      };
      result_ = run_ascent(*ws_, *reduced_, initial_, *hw_.latency, ro, ao, on_iteration, &iterations);
      return json{{"winner", space_.format(result_.winner)}, {"predicted_ms", result_.winner_latency_ms},
                  {"train_steps", result_.train_steps}, {"iterations", iterations}};
    });
  }

  void report() {
    const AscentIteration& last = result_.iterations.back();
    ReportInput rep = hardware_report_input(o_, space_, target_->info(), hw_, drift_);
    rep.searched_space = reduced_.get();
    rep.objective = "hard: within T (HURRICANE Eq. 3, rejection sampling)";
    rep.strategy = str_cat("coordinate ascent (", result_.iterations.size(), " iterations), each ", o_.strategy);
    rep.history = &last.history;
    rep.shrink_log10_sizes = {space_.size().distinct_log10, reduced_->size().distinct_log10};
    rep.nets = report_nets(finals_.nets, space_, *hw_.latency, *hw_.latency, o_.profile.statistic);
    rep.stage_seconds = stages_.seconds();
    BestRecord b = best_record("hurricane", o_.common, rep);
    b.predicted_latency_ms = result_.winner_latency_ms;
    b.search_score = last.accuracy;
    b.search_score_kind = "supernet search-valid accuracy, last ascent iteration";
    report_stage(stages_, run_, rep, b);
  }

  const PipelineOptions& o_;
  std::unique_ptr<Workspace> ws_;
  const RunDir& run_;
  const SearchSpace& space_;
  StageRunner stages_;
  std::unique_ptr<Target> target_;
  HardwareModel hw_;
  std::unique_ptr<SearchSpace> reduced_;
  Arch initial_;
  AscentResult result_;
  Finals finals_;
  double drift_ = std::nan("");
};

}  // namespace

void run_hurricane_method(const PipelineOptions& o) { HurricaneRun(o).run(); }

}  // namespace hwnas
