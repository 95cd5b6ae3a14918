// HW-EvRSNAS as a method of stages (`hwnas run --method hw-evrsnas`): train
// the reference model, search with the genetic algorithm over the RMI proxy
// and the latency penalty (Eq. 4, 5) on a device's latency table, then the
// shared finals: the pick and the reference retrained alike and tested; their
// latency on the table's device is the table's entry (HW-NAS-Bench measured
// every NB201 network on it).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/flops.h"
#include "core/strings.h"
#include "core/tables.h"
#include "run/export_stage.h"
#include "run/finals.h"
#include "run/hw_evrsnas.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/stage.h"
#include "search/objective.h"
#include "search/strategy.h"

namespace hwnas {
namespace {

using nlohmann::json;

const std::vector<std::string> kPlan = {"reference", "search", "retrain", "measure", "export", "report"};

class HwEvrsnasRun {
 public:
  explicit HwEvrsnasRun(const PipelineOptions& o)
      : o_(o), ws_(open_workspace(o.common)), run_(*ws_->run), space_(*ws_->space), stages_(run_, kPlan) {
    HWNAS_CHECK(!o.latency_table.empty(), "--method hw-evrsnas needs --latency-table FILE:COLUMN, e.g. "
                "data/nb201/latency.csv:raspi4_ms (the device's latency of every arch)");
    latency_ = std::make_unique<TableLatency>(o.latency_table, space_);
    T_ = o.latency_ms > 0 ? o.latency_ms : o.latency_of_median * median_of_table();
    objective_ = make_objective_for_budget(o.objective, T_);
    strategy_ = make_strategy(o.strategy);
  }

  void run() {
    HwEvrsnasOptions a = o_.rmi;
    a.reference_train.seed = o_.common.exec.seed;
    a.rmi.seed = o_.common.exec.seed;
    stages_.run("reference", "train the reference model", json{{"arch", a.reference_arch}, {"epochs", a.reference_train.epochs}},
                [&] {
      ref_ = reference_stage(*ws_, a, o_.resume, /*reuse_any=*/false);
      return json{{"arch", space_.format(ref_.arch)}, {"test_accuracy", ref_.test_accuracy}};
    });
    search(a);
    finals_.push_back({"final", "searched (HW-EvRSNAS)", &space_, pick_.arch, 1, {}, {}, {}});
    finals_.push_back({"baseline_reference", "reference model", &space_, ref_.arch, 0, {}, {}, {}});
    if (o_.random_baseline > 0) {
      Finals random;
      add_random_finals(&random, space_, *latency_, T_, o_.random_baseline, o_.common.exec.seed);
      for (FinalNet& f : random.nets) finals_.push_back(std::move(f));
    }
    retrain_finals_stage(stages_, *ws_, o_, &finals_);
    stages_.run("measure", "latency on the table's device: " + latency_->describe(), json{{"table", o_.latency_table}}, [&] {
      json rows = json::array();
      for (FinalNet& f : finals_) {
        const double ms = latency_->predict_ms(f.arch);
        f.measured.median_ms = f.measured.min_ms = f.measured.mean_ms = ms;
        rows.push_back({{"name", f.name}, {"measured_ms", ms}});
      }
      return json{{"source", o_.latency_table}, {"nets", rows}};
    });
    export_stage(stages_, *ws_, o_, TargetInfo{}, &finals_);  // a table's device: nothing to time here
    report();
  }

 private:
  double median_of_table() const {
    std::vector<double> ms;
    for (const auto& [arch, v] : latency_->table().entries()) ms.push_back(v);
    HWNAS_CHECK(!ms.empty(), o_.latency_table, " has no archs");
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    std::fprintf(stderr, "no --latency given: T = %.3f ms, the median of %s\n", ms[ms.size() / 2],
                 o_.latency_table.c_str());
    return ms[ms.size() / 2];
  }

  /// The GA over the RMI proxy (HW-EvRSNAS Algorithm 1) with the penalty.
  void search(const HwEvrsnasOptions& a) {
    stages_.run("search", "search: " + strategy_->describe(),
                json{{"strategy", o_.strategy}, {"objective", objective_->describe()}, {"rmi", rmi_settings(*ws_, a, ref_)}},
                [&] {
      const std::unique_ptr<RmiProxy> proxy = make_proxy(*ws_, a, ref_);
      SearchOptions so;
      so.seed = o_.common.exec.seed;
      history_ = search_with_proxy(space_, *proxy, *latency_, *strategy_, *objective_, so, run_.file("search.csv"));
      int best = history_.best_feasible_index();
      if (best < 0) {
        best = history_.best_index();
        std::fprintf(stderr, "hwnas: warning: no evaluated arch is within %.3f ms; continuing with the best-scoring one\n", T_);
      }
      pick_ = history_.at(best);
      rmi_kind_ = proxy->describe();
      return json{{"evaluated", history_.size()}, {"search_csv", "search.csv"},
                  {"rmi_seconds_per_candidate", proxy->evaluations() > 0 ? proxy->seconds() / proxy->evaluations() : 0.0},
                  {"pick", {{"arch", pick_.arch_text}, {"rmi", pick_.accuracy}, {"latency_ms", pick_.latency_ms}}}};
    });
  }

  void report() {
    ReportInput rep;
    rep.space = &space_;
    rep.searched_space = &space_;
    rep.dataset = o_.common.dataset;
    rep.target.kind = "table";
    rep.target.device = o_.latency_table;
    rep.latency_budget_ms = T_;
    rep.feasible_lo_ms = rep.feasible_hi_ms = std::nan("");
    rep.latency_model = latency_->describe();
    rep.retrain_seeds = o_.retrain_seeds;
    rep.first_seed = o_.common.exec.seed;
    rep.objective = objective_->describe();
    rep.strategy = strategy_->describe();
    rep.history = &history_;
    rep.nets = report_nets(finals_, space_, *latency_, *latency_, Statistic::kMedian);
    rep.stage_seconds = stages_.seconds();
    BestRecord b = best_record("hw-evrsnas", o_.common, rep);
    b.search_score = pick_.accuracy;
    b.search_score_kind = rmi_kind_;
    report_stage(stages_, run_, rep, b);
  }

  const PipelineOptions& o_;
  std::unique_ptr<Workspace> ws_;
  const RunDir& run_;
  const SearchSpace& space_;
  StageRunner stages_;
  std::unique_ptr<TableLatency> latency_;
  double T_ = 0;
  std::unique_ptr<Objective> objective_;
  std::unique_ptr<Strategy> strategy_;
  Reference ref_;
  History history_;
  SearchRecord pick_;
  std::string rmi_kind_;
  std::vector<FinalNet> finals_;
};

}  // namespace

void run_hw_evrsnas_method(const PipelineOptions& o) { HwEvrsnasRun(o).run(); }

}  // namespace hwnas
