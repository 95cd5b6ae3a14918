// Domino as a method of stages (`hwnas run --method domino`, thesis chapter
// 5): the folding target's table of the domino space (every block kept and
// grafted, timed as deployed), the (graft mask, accuracy) pairs the
// accuracy predictor learns from, the MAML predictor, an evolutionary search
// of graft masks under T on the two predictors, then the shared finals: the
// pick, width-scaled MobileNetV2 and random masks retrained, measured
// folded, reported.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/factory.h"
#include "core/predictors/metrics.h"
#include "core/rng.h"
#include "core/strings.h"
#include "eval/accuracy_predictor.h"
#include "eval/training_proxy.h"
#include "latency/fresh_process.h"
#include "run/finals.h"
#include "run/hardware_model.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/stage.h"
#include "search/objective.h"
#include "search/stored_evaluator.h"
#include "search/strategy.h"

namespace hwnas {
namespace {

using nlohmann::json;

const std::vector<std::string> kPlan = {"profile", "pairs", "predictor", "search", "retrain", "measure", "export", "report"};

/// How a predictor did on the held-out real pairs.
struct PredictorScore {
  double rmse = std::nan(""), tau = std::nan("");
};

PredictorScore score(const MamlAccuracyPredictor& p, const std::vector<AccuracyPair>& held) {
  std::vector<Arch> archs;
  std::vector<double> truth;
  for (const AccuracyPair& a : held) {
    archs.push_back(a.arch);
    truth.push_back(a.accuracy);
  }
  const std::vector<double> pred = p.predict(archs);
  double s = 0;
  for (size_t i = 0; i < pred.size(); ++i) s += (pred[i] - truth[i]) * (pred[i] - truth[i]);
  return {std::sqrt(s / static_cast<double>(pred.size())), kendall_tau_b(pred, truth)};
}

class DominoRun {
 public:
  explicit DominoRun(const PipelineOptions& o)
      : o_(o), ws_(open_workspace(o.common)), run_(*ws_->run), space_(*ws_->space), stages_(run_, kPlan) {
    for (size_t i = 0; i < space_.ops.size(); ++i)
      (space_.ops[i].kind == OpKind::kMbGraft ? graft_ : kept_) = static_cast<int>(i);
    HWNAS_CHECK(space_.ops.size() == 2 && graft_ >= 0 && kept_ >= 0, "--method domino searches graft masks: its space ",
                "must hold one MB op and its grafted twin (domino), not ", space_.description);
    target_ = make_target(o.target, o.token);
    HWNAS_CHECK(target_->info().fold, "--method domino times folded networks; target ", target_->describe(),
                " does not fold");
    run_.write("target.json", target_->info().to_json().dump(2));
  }

  void run() {
    hw_ = profile_stage(stages_, o_, space_, *target_, run_);
    pairs();
    predictor();
    search();
    finals_ = profiled_finals(o_, space_, hw_, pick_.arch, "searched (Domino)", {});
    finals_.nets.front().checked_ms = checked_ms_;
    if (o_.graft_widen > 1) add_pro_final();
    drift_ = retrain_measure_export(stages_, *ws_, o_, space_, hw_, &finals_.nets);
    report();
  }

 private:
  /// `n` distinct graft masks spread over the whole front: each draws its
  /// own graft share p ~ U(0, 1), then grafts each block with probability p
  /// (uniform masks would all graft about half the blocks).
  std::vector<Arch> draw_masks(int n, uint64_t stream, std::set<Arch>* seen) const {
    Rng rng = derive_rng(o_.common.exec.seed, Stage::kSearch, stream);
    std::vector<Arch> out;
    for (int tries = 0; static_cast<int>(out.size()) < n && tries < 1000 * n; ++tries) {
      Arch a = space_.largest();
      const double p = uniform01(rng);
      for (Gene& g : a.genes) g.op = uniform01(rng) < p ? graft_ : kept_;
      a = space_.canonical(a);
      if (seen->insert(a).second) out.push_back(a);
    }
    HWNAS_CHECK(static_cast<int>(out.size()) == n, "domino: only ", out.size(), " distinct graft masks of ", n, " asked");
    return out;
  }

