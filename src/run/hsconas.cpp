// HSCoNAS as a method of stages (run/pipeline.h): profile the target into a
// latency table + bias, train the supernet, shrink the space progressively,
// search under T (with the optional calibration and latency check), widen,
// re-rank, retrain the pick and the baselines, measure them, report.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/flops.h"
#include "core/strings.h"
#include "latency/fresh_process.h"
#include "latency/lut.h"
#include "latency/measurer.h"
#include "latency/models.h"
#include "latency/profile_space.h"
#include "latency/target.h"
#include "run/export_stage.h"
#include "run/finals.h"
#include "run/hardware_model.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/stage.h"
#include "run/supernet_stage.h"
#include "search/calibration.h"
#include "search/objective.h"
#include "search/rerank.h"
#include "search/shrinking.h"
#include "search/strategy.h"
#include "search/widen.h"

namespace hwnas {
namespace {

using nlohmann::json;

/// Evaluator results per weights file, kept in eval_cache.json so that a
/// resumed shrink or search replays finished evaluations for free.
class EvalCache {
 public:
  explicit EvalCache(const RunDir& run) : run_(run) {
    if (run.has("eval_cache.json")) data_ = json::parse(run.read("eval_cache.json"));
  }
  void preload(const std::string& weights, SupernetEvaluator* ev) const {
    if (!data_.contains(weights)) return;
    for (auto& [arch, acc] : data_[weights].items()) ev->preload(arch, acc.get<double>());
  }
  /// Drops what was measured on an older `weights`: trained again, the same
  /// name holds other weights.
  void forget(const std::string& weights) {
    if (data_.erase(weights) > 0) run_.write("eval_cache.json", data_.dump());
  }
  void save(const std::string& weights, const SupernetEvaluator& ev) {
    data_[weights] = ev.cache();
    run_.write("eval_cache.json", data_.dump());
  }

 private:
  const RunDir& run_;
  json data_ = json::object();
};

const std::vector<std::string> kPlan = {"profile", "supernet", "shrink1", "finetune1", "shrink2", "finetune2",
                                        "search",  "widen",    "rerank",  "retrain",   "measure", "export", "report"};

class HsconasRun {
 public:
  explicit HsconasRun(const PipelineOptions& o)
      : o_(o),
        ws_(open_workspace(o.common)),
        run_(*ws_->run),
        space_(*ws_->space),
        stages_(run_, kPlan),
        cache_(run_) {
    target_ = make_target(o.target, o.token);
    timer_ = make_fresh_process_target(o.target, o.token);
    run_.write("target.json", target_->info().to_json().dump(2));
  }

  void run() {
    profile();
    train_supernet();
    shrink();
    search();
    choose_candidates();
    if (o_.widen) widen();
    else if (candidates_.size() > 1) time_candidates();
    if (candidates_.size() > 1) rerank();
    retrain();
    measure();
    report();
  }

 private:
  // ------------------------------------------------------------ 1. profile
  void profile() {
    HardwareModel hw = profile_stage(stages_, o_, space_, *target_, run_);
    lut_ = std::move(hw.lut);
    latency_ = std::move(hw.latency);
    search_latency_ = std::make_unique<LutBiasModel>(space_, *lut_, latency_->bias_ms());
    T_ = hw.T_ms;
    lo_ms_ = hw.lo_ms;
    hi_ms_ = hw.hi_ms;
    objective_ = make_objective_for_budget(o_.objective, T_);
  }

  std::unique_ptr<SupernetEvaluator> evaluator_for(std::shared_ptr<NetworkImpl> net, const std::string& weights) {
    auto ev = std::make_unique<SupernetEvaluator>(net, space_, ws_->split.search_train, ws_->split.search_valid,
                                                  ws_->norm, o_.eval);
    cache_.preload(weights, ev.get());
    return ev;
  }

  // ------------------------------------------------------------ 2. supernet
  void train_supernet() {
    TrainOptions sn = o_.supernet;
    sn.seed = o_.common.exec.seed;
    stages_.run("supernet", "train supernet", train_settings(sn), [&] {
      SupernetResult super = train_supernet_stage(*ws_, sn, "supernet", o_.resume);
      HWNAS_CHECK(super.stats.finished, "supernet training stopped early");
      if (!super.reused) cache_.forget("supernet.pt");
      net_ = super.supernet;
      return json{{"weights", "supernet.pt"}, {"reused", super.reused}, {"steps", super.stats.steps},
                  {"seconds", super.stats.seconds}};
    });
    weights_ = "supernet.pt";
    searched_ = space_.clone();
  }