  /// Domino-Pro: the pick again, its grafted blocks graft_widen times wider
  /// inside while training; folded, the same dense convs (the measure stage
  /// times it beside the pick). Second in the finals, after the pick.
  void add_pro_final() {
    std::map<std::string, std::string> opts;
    const std::string name = parse_factory_string(o_.common.space, &opts);
    const int expand = space_.ops[graft_].expand;
    opts["graft_expand"] = std::to_string(expand * o_.graft_widen);
    pro_space_ = make_space(format_factory_string(name, opts));
    HWNAS_CHECK(pro_space_->ops.size() == space_.ops.size(), "domino: the Domino-Pro space differs in its ops");
    finals_.nets.insert(finals_.nets.begin() + 1, FinalNet{"final_pro", str_cat("searched (Domino-Pro x", o_.graft_widen, ")"),
                                                           pro_space_.get(), pick_.arch, 1, {}, {}, {}});
  }

  int grafted(const Arch& a) const {
    int n = 0;
    for (const Gene& g : a.genes) n += g.op == graft_;
    return n;
  }

  std::vector<AccuracyPair> paired(const std::vector<Arch>& archs, const std::vector<double>& acc, size_t from,
                                   size_t to) const {
    std::vector<AccuracyPair> out;
    for (size_t i = from; i < to; ++i) out.push_back({archs[i], acc[i]});
    return out;
  }

  /// The predictor's data: proxy trainings (cheap, many) and real ones (the
  /// finals' settings, few), both on search-train and scored on
  /// search-valid; scores kept in proxy_pairs.json and real_pairs.json, so
  /// a resumed run trains none of them again.
  void pairs() {
    TrainOptions proxy_t = o_.proxy_train, real_t = o_.retrain;
    proxy_t.seed = real_t.seed = o_.common.exec.seed;
    proxy_t.device = real_t.device = ws_->device;
    const json settings{{"proxy_pairs", o_.proxy_pairs}, {"proxy_training", train_settings(proxy_t)},
                        {"real_pairs", o_.real_pairs}, {"test_pairs", o_.test_pairs},
                        {"real_training", train_settings(real_t)}, {"seed", o_.common.exec.seed}};
    stages_.run("pairs", str_cat("train ", o_.proxy_pairs, " proxy and ", o_.real_pairs + o_.test_pairs, " real graft masks"),
                settings, [&] {
      std::set<Arch> seen;
      const std::vector<Arch> proxy_archs = draw_masks(o_.proxy_pairs, 0x444f4d31ULL, &seen);  // "DOM1"
      const std::vector<Arch> real_archs = draw_masks(o_.real_pairs + o_.test_pairs, 0x444f4d32ULL, &seen);
      // A proxy is scored on every 5th search-valid image: at its length
      // the evaluation would otherwise cost as much as the training.
      const ImageSet proxy_valid = ws_->split.search_valid.subset(
          torch::arange(0, ws_->split.search_valid.size(), 5, torch::kLong), "/5");
      TrainedAccuracyEvaluator proxy(space_, ws_->split.search_train, proxy_valid, ws_->norm, proxy_t,
                                     o_.common.exec.resolved_jobs(), "proxy");
      StoredEvaluator stored_proxy(proxy, space_, run_.file("proxy_pairs.json"));
      const std::vector<double> proxy_acc = stored_proxy.accuracies(proxy_archs);
      TrainedAccuracyEvaluator real(space_, ws_->split.search_train, ws_->split.search_valid, ws_->norm, real_t,
                                    o_.common.exec.resolved_jobs(), "real");
      StoredEvaluator stored_real(real, space_, run_.file("real_pairs.json"));
      const std::vector<double> real_acc = stored_real.accuracies(real_archs);
      proxy_ = paired(proxy_archs, proxy_acc, 0, proxy_archs.size());
      real_ = paired(real_archs, real_acc, 0, o_.real_pairs);
      test_ = paired(real_archs, real_acc, o_.real_pairs, real_archs.size());
      json rows = json::array();
      for (const auto* set : {&proxy_, &real_, &test_})
        for (const AccuracyPair& p : *set)
          rows.push_back({{"set", set == &proxy_ ? "proxy" : set == &real_ ? "real" : "test"},
                          {"arch", space_.format(p.arch)}, {"grafted", grafted(p.arch)},
                          {"predicted_ms", hw_.latency->predict_ms(p.arch)}, {"search_valid_accuracy", p.accuracy}});
      return json{{"pairs", rows}, {"proxy", proxy.describe()}, {"real", real.describe()}};
    });
  }