  // ------------------------------------------------------- 3-4. shrinking
  /// Progressive space shrinking (Definition 1), fine-tuning after each stage.
  void shrink() {
    if (!o_.shrink) return;
    const std::vector<std::vector<int>> stage_layers = {o_.shrink_stage1, o_.shrink_stage2};
    const std::vector<const TrainOptions*> ft = {&o_.finetune1, &o_.finetune2};
    for (int s = 0; s < 2; ++s) {
      const std::string tag = "shrink" + std::to_string(s + 1);
      stages_.run(tag, str_cat("space shrinking, stage ", s + 1, " (N = ", o_.shrink_samples, ")"),
                  json{{"layers", stage_layers[s]}, {"samples", o_.shrink_samples}}, [&] {
        auto ev = evaluator_for(net_, weights_);
        ShrinkStage st = shrink_layers(*searched_, stage_layers[s], *ev, *latency_, *objective_, o_.shrink_samples,
                                       o_.common.exec.seed + s);
        cache_.save(weights_, *ev);
        json steps = json::array();
        for (const ShrinkStep& step : st.steps) {
          std::string line;
          for (const SubspaceQuality& q : step.candidates)
            line += str_cat(" ", space_.ops[q.op].name, "=", format_number(std::round(q.quality * 100) / 100));
          std::fprintf(stderr, "layer %2d: Q%s -> %s\n", step.layer + 1, line.c_str(),
                       space_.ops[step.chosen_op].name.c_str());
          steps.push_back({{"layer", step.layer + 1}, {"chosen", space_.ops[step.chosen_op].name}});
        }
        searched_ = st.space->clone();
        shrink_stages_.push_back(std::move(st));
        std::vector<const ShrinkStage*> done;
        for (const ShrinkStage& x : shrink_stages_) done.push_back(&x);
        run_.write("shrink.json", shrink_json(space_, done));
        return json{{"steps", steps}, {"log10_size_after", shrink_stages_.back().log10_size_after}};
      });
      TrainOptions f = *ft[s];
      f.seed = o_.common.exec.seed + 100 + s;
      const std::string name = "supernet_" + tag;
      stages_.run("finetune" + std::to_string(s + 1), "fine-tune the supernet inside the shrunk space",
                  train_settings(f), [&] {
        SupernetResult tuned = train_supernet_stage(*ws_, f, name, o_.resume, searched_.get(), weights_);
        HWNAS_CHECK(tuned.stats.finished, "fine-tuning stopped early");
        if (!tuned.reused) cache_.forget(name + ".pt");
        net_ = tuned.supernet;
        weights_ = name + ".pt";
        return json{{"weights", weights_}, {"reused", tuned.reused}};
      });
    }
  }

  // ------------------------------------------------------------- 5. search
  void search() {
    strategy_ = make_strategy(o_.strategy);
    if (run_.has("latency_check.json")) {
      const json stored = json::parse(run_.read("latency_check.json"));
      for (const char* key : {"measured", "measured_raw", "retimed"})
        if (stored.contains(key)) timings_[key] = stored[key];
    }
    stages_.run("search", "search: " + strategy_->describe(),
                json{{"strategy", o_.strategy}, {"objective", objective_->describe()}, {"calibrate", o_.calibrate},
                     {"latency_check", o_.latency_check}, {"latency_rounds", o_.latency_rounds}},
                [&] {
      supernet_ev_ = evaluator_for(net_, weights_);
      ev_ = supernet_ev_.get();
      if (o_.calibrate > 0) {
        calibrated_ = calibrate();
        cache_.save(weights_, *supernet_ev_);
        if (calibrated_) ev_ = calibrated_.get();
      }
      history_ = search_rounds();
      best_i_ = checked_pick_ >= 0 ? checked_pick_ : history_.best_feasible_index();
      if (best_i_ < 0) {
        // Keep the run useful: take the best Eq. 2 score (the closest
        // trade-off) and say loudly that it misses the budget.
        best_i_ = history_.best_index();
        std::fprintf(stderr, "hwnas: warning: no evaluated arch is predicted within %.3f ms; continuing with the "
                     "best-scoring one (%.3f ms); raise the search budget (--strategy) or --latency\n",
                     T_, history_.at(best_i_).latency_ms);
      }
      const SearchRecord& b = history_.at(best_i_);
      return json{{"evaluated", history_.size()}, {"search_csv", "search.csv"},
                  {"pick", {{"arch", b.arch_text}, {"accuracy", b.accuracy}, {"predicted_ms", b.latency_ms}}},
                  {"calibration", calibration_line_}, {"latency_check", latency_check_line_}};
    });
  }

  /// The search, again with B refitted while the latency check finds the
  /// model off on the search's best archs (at most o.latency_rounds).
  History search_rounds() {
    SearchOptions so;
    so.seed = o_.common.exec.seed;
    SearchCallbacks cb;
    cb.on_generation = [&](const History& h) {
      cache_.save(weights_, *supernet_ev_);
      h.write_csv(run_.file("search.csv"));
      const int b = h.best_feasible_index();
      std::fprintf(stderr, "generation %d: %d archs evaluated, best feasible %s\n", h.generation(), h.size(),
                   b < 0 ? "none yet"
                         : str_cat(format_number(std::round(h.at(b).accuracy * 100) / 100), "% at ",
                                   format_ms(h.at(b).latency_ms), " ms").c_str());
      return false;
    };
    History h;
    for (int round = 1;; ++round) {
      h = strategy_->search(*searched_, *ev_, *search_latency_, *objective_, so, cb);
      cache_.save(weights_, *supernet_ev_);
      h.write_csv(run_.file("search.csv"));
      if (o_.latency_check == 0) break;
      if (o_.latency_rounds > 1) h.write_csv(run_.file(str_cat("search_round", round, ".csv")));
      if (latency_check_round(h, round)) break;
    }
    return h;
  }

  /// One round of the latency check: time the search's best candidates,
  /// re-score them with their measured latency, and say whether to stop
  /// (the model is within 2.5% of T on them, or the rounds are spent); else
  /// B is refitted near them (Eq. 4 near the solution) for another search.
  bool latency_check_round(const History& h, int round) {
    const std::vector<int> cands = rerank_candidates(h, o_.latency_check, 1);  // the pick first
    std::vector<Arch> archs;
    for (int i : cands) archs.push_back(h.at(i).arch);
    const std::vector<double> ms = check_latencies(archs);
    std::vector<double> gaps, accuracy;
    json rows = json::array();
    for (size_t i = 0; i < archs.size(); ++i) {
      const SearchRecord& c = h.at(cands[i]);
      gaps.push_back(ms[i] - search_latency_->sum_ms(archs[i]));
      accuracy.push_back(c.accuracy);
      rows.push_back({{"arch", c.arch_text}, {"accuracy", c.accuracy}, {"predicted_ms", c.latency_ms},
                      {"measured_ms", ms[i]}, {"score_measured", objective_->score(c.accuracy, ms[i])}});
    }
    const int chosen = pick_timed(accuracy, ms);
    checked_pick_ = cands[chosen];
    const double local_b = median(gaps), miss = ms[chosen] / T_ - 1;
    const double model_off = (local_b - search_latency_->bias_ms()) / T_;
    std::fprintf(stderr, "latency check, round %d: the search's pick is predicted %.3f ms, measured %.3f ms; by measured "
                 "latency candidate %d wins: %.3f ms (%+.1f%% vs T); B near them %.4f ms (the model's %.4f ms)\n",
                 round, h.at(cands[0]).latency_ms, ms[0], chosen + 1, ms[chosen], 100 * miss, local_b,
                 search_latency_->bias_ms());
    rounds_.push_back({{"round", round}, {"model", search_latency_->describe()}, {"chosen", chosen + 1},
                       {"model_off_share_of_T", model_off}, {"chosen_measured_ms", ms[chosen]}, {"miss", miss},
                       {"local_bias_ms", local_b}, {"archs", rows}});
    write_latency_check();
    // A pick far from T that the model predicted well is the objective's
    // choice (Eq. 2 trades latency for accuracy): the same model would
    // search the same way.
    const bool model_ok = std::fabs(model_off) <= 0.025;
    if (model_ok || round >= o_.latency_rounds) {
      latency_check_line_ = str_cat(round, round == 1 ? " search" : " searches", "; its best ", archs.size(),
                                    " archs timed on the target, candidate ", chosen + 1, " picked at ", format_ms(ms[chosen]),
                                    " ms (", miss >= 0 ? "+" : "", format_number(std::round(miss * 1000) / 10),
                                    "% vs T); the model ", model_ok ? "within" : "still off by more than",
                                    " 2.5% of T on them (`latency_check.json`)");
      return true;
    }
    std::fprintf(stderr, "latency check: searching again with B = %.4f ms\n", local_b);
    search_latency_ = std::make_unique<LutBiasModel>(space_, *lut_, local_b);
    return false;
  }