  /// MAML on the proxy pairs, adapted with the real ones; with test pairs,
  /// scored against the same MLP fitted on the real pairs alone.
  void predictor() {
    MamlOptions mo;
    mo.seed = o_.common.exec.seed;
    const json settings{{"inner_lr", mo.inner_lr}, {"meta_lr", mo.meta_lr}, {"meta_iterations", mo.meta_iterations},
                        {"support", mo.support}, {"query", mo.query}, {"adapt_steps", mo.adapt_steps}};
    stages_.run("predictor", str_cat("MAML accuracy predictor: ", proxy_.size(), " proxy pairs, adapted with ",
                                     real_.size(), " real ones"),
                settings, [&] {
      maml_ = std::make_unique<MamlAccuracyPredictor>(space_, mo);
      maml_->meta_train(proxy_);
      maml_->adapt(real_);
      double lo = 1e300, hi = -1e300;
      for (const AccuracyPair& p : proxy_) lo = std::min(lo, p.accuracy), hi = std::max(hi, p.accuracy);
      proxy_spread_ = hi - lo;
      if (proxy_spread_ < 0.5)
        std::fprintf(stderr, "warning: the proxy trainings scored %.2f - %.2f%%: too short to tell masks apart, so "
                     "meta-training learns nothing; lengthen them (--proxy-epochs, --proxy-limit)\n", lo, hi);
      json record{{"meta_loss", maml_->meta_loss()}, {"proxy_accuracy_range", {lo, hi}}};
      if (!test_.empty()) {
        MamlAccuracyPredictor alone(space_, mo);
        alone.fit_from_scratch(real_);
        maml_score_ = score(*maml_, test_);
        scratch_score_ = score(alone, test_);
        record["test"] = {{"pairs", test_.size()},
                          {"maml", {{"rmse", maml_score_.rmse}, {"kendall_tau", maml_score_.tau}}},
                          {"real_pairs_alone", {{"rmse", scratch_score_.rmse}, {"kendall_tau", scratch_score_.tau}}}};
        std::fprintf(stderr, "on %zu held-out real pairs: MAML RMSE %.2f points (tau %.2f); the %zu real pairs alone "
                     "RMSE %.2f (tau %.2f)\n", test_.size(), maml_score_.rmse, maml_score_.tau, real_.size(),
                     scratch_score_.rmse, scratch_score_.tau);
      }
      return record;
    });
  }

  /// The thesis' EA: the best predicted accuracy among masks predicted within T.
  void search() {
    PredictorEvaluator ev(*maml_, str_cat("maml(proxy=", proxy_.size(), ",real=", real_.size(), ")"));
    const HardObjective objective(hw_.T_ms);
    const auto strategy = make_strategy(o_.strategy);
    const json settings{{"strategy", strategy->describe()}, {"T_ms", hw_.T_ms}, {"seed", o_.common.exec.seed}};
    stages_.run("search", str_cat("search graft masks under T = ", format_ms(hw_.T_ms), " ms on the predictors"), settings,
                [&] {
      history_ = strategy->search(space_, ev, *hw_.latency, objective, {o_.common.exec.seed, 0});
      history_.write_csv(run_.file("search.csv"));
      const int best = history_.best_feasible_index();
      HWNAS_CHECK(best >= 0, "domino: no graft mask is predicted within T = ", format_ms(hw_.T_ms), " ms");
      pick_ = history_.at(best);
      json record{{"arch", pick_.arch_text}, {"grafted", grafted(pick_.arch)}, {"predicted_accuracy", pick_.accuracy},
                  {"predicted_ms", pick_.latency_ms}, {"evaluations", history_.size()}};
      if (o_.latency_check > 0) record["latency_check"] = latency_check();
      return record;
    });
  }

  /// A budget is a limit: the search's best `latency_check` masks predicted
  /// within T, most accurate first, are timed on the target, and the pick is
  /// the most accurate one measured within T (else the fastest). Timings are
  /// kept in latency_check.json for --resume.
  json latency_check() {
    std::vector<int> order;
    for (int i = 0; i < history_.size(); ++i)
      if (history_.at(i).latency_ms <= hw_.T_ms) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return history_.at(a).accuracy > history_.at(b).accuracy; });
    std::vector<Arch> cands;
    for (int i : order) {
      if (static_cast<int>(cands.size()) == o_.latency_check) break;
      if (std::find(cands.begin(), cands.end(), history_.at(i).arch) == cands.end()) cands.push_back(history_.at(i).arch);
    }
    json stored = run_.has("latency_check.json") ? json::parse(run_.read("latency_check.json")) : json::object();
    const std::vector<double> ms = time_for_check(*make_fresh_process_target(o_.target, o_.token), space_, *hw_.lut,
                                                  o_, cands, &stored, hw_.latency.get());
    int chosen = -1, fastest = 0;
    json rows = json::array();
    for (size_t i = 0; i < cands.size(); ++i) {
      if (chosen < 0 && ms[i] <= hw_.T_ms) chosen = static_cast<int>(i);
      if (ms[i] < ms[fastest]) fastest = static_cast<int>(i);
      rows.push_back({{"arch", space_.format(cands[i])}, {"predicted_ms", hw_.latency->predict_ms(cands[i])},
                      {"measured_ms", ms[i]}});
    }
    if (chosen < 0) chosen = fastest;
    const std::string searched_pick = pick_.arch_text;
    for (int i : order)
      if (history_.at(i).arch == cands[chosen]) {
        pick_ = history_.at(i);
        break;
      }
    checked_ms_ = ms[chosen];
    stored["budget_ms"] = hw_.T_ms;
    run_.write("latency_check.json", stored.dump(2));
    std::fprintf(stderr, "latency check: %zu masks timed; candidate %d picked at %.3f ms (%+.1f%% vs T)%s\n", cands.size(),
                 chosen + 1, checked_ms_, 100 * (checked_ms_ / hw_.T_ms - 1),
                 pick_.arch_text == searched_pick ? ", the search's own pick" : "");
    return json{{"candidates", rows}, {"chosen", chosen + 1}, {"checked_ms", checked_ms_}};
  }