  void write_latency_check() {
    json out = timings_;
    out["budget_ms"] = T_;
    out["rounds"] = rounds_;
    run_.write("latency_check.json", out.dump(2));
  }

  /// End-to-end latency of each of `archs` on the target, for the latency
  /// check, by the measure stage's rule (measure_settled) beside the
  /// table's speed reference, in the measure stage's fresh process (timer_),
  /// at the table's speed as the measure stage's are. Timings are kept in
  /// latency_check.json for --resume.
  std::vector<double> check_latencies(const std::vector<Arch>& archs) {
    return time_for_check(*timer_, space_, *lut_, o_, archs, &timings_, search_latency_.get(), &slowdown_);
  }

  /// Trains o.calibrate archs near the budget stand-alone (scored on
  /// search-valid) as independent jobs, fits the calibration and writes
  /// calibration.json. Null when the fit ranks its own archs (left out) no
  /// better than the supernet.
  std::unique_ptr<CalibratedEvaluator> calibrate() {
    Rng rng = derive_rng(o_.common.exec.seed, Stage::kSearch, 1u << 20);  // a stream no generation uses
    const std::vector<Arch> archs = calibration_archs(*searched_, *latency_, T_, o_.calibrate, rng);
    HWNAS_CHECK(archs.size() >= 4, "calibration: only ", archs.size(), " of ", o_.calibrate,
                " archs could be drawn within [0.8 T, T]; raise --latency or turn --calibrate off");
    TrainOptions rr = o_.calibrate_train;
    rr.seed = o_.common.exec.seed;
    // The supernet (one network, BN recalibrated per arch) scores the archs
    // one at a time; their trainings are independent jobs.
    std::vector<std::vector<double>> features;
    for (size_t i = 0; i < archs.size(); ++i) {
      const double inherited = supernet_ev_->accuracy(archs[i]);
      features.push_back(calibration_features(*searched_, archs[i], inherited));
      std::fprintf(stderr, "calibration arch %zu/%zu (supernet %.2f%%, %.3f ms): %s\n", i + 1, archs.size(), inherited,
                   latency_->predict_ms(archs[i]), searched_->format(archs[i]).c_str());
    }
    std::vector<double> standalone(archs.size());
    run_jobs(static_cast<int>(archs.size()), o_.common.exec.resolved_jobs(), [&](int i) {
      const RetrainResult r = retrain_stage(*ws_, archs[i], rr, str_cat("calib_", i + 1), o_.resume, false, nullptr,
                                            Holdout::kSearchValid);
      HWNAS_CHECK(r.stats.finished, "calibration training calib_", i + 1, " stopped early");
      standalone[i] = r.accuracy;
      std::fprintf(stderr, "calibration arch %d/%zu: %.2f%% on search-valid\n", i + 1, archs.size(), r.accuracy);
    });
    json rows = json::array();
    for (size_t i = 0; i < archs.size(); ++i)
      rows.push_back({{"arch", searched_->format(archs[i])}, {"predicted_ms", latency_->predict_ms(archs[i])},
                      {"features", features[i]}, {"search_valid_accuracy", standalone[i]}});
    Calibration c = fit_calibration(features, standalone);
    auto ev = std::make_unique<CalibratedEvaluator>(*supernet_ev_, *searched_, c);
    // A fit that ranks unseen archs no better than the supernet is noise: keep the supernet's.
    const bool used = c.tau_leave_one_out > c.tau_inherited;
    calibration_line_ = str_cat(used ? ev->describe() : supernet_ev_->describe() + ", calibration not used", "; over ",
                                archs.size(), " archs near T, Kendall tau against stand-alone: ",
                                format_number(std::round(c.tau_inherited * 100) / 100), " for the supernet, ",
                                format_number(std::round(c.tau_leave_one_out * 100) / 100), " calibrated (leave-one-out)");
    std::fprintf(stderr, "%s%s\n", used ? "" : "hwnas: warning: ", calibration_line_.c_str());
    run_.write("calibration.json", json{{"features", calibration_feature_names()},
                                        {"coefficients", c.model.coef()},
                                        {"intercept", c.model.intercept()},
                                        {"tau_supernet", c.tau_inherited},
                                        {"tau_calibrated_leave_one_out", c.tau_leave_one_out},
                                        {"used", used},
                                        {"archs", rows}}
                                       .dump(2));
    return used ? std::move(ev) : nullptr;
  }

  // ------------------------------------------------------ the candidates
  /// The archs that go on: the re-ranking's candidates (the search's best,
  /// then uniform draws), or the pick alone, with their latency: predicted,
  /// or measured by time_candidates().
  void choose_candidates() {
    if (o_.rerank > 1)
      for (int i : rerank_candidates(history_, o_.rerank, o_.rerank_apart)) candidates_.push_back(history_.at(i));
    else
      candidates_.push_back(history_.at(best_i_));
    uniform_.assign(candidates_.size(), false);
    if (o_.rerank_random > 0) {
      // Drawn from the whole space, as the random baseline's are (the shrunk
      // one fixes layers by the supernet), on a stream of their own: none is
      // one of the baseline's archs by construction. With widening they are
      // drawn under T and widened to it as timed: drawn within [0.95 T, T],
      // 4 of 6 timed over the aim (T less the room a second timing needs),
      // and widening never narrows an arch.
      const double lo = o_.widen ? 0.90 : 0.95, hi = o_.widen ? 0.95 : 1.0;
      Rng rng = derive_rng(o_.common.exec.seed, Stage::kSearch, 0x52455241ULL);  // "RERA"
      int draws = 0;
      const std::vector<Arch> drawn =
          uniform_within(space_, *search_latency_, lo * T_, hi * T_, o_.rerank_random, rng, &draws);
      std::fprintf(stderr, "re-ranking: %zu uniform candidate%s predicted within [%.2f T, %.2f T] (%d draws)\n",
                   drawn.size(), drawn.size() == 1 ? "" : "s", lo, hi, draws);
      for (const Arch& a : drawn) candidates_.push_back(score(a)), uniform_.push_back(true);
    }
    for (const SearchRecord& c : candidates_) latency_ms_.push_back(c.latency_ms);
  }

  /// The space candidate i is widened in: the shrunk one, or the whole one
  /// for a uniform draw (it may use ops the shrinking dropped).
  const SearchSpace& space_of(size_t i) const { return uniform_[i] ? space_ : *searched_; }

  void time_candidates() {
    if (o_.latency_check == 0) return;
    std::vector<Arch> archs;
    for (const SearchRecord& c : candidates_) archs.push_back(c.arch);
    latency_ms_ = check_latencies(archs);
    write_latency_check();
  }

  SearchRecord score(const Arch& a) { return score_arch(space_, a, *ev_, *search_latency_, *objective_); }

  // -------------------------------------------------------------- 5b. widen
  /// Spends what each candidate leaves of T on channels (search/widen.h).
  void widen() {
    stages_.run("widen", str_cat("widen ", candidates_.size(), candidates_.size() == 1 ? " arch" : " archs", " to the budget"),
                json{{"latency_check", o_.latency_check}}, [&] {
      for (size_t i = 0; i < candidates_.size(); ++i) {
        widened_.push_back({candidates_[i], {}, std::nan("")});
        if (o_.latency_check > 0) {
          widen_timed(i);
        } else {
          candidates_[i] = score(widen_to_budget(space_of(i), candidates_[i].arch, *search_latency_, T_));
          latency_ms_[i] = candidates_[i].latency_ms;
        }
      }
      cache_.save(weights_, *supernet_ev_);
      json rows = json::array();
      for (size_t i = 0; i < candidates_.size(); ++i) {
        widened_[i].widened = candidates_[i];
        widened_[i].measured_ms = o_.latency_check > 0 ? latency_ms_[i] : std::nan("");
        std::fprintf(stderr, "widen: candidate %zu, mean width %.2f -> %.2f, predicted %.3f -> %.3f ms%s\n", i + 1,
                     mean_width(space_, widened_[i].original.arch), mean_width(space_, candidates_[i].arch),
                     widened_[i].original.latency_ms, candidates_[i].latency_ms,
                     o_.latency_check > 0 ? str_cat(", measured ", format_ms(latency_ms_[i]), " ms").c_str() : "");
        rows.push_back({{"arch", widened_[i].original.arch_text}, {"widened_arch", candidates_[i].arch_text},
                        {"widened_predicted_ms", candidates_[i].latency_ms},
                        {"measured_ms", o_.latency_check > 0 ? json(latency_ms_[i]) : json()}});
      }
      return json{{"candidates", rows}};
    });
  }

  /// What widening fits an arch to when widened archs are timed: T less
  /// the room a second timing needs (kRepeatability).
  double widen_aim() const { return T_ * (1 - kRepeatability); }