  std::string method_section() const {
    std::ostringstream md;
    md << "## Domino\n\nThe domino space's blocks are kept (`" << space_.ops[kept_].name << "`) or grafted (`"
       << space_.ops[graft_].name << "`: linear inside, ReLU6 after, one dense conv once folded), and every network "
       << "is timed folded (`" << target_->info().id() << "`).\n\n"
       << "Accuracy predictor: an MLP on the graft mask, meta-trained with MAML on " << proxy_.size()
       << " masks each trained briefly (" << o_.proxy_train.epochs << " epoch(s) over "
       << o_.proxy_train.limit << " search-train images), then adapted with " << real_.size()
       << " masks trained like the finals, all scored on search-valid (`proxy_pairs.json`, `real_pairs.json`).";
    if (proxy_spread_ < 0.5)
      md << " **The proxy trainings all scored within " << format_fixed(proxy_spread_, 2)
         << " points of each other: too short to tell masks apart, so the meta-training learned nothing.**";
    if (!test_.empty())
      md << " On " << test_.size() << " more masks trained like the finals it scored RMSE "
         << format_fixed(maml_score_.rmse, 2) << " points (Kendall tau " << format_fixed(maml_score_.tau, 2)
         << "); the same MLP fitted on the " << real_.size() << " real pairs alone scored "
         << format_fixed(scratch_score_.rmse, 2) << " (tau " << format_fixed(scratch_score_.tau, 2) << ").";
    md << "\n\nThe search (`" << o_.strategy << "`, " << history_.size() << " masks) picked " << grafted(pick_.arch)
       << " grafted blocks of " << space_.num_layers() << ", predicted at " << format_fixed(pick_.accuracy, 2)
       << "% and " << format_ms(pick_.latency_ms) << " ms.\n";
    return md.str();
  }

  void report() {
    ReportInput rep = hardware_report_input(o_, space_, target_->info(), hw_, drift_);
    rep.objective = "hard: the MAML-predicted accuracy of masks predicted within T";
    rep.strategy = o_.strategy;
    rep.history = &history_;
    rep.method_section = method_section();
    rep.nets = report_nets(finals_.nets, space_, *hw_.latency, *hw_.latency, o_.profile.statistic);
    rep.stage_seconds = stages_.seconds();
    BestRecord b = best_record("domino", o_.common, rep);
    b.search_score = pick_.accuracy;
    b.search_score_kind = "MAML-predicted search-valid accuracy (%)";
    report_stage(stages_, run_, rep, b);
  }

  const PipelineOptions& o_;
  std::unique_ptr<Workspace> ws_;
  const RunDir& run_;
  const SearchSpace& space_;
  StageRunner stages_;
  int kept_ = -1, graft_ = -1;
  std::unique_ptr<Target> target_;
  HardwareModel hw_;
  std::unique_ptr<SearchSpace> pro_space_;  ///< the space with wider grafted blocks (Domino-Pro)
  std::vector<AccuracyPair> proxy_, real_, test_;
  std::unique_ptr<MamlAccuracyPredictor> maml_;
  PredictorScore maml_score_, scratch_score_;
  double proxy_spread_ = 0;  ///< max - min proxy accuracy: ~0 means the proxies carry no signal
  History history_;
  SearchRecord pick_;
  double checked_ms_ = std::nan("");  ///< the latency check's timing of the pick (NaN: no check)
  Finals finals_;
  double drift_ = std::nan("");
};

}  // namespace

void run_domino_method(const PipelineOptions& o) { DominoRun(o).run(); }

}  // namespace hwnas