  /// Widens candidate i to the aim from its unwidened arch as timed
  /// (AnchoredLatency), timing each try and refitting the scale of a step
  /// on it, until a try lands within [0.985 aim, aim] (widen_again) or
  /// kWidenTries are spent. Keeps the widest try timed within the aim, else
  /// the unwidened arch: a pick timed over the aim may time over T again.
  void widen_timed(size_t i) {
    const double aim = widen_aim();
    const Arch original = space_.canonical(widened_[i].original.arch);
    const double original_ms = check_latencies({original})[0];
    write_latency_check();  // a resumed run reads this timing back, whether or not a try follows
    Arch kept = original;
    double kept_ms = original_ms, scale = 1;
    std::vector<Arch> tried = {original};
    for (int t = 1; t <= kWidenTries; ++t) {
      const AnchoredLatency model(*search_latency_, original, original_ms, scale);
      const Arch w = space_.canonical(widen_to_budget(space_of(i), original, model, aim));
      if (std::find(tried.begin(), tried.end(), w) != tried.end()) break;  // nothing new fits
      tried.push_back(w);
      const double ms = check_latencies({w})[0];
      write_latency_check();
      std::fprintf(stderr, "widen: candidate %zu, try %d by %s: predicted %.3f ms, measured %.3f ms (aim %.3f ms)\n",
                   i + 1, t, model.describe().c_str(), model.predict_ms(w), ms, aim);
      if (ms <= aim && (kept_ms > aim || search_latency_->predict_ms(w) > search_latency_->predict_ms(kept)))
        kept = w, kept_ms = ms;
      if (!widen_again(ms, aim)) break;
      scale = AnchoredLatency::fitted_scale(*search_latency_, original, original_ms, w, ms);
    }
    if (kept_ms > aim)
      std::fprintf(stderr, "hwnas: warning: widen: candidate %zu measures %.3f ms unwidened, over the aim %.3f ms "
                   "(T less %.0f%% for a second timing)\n", i + 1, kept_ms, aim, 100 * kRepeatability);
    candidates_[i] = kept == original ? widened_[i].original : score(kept);
    latency_ms_[i] = kept_ms;
  }

  /// Eq. 2's pick among timed archs, each read kRepeatability slower: a
  /// second timing may read that much higher, and a pick timed over T is
  /// not a pick.
  int pick_timed(const std::vector<double>& accuracy, std::vector<double> ms) const {
    for (double& x : ms) x /= 1 - kRepeatability;
    return pick_by_objective(accuracy, ms, *objective_);
  }

  // ------------------------------------------------------------ 6. re-rank
  /// A supernet trained for minutes ranks archs poorly, so the best few
  /// candidates are trained stand-alone for a moment on search-train (as
  /// independent jobs) and scored on search-valid; with the latency check
  /// on, with their measured latency.
  void rerank() {
    TrainOptions rr = o_.rerank_train;
    rr.seed = o_.common.exec.seed;
    const size_t from_search = std::count(uniform_.begin(), uniform_.end(), false);
    stages_.run("rerank", str_cat("re-rank ", candidates_.size(), " archs by stand-alone training: the search's best ",
                                  from_search, ", ", candidates_.size() - from_search, " uniform"),
                json{{"candidates", o_.rerank}, {"apart", o_.rerank_apart}, {"uniform", o_.rerank_random},
                     {"training", train_settings(rr)}}, [&] {
      for (size_t i = 0; i < candidates_.size(); ++i) {
        const SearchRecord& c = candidates_[i];
        std::fprintf(stderr, "candidate %zu (%s, supernet %.2f%%, %.3f ms): %s\n", i + 1,
                     uniform_[i] ? "uniform" : "search", c.accuracy, c.latency_ms, c.arch_text.c_str());
        reranked_.push_back({c, std::nan(""), latency_ms_[i], std::nan(""), false, uniform_[i]});
      }
      run_jobs(static_cast<int>(candidates_.size()), o_.common.exec.resolved_jobs(), [&](int i) {
        const RetrainResult r = retrain_stage(*ws_, candidates_[i].arch, rr, str_cat("rerank_", i + 1), o_.resume,
                                              false, nullptr, Holdout::kSearchValid);
        HWNAS_CHECK(r.stats.finished, "re-ranking training rerank_", i + 1, " stopped early");
        reranked_[i].standalone_accuracy = r.accuracy;
        reranked_[i].score = objective_->score(r.accuracy, latency_ms_[i]);
        std::fprintf(stderr, "candidate %d: %.2f%% on search-valid, score %.2f\n", i + 1, r.accuracy, reranked_[i].score);
      });
      std::vector<double> accuracy;
      for (const RerankRow& r : reranked_) accuracy.push_back(r.standalone_accuracy);
      pick_ = o_.latency_check > 0 ? pick_timed(accuracy, latency_ms_)
                                   : pick_by_objective(accuracy, latency_ms_, *objective_);
      reranked_[pick_].chosen = true;
      write_rerank_csv();
      std::fprintf(stderr, "re-ranking picks candidate %d%s\n", pick_ + 1,
                   uniform_[pick_] ? ", a uniform draw"
                   : (o_.widen ? widened_[pick_].original : candidates_[pick_]).arch_text == history_.at(best_i_).arch_text
                       ? ", the search's own pick" : "");
      json rows = json::array();
      for (const RerankRow& r : reranked_)
        rows.push_back({{"arch", r.candidate.arch_text}, {"standalone_search_valid_accuracy", r.standalone_accuracy},
                        {"latency_ms", r.latency_ms}, {"score", r.score}, {"chosen", r.chosen},
                        {"from", r.uniform ? "uniform" : "search"}});
      return json{{"candidates", rows}, {"pick", pick_ + 1}};
    });
  }

  void write_rerank_csv() const {
    std::ostringstream csv;
    csv << "candidate,arch,supernet_accuracy,predicted_ms,search_score,measured_ms,standalone_accuracy,score,chosen\n";
    for (size_t i = 0; i < reranked_.size(); ++i) {
      const SearchRecord& c = reranked_[i].candidate;
      csv << i + 1 << ",\"" << c.arch_text << "\"," << c.accuracy << "," << c.latency_ms << "," << c.score << ",";
      if (o_.latency_check > 0) csv << latency_ms_[i];
      csv << "," << reranked_[i].standalone_accuracy << "," << reranked_[i].score << "," << reranked_[i].chosen << "\n";
    }
    run_.write("rerank.csv", csv.str());
  }

  void write_widen_csv() const {
    if (widened_.empty()) return;
    std::ostringstream csv;
    csv << "candidate,predicted_ms,mean_width,widened_predicted_ms,widened_mean_width,measured_ms,chosen,arch,"
           "widened_arch\n";
    for (size_t i = 0; i < widened_.size(); ++i) {
      const WidenRow& w = widened_[i];
      csv << i + 1 << "," << w.original.latency_ms << "," << mean_width(space_, w.original.arch) << ","
          << w.widened.latency_ms << "," << mean_width(space_, w.widened.arch) << ",";
      if (!std::isnan(w.measured_ms)) csv << w.measured_ms;
      csv << "," << (static_cast<int>(i) == pick_) << ",\"" << w.original.arch_text << "\",\"" << w.widened.arch_text
          << "\"\n";
    }
    run_.write("widen.csv", csv.str());
  }

  // ------------------------------------------------------ 7-8. the finals
  void retrain() {
    write_widen_csv();
    // A uniform draw the re-ranking preferred is not the search's: its label says so.
    const char* label = uniform_[pick_] ? "picked (HSCoNAS, a uniform draw)" : "searched (HSCoNAS)";
    finals_ = make_finals(space_, candidates_[pick_].arch, label, o_.baseline_widths, o_.mbv2_widths);
    const std::string pick_text = space_.format(candidates_[pick_].arch);
    const json& checked = timings_["measured"];
    if (checked.contains(pick_text)) finals_.nets.front().checked_ms = checked[pick_text].get<double>();
    if (o_.random_baseline > 0) {
      // Held to T as timed, with the pick's room, when the check times archs.
      const bool check = o_.latency_check > 0;
      add_random_finals(&finals_, space_, *search_latency_, T_, o_.random_baseline, o_.common.exec.seed,
                        check ? [this](const std::vector<Arch>& a) { return check_latencies(a); }
                              : std::function<std::vector<double>(const std::vector<Arch>&)>());
      if (check) write_latency_check();
    }
    retrain_finals_stage(stages_, *ws_, o_, &finals_.nets);
  }

  void measure() {
    drift_ = measure_stage(stages_, o_, run_, *timer_, space_, *lut_, &finals_.nets);
    export_stage(stages_, *ws_, o_, lut_->target, &finals_.nets);
  }

  // ------------------------------------------------------------- 9. report
  void report();

  const PipelineOptions& o_;
  std::unique_ptr<Workspace> ws_;
  const RunDir& run_;
  const SearchSpace& space_;
  StageRunner stages_;
  EvalCache cache_;
  std::unique_ptr<Target> target_;  ///< profiles ops in this process, before any training
  std::unique_ptr<Target> timer_;   ///< times whole networks in a fresh process
  LastingSlowdown slowdown_;        ///< timer_'s machine, from one check timing to the next
  std::unique_ptr<Lut> lut_;
  std::unique_ptr<LutBiasModel> latency_;         ///< the table's B
  std::unique_ptr<LutBiasModel> search_latency_;  ///< the table's B, or B refitted by the latency check
  double T_ = 0, lo_ms_ = 0, hi_ms_ = 0;
  std::unique_ptr<Objective> objective_;
  std::shared_ptr<NetworkImpl> net_;
  std::string weights_;
  std::unique_ptr<SearchSpace> searched_;
  std::vector<ShrinkStage> shrink_stages_;
  std::unique_ptr<Strategy> strategy_;
  std::unique_ptr<SupernetEvaluator> supernet_ev_;
  std::unique_ptr<CalibratedEvaluator> calibrated_;
  Evaluator* ev_ = nullptr;  ///< the search's accuracy: the supernet's, or calibrated
  History history_;
  int checked_pick_ = -1;  ///< the latency check's pick, an index into the history
  int best_i_ = -1;
  std::string calibration_line_, latency_check_line_;
  /// The check's timings by arch text (latency_check.json, time_for_check):
  /// "measured" at the table's machine speed (what it decides by),
  /// "measured_raw" as timed, "retimed" those timed twice.
  json timings_ = {{"measured", json::object()}, {"measured_raw", json::object()}}, rounds_ = json::array();
  std::vector<SearchRecord> candidates_;
  std::vector<bool> uniform_;  ///< per candidate: a uniform draw (--rerank-random), not the search's
  std::vector<double> latency_ms_;
  std::vector<WidenRow> widened_;
  std::vector<RerankRow> reranked_;
  int pick_ = 0;  ///< index into candidates_: the re-ranking's pick, else the (widened) search pick
  Finals finals_;
  double drift_ = std::nan("");
};

void HsconasRun::report() {
  ReportInput rep;
  rep.space = &space_;
  rep.searched_space = searched_.get();
  rep.target = target_->info();
  rep.dataset = o_.common.dataset;
  rep.latency_budget_ms = T_;
  rep.feasible_lo_ms = lo_ms_;
  rep.feasible_hi_ms = hi_ms_;
  rep.latency_model = search_latency_->bias_ms() == latency_->bias_ms()
                          ? latency_->describe()
                          : str_cat(search_latency_->describe(), " (B refitted by the latency check; the baselines are "
                                    "predicted with the table's ", latency_->describe(), ")");
  rep.latency_check = latency_check_line_;
  rep.drift_since_profile = drift_;
  rep.retrain_seeds = o_.retrain_seeds;
  rep.first_seed = o_.common.exec.seed;
  rep.objective = objective_->describe();
  rep.strategy = strategy_->describe();
  rep.history = &history_;
  rep.rerank = reranked_;
  rep.widen = widened_;
  rep.calibration = calibration_line_;
  rep.rerank_training = str_cat(o_.rerank_train.epochs, o_.rerank_train.epochs == 1 ? " epoch" : " epochs", " over ",
                                o_.rerank_train.limit > 0 ? str_cat(o_.rerank_train.limit, " ") : std::string("all "),
                                "search-train images, batch ", o_.rerank_train.batch_size);
  rep.shrink_log10_sizes = {space_.size().distinct_log10};
  for (const ShrinkStage& st : shrink_stages_) rep.shrink_log10_sizes.push_back(st.log10_size_after);
  // The searched net is predicted by the model it was searched with; the
  // baselines by the table's, whose B was fitted over the space: a B
  // refitted near the pick fits the pick's neighbours, not thin uniform nets.
  rep.nets = report_nets(finals_.nets, space_, *search_latency_, *latency_, o_.profile.statistic);
  rep.op_latency_ms = [&](int layer, const Gene& g) { return lut_->op_ms(space_.op_spec(layer, g, lut_->target.batch)); };
  rep.stage_seconds = stages_.seconds();
  BestRecord b = best_record("hsconas", o_.common, rep);
  b.search_score = candidates_[pick_].accuracy;
  b.search_score_kind = ev_->describe();
  for (const RerankRow& r : reranked_)
    if (r.chosen) b.standalone_search_valid_accuracy = r.standalone_accuracy;
  report_stage(stages_, run_, rep, b);
}

}  // namespace

void run_hsconas(const PipelineOptions& o) { HsconasRun(o).run(); }

}  // namespace hwnas
