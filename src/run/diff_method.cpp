// LightNAS and SurgeNAS as methods of stages (`hwnas run --method lightnas`,
// `--method surgenas`; thesis chapters 4 and 3): the target's latency table
// (the shared profile stage), the differentiable latency model, the
// differentiable search on a DiffSupernet (train/diff_search.h), then the
// shared finals: the argmax arch and the baselines retrained, measured on
// the target, reported with the search's trajectories.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/factory.h"
#include "core/plot.h"
#include "core/strings.h"
#include "eval/training_proxy.h"
#include "latency/diff_predictors.h"
#include "latency/fresh_process.h"
#include "latency/profile_space.h"
#include "latency/validation.h"
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

const std::vector<std::string> kPlan = {"profile", "predictor", "search", "retrain", "measure", "export", "report"};
/// LightNAS with its second stage: the LightNet's widths searched after it.
const std::vector<std::string> kPlanWithWidths = {"profile", "predictor", "search", "profile-widths", "widths",
                                                  "retrain", "measure", "export", "report"};

json diff_settings(const DiffSearchOptions& d) {
  return json{{"method", d.method}, {"epochs", d.epochs}, {"freeze_epochs", d.freeze_epochs},
              {"batch_size", d.batch_size}, {"limit", d.limit}, {"lr", d.lr}, {"alpha_lr", d.alpha_lr},
              {"paths", d.paths}, {"phi", d.phi}, {"phi_until", d.phi_until}, {"tau", d.tau}, {"tau_end", d.tau_end}, {"tau_decay", d.tau_decay}, {"alpha_halve_every", d.alpha_halve_every},
              {"settle_epochs", d.settle_epochs}, {"settle_window", d.settle_window},
              {"lambda_lr", d.lambda_lr}, {"beta", d.beta}, {"label_smoothing", d.label_smoothing}, {"seed", d.seed}};
}

/// What LightNAS's second stage found.
struct WidthsResult {
  Arch arch;                  ///< the LightNet with its searched widths (wide space)
  double predicted_ms = 0;    ///< by the LightNet's width table + B
  double score = 0;           ///< its proxy score
  double lightnet_score = 0;  ///< the proxy score of the LightNet at width 1
  double lightnet_ms = 0;     ///< the LightNet at width 1 under the same model
  int evaluations = 0;
  double seconds = 0;         ///< this invocation
};

class DiffRun {
 public:
  explicit DiffRun(const PipelineOptions& o)
      : o_(o),
        ws_(open_workspace(o.common)),
        run_(*ws_->run),
        space_(*ws_->space),
        stages_(run_, o.width_search.empty() ? kPlan : kPlanWithWidths) {
    HWNAS_CHECK(space_.family == "chain", "--method ", o.method, " searches chain spaces (mbv2, hsconas, hurricane); ",
                space_.name, " is not one");
    target_ = make_target(o.target, o.token);
    run_.write("target.json", target_->info().to_json().dump(2));
  }

  void run() {
    hw_ = profile_stage(stages_, o_, space_, *target_, run_);
    predictor();
    search();
    const std::string label = o_.method == "lightnas" ? "searched (LightNAS)" : "searched (SurgeNAS)";
    finals_ = profiled_finals(o_, space_, hw_, result_.arch, label, o_.baseline_widths);
    if (!o_.width_search.empty()) {
      widths_profile();
      widths_search();
      // The pick is the LightNet with its searched widths; the LightNet at
      // width 1 stays beside it, retrained and measured alike.
      FinalNet lightnet = finals_.nets.front();
      lightnet.name = "lightnet";
      lightnet.label = "LightNet (stage 1)";
      finals_.nets.front().space = wide_space_.get();
      finals_.nets.front().arch = widths_.arch;
      finals_.nets.front().label = "searched (LightNet++)";
      finals_.nets.insert(finals_.nets.begin() + 1, lightnet);
    }
    drift_ = retrain_measure_export(stages_, *ws_, o_, space_, hw_, &finals_.nets);
    report();
  }

 private:
  /// The latency model the search differentiates (latency/diff_predictors.h):
  /// LUT + bias is linear in the one-hot; mlp and gnn are fitted on archs
  /// measured end to end on the target (validate_latency_models: the fit
  /// archs, and held-out ones every model is scored on, kept in lut.json).
  void predictor() {
    const bool learned = o_.diff_latency != "lut+bias";
    json settings{{"model", o_.diff_latency}};
    if (learned) settings.update({{"fit_archs", o_.predictor_archs}, {"test_archs", o_.predictor_test_archs}});
    stages_.run("predictor", "differentiable latency model " + o_.diff_latency, settings, [&] {
      LatencyModelContext ctx;
      ctx.space = &space_;
      ctx.lut = hw_.lut.get();
      json record;
      if (!learned) {
        predictor_ = make_diff_predictor("lut-linear", ctx);
      } else {
        ValidationOptions vo;
        vo.fit_archs = o_.predictor_archs;
        vo.test_archs = o_.predictor_test_archs;
        vo.seed = o_.common.exec.seed;
        vo.models = {"lut+bias", o_.diff_latency};
        vo.profile = o_.profile;
        const ValidationReport r = validate_latency_models(space_, hw_.lut.get(), target_.get(), vo, run_.file("lut.json"),
                                                           nullptr);
        run_.write("predictor_validation.csv", validation_csv(r));
        record["validation"] = validation_json(r);
        std::fprintf(stderr, "%s", validation_table(r).c_str());
        ctx.fit = &r.fit;
        predictor_ = make_diff_predictor(o_.diff_latency, ctx);
      }
      record["model"] = predictor_->describe();
      record["summary"] = predictor_->summary();
      return record;
    });
    // The search runs every op at width factor 1 (DiffSupernet): channel fraction 1.
    const torch::Tensor widths = torch::ones({1, space_.num_layers()});
    latency_ = [p = predictor_, widths](const torch::Tensor& path) {
      return p->predict(path.unsqueeze(0), widths).squeeze(0);
    };
    model_ = std::make_unique<DiffLatencyModel>(predictor_);
  }

  void search() {
    DiffSearchOptions d = o_.diff;
    d.target_ms = hw_.T_ms;
    d.checkpoint = run_.file("search.ckpt");
    json settings = diff_settings(d);
    settings["T_ms"] = hw_.T_ms;
    settings["latency_model"] = o_.diff_latency;
    const std::string what = o_.method == "lightnas"
                                 ? str_cat("LightNAS: one search for T = ", format_ms(hw_.T_ms), " ms")
                                 : str_cat("SurgeNAS: one-level search, beta = ", format_number(d.beta));
    stages_.run("search", what, settings, [&] {
      // Its latency model and alpha live on the CPU with the supernet; the
      // finals and the width proxy train on the command's device.
      if (ws_->device.is_cuda())
        std::fprintf(stderr, "hwnas: the differentiable search runs on the CPU; --device %s trains the rest\n",
                     ws_->device.str().c_str());
      result_ = diff_search(space_, ws_->split.search_train, ws_->split.search_valid, ws_->norm, latency_, d);
      write_trajectories();
      json record = result_.to_json(space_);
      record["skips"] = skip_count(result_.arch);
      return record;
    });
  }

  /// The method's space with --width-factors, its layers held to the
  /// LightNet's ops, and that space's table on the target: every op of the
  /// LightNet at every width, B refitted on archs of this space.
  void widths_profile() {
    std::map<std::string, std::string> kv;
    const std::string name = parse_factory_string(space_.description, &kv);
    kv["widths"] = kv_widths();
    const std::string spec = format_factory_string(name, kv);
    wide_space_ = make_space(spec);
    HWNAS_CHECK(wide_space_->ops.size() == space_.ops.size() && wide_space_->num_layers() == space_.num_layers(),
                "--width-search: ", spec, " does not keep the ops and layers of ", space_.description);
    lightnet_space_ = wide_space_->clone();
    for (int l = 0; l < space_.num_layers(); ++l) lightnet_space_->layers[l].ops = {result_.arch.genes[l].op};
    json settings{{"space", spec}, {"lightnet", space_.format(result_.arch)}, {"target", o_.target},
                  {"timing", o_.profile.to_json()}, {"bias_archs", o_.bias_archs}};
    stages_.run("profile-widths", "profile the LightNet's ops at widths " + kv["widths"], settings, [&] {
      SpaceProfileOptions po;
      po.timing = o_.profile;
      po.bias_archs = o_.bias_archs;
      po.seed = o_.common.exec.seed;
      po.reference = SpeedReference::of(space_, *hw_.lut);  // T's speed: the widths are predicted against T
      wide_lut_ = std::make_unique<Lut>(profile_space(*lightnet_space_, spec, *target_, run_.file("lut_widths.json"), po));
      return json{{"lut", "lut_widths.json"}, {"ops", wide_lut_->ops.size()}, {"bias_ms", wide_lut_->bias_ms.value_or(0.0)}};
    });
    wide_latency_ = std::make_unique<LutBiasModel>(*lightnet_space_, *wide_lut_, wide_lut_->bias_ms.value_or(0.0));
  }

  /// LightNAS Alg. 2: the LightNet's widths that score best on the training
  /// proxy among those predicted within the strategy's window under T.
  /// Scores are kept in widths_scores.json, so a resumed run trains nothing
  /// twice.
  void widths_search() {
    Arch lightnet = result_.arch;
    for (int l = 0; l < space_.num_layers(); ++l)
      lightnet.genes[l].width = wide_space_->nearest_width(wide_space_->layers[l].widths, 1.0);
    lightnet = wide_space_->canonical(lightnet);
    const uint64_t seed = o_.common.exec.seed;
    json settings{{"strategy", o_.width_search}, {"proxy", o_.width_proxy}, {"lightnet", space_.format(result_.arch)},
                  {"T_ms", hw_.T_ms}, {"seed", seed}};
    stages_.run("widths", str_cat("LightNAS stage 2: the LightNet's widths by ", o_.width_proxy), settings, [&] {
      const auto t0 = std::chrono::steady_clock::now();
      TrainingProxyOptions proxy_o = parse_training_proxy(o_.width_proxy, seed);
      proxy_o.device = ws_->device;
      TrainingProxyEvaluator proxy(*lightnet_space_, ws_->split.search_train, ws_->norm, proxy_o,
                                   o_.common.exec.resolved_jobs());
      StoredEvaluator stored(proxy, *lightnet_space_, run_.file("widths_scores.json"));
      const HardObjective objective(hw_.T_ms);
      SearchCallbacks callbacks;
      callbacks.on_generation = [&](const History& h) {
        h.write_csv(run_.file("widths_search.csv"));
        const int best = h.best_feasible_index();
        std::fprintf(stderr, "stage 2 generation %d: %d evaluated, best %s at %s ms\n", h.generation(), h.size(),
                     best < 0 ? "-" : format_fixed(h.at(best).score, 4).c_str(),
                     best < 0 ? "-" : format_ms(h.at(best).latency_ms).c_str());
        return false;
      };
      const History h = make_strategy(o_.width_search)
                            ->search(*lightnet_space_, stored, *wide_latency_, objective, {seed, 0}, callbacks);
      h.write_csv(run_.file("widths_search.csv"));
      const int best = h.best_feasible_index();
      HWNAS_CHECK(best >= 0, "LightNAS stage 2: no width setting of the LightNet was predicted within T = ",
                  format_ms(hw_.T_ms), " ms");
      widths_.arch = h.at(best).arch;
      widths_.predicted_ms = h.at(best).latency_ms;
      widths_.score = h.at(best).score;
      widths_.lightnet_score = stored.accuracy(lightnet);
      widths_.lightnet_ms = wide_latency_->predict_ms(lightnet);
      widths_.evaluations = h.size();
      widths_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return json{{"arch", wide_space_->format(widths_.arch)}, {"space", wide_space_->description},
                  {"predicted_ms", widths_.predicted_ms}, {"score", widths_.score},
                  {"lightnet_score", widths_.lightnet_score}, {"lightnet_predicted_ms", widths_.lightnet_ms},
                  {"evaluations", widths_.evaluations}, {"reused", stored.reused()}, {"proxy", proxy.describe()},
                  {"strategy", make_strategy(o_.width_search)->describe()}, {"search_csv", "widths_search.csv"}};
    });
  }

  int skip_count(const Arch& a) const {
    int n = 0;
    for (const Gene& g : a.genes) n += is_skip(space_.ops[g.op].kind);
    return n;
  }

  /// search_epochs.csv, search_steps.csv and their plot.
  void write_trajectories() {
    std::ostringstream e, s;
    e << "epoch,tau,phi,lambda,alpha_lr,predicted_ms,train_loss,valid_accuracy,entropy,arch\n";
    for (const DiffSearchEpoch& x : result_.epochs)
      e << x.epoch << "," << x.tau << "," << x.phi << "," << x.lambda << "," << x.alpha_lr << "," << x.predicted_ms << ","
        << x.train_loss << "," << x.valid_accuracy << "," << x.entropy << ",\"" << x.arch << "\"\n";
    run_.write("search_epochs.csv", e.str());
    s << "step,lambda,argmax_ms,sampled_ms\n";
    for (const DiffSearchStep& x : result_.steps)
      s << x.step << "," << x.lambda << "," << x.argmax_ms << "," << x.sampled_ms << "\n";
    run_.write("search_steps.csv", s.str());
    if (!gnuplot_available()) return;
    const bool steps = !result_.steps.empty();
    std::ostringstream gp;
    gp << "set terminal " << png_terminal() << " size 900,640\nset datafile separator ','\n"
       << "set output " << gnuplot_quote(run_.file("search_trajectory.png")) << "\nset multiplot layout 2,2\n"
       << "set key bottom right\nset grid\n";
    if (steps) {
      gp << "set title 'predicted latency of the argmax arch'\nset xlabel 'logits step'\nset ylabel 'ms'\n"
         << "plot " << gnuplot_quote(run_.file("search_steps.csv")) << " every ::1 using 1:3 with lines title 'argmax', "
         << hw_.T_ms << " with lines dashtype 2 title 'T'\n"
         << "set title 'lambda'\nset ylabel 'lambda'\nplot " << gnuplot_quote(run_.file("search_steps.csv"))
         << " every ::1 using 1:2 with lines title 'lambda'\n";
    } else {
      gp << "set title 'predicted latency of the argmax arch'\nset xlabel 'epoch'\nset ylabel 'ms'\n"
         << "plot " << gnuplot_quote(run_.file("search_epochs.csv")) << " every ::1 using 1:6 with linespoints title 'argmax', "
         << hw_.T_ms << " with lines dashtype 2 title 'T'\n"
         << "set title 'train loss'\nset ylabel 'loss'\nplot " << gnuplot_quote(run_.file("search_epochs.csv"))
         << " every ::1 using 1:7 with linespoints title 'loss'\n";
    }
    gp << "set title 'temperature and phi'\nset xlabel 'epoch'\nset ylabel ''\nplot "
       << gnuplot_quote(run_.file("search_epochs.csv")) << " every ::1 using 1:2 with linespoints title 'tau', '' every ::1 using 1:3 "
       << "with linespoints title 'phi'\n"
       << "set title 'argmax arch on search-valid, and entropy of alpha'\nset ylabel '%'\nset y2label 'nats'\n"
       << "set y2tics\nplot " << gnuplot_quote(run_.file("search_epochs.csv"))
       << " every ::1 using 1:8 with linespoints title 'valid acc', '' every ::1 using 1:9 axes x1y2 with linespoints "
          "title 'entropy'\nunset multiplot\n";
    try {
      run_gnuplot(gp.str(), run_.file("search_trajectory.gp"));
    } catch (const Error& err) {
      std::fprintf(stderr, "search trajectory plot failed: %s\n", err.what());
    }
  }

  std::string method_section() const {
    std::ostringstream md;
    const DiffSearchEpoch& last = result_.epochs.back();
    md << "## The differentiable search\n\n"
       << (o_.method == "lightnas"
               ? "LightNAS (thesis ch. 4): alpha on L_valid + lambda (LAT / T - 1), lambda by gradient ascent"
               : str_cat("SurgeNAS (thesis ch. 3): one-level, L_train + beta LAT with beta = ", format_number(o_.diff.beta)))
       << ", " << result_.epochs.size() << " epochs (" << o_.diff.freeze_epochs << " with alpha frozen), "
       << "latency model `" << o_.diff_latency << "`, " << format_fixed(result_.seconds / 60, 1) << " min"
       << (result_.resumed ? " in this invocation (resumed)" : "") << ".\n\n"
       << "| epoch | tau | phi | lambda | argmax predicted | valid acc | entropy |\n|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const DiffSearchEpoch& x : result_.epochs)
      md << "| " << x.epoch << " | " << format_fixed(x.tau, 3) << " | " << format_fixed(x.phi, 2) << " | " << format_fixed(x.lambda, 4) << " | "
         << format_fixed(x.predicted_ms, 3) << " ms | " << format_fixed(x.valid_accuracy, 1) << "% | " << format_fixed(x.entropy, 2) << " |\n";
    md << "\nThe derived arch (argmax of alpha) is predicted at " << format_fixed(result_.predicted_ms, 3) << " ms against T = "
       << format_fixed(hw_.T_ms, 3) << " ms (" << format_fixed(100 * (result_.predicted_ms / hw_.T_ms - 1), 1) << "%), with "
       << skip_count(result_.arch) << " skip layers of " << space_.num_layers() << "; final entropy " << format_fixed(last.entropy, 2)
       << " nats.\n\n![search trajectory](search_trajectory.png)\n\nData: `search_epochs.csv`, `search_steps.csv`.\n";
    if (!o_.width_search.empty()) md << widths_section();
    return md.str();
  }

  std::string widths_section() const {
    std::ostringstream md;
    std::vector<std::string> widths;
    for (int l = 0; l < wide_space_->num_layers(); ++l)
      widths.push_back(is_skip(wide_space_->ops[widths_.arch.genes[l].op].kind)
                           ? "-"
                           : format_number(wide_space_->width_factors[widths_.arch.genes[l].width]));
    md << "\n## Stage 2: the LightNet's widths\n\n"
       << "LightNAS Alg. 2: the LightNet's ops kept, each layer's width among " << kv_widths() << " searched by `"
       << o_.width_search << "` on the training proxy `" << o_.width_proxy << "` (thesis Def. 4.1), every candidate "
       << "predicted within the window under T by the LightNet's own table (`lut_widths.json`: its ops at every width, "
       << "B refitted). " << widths_.evaluations << " candidates";
    if (widths_.seconds > 0) md << ", " << format_fixed(widths_.seconds / 60, 1) << " min in this invocation";
    md << ".\n\n| | proxy score | predicted |\n|---|---:|---:|\n"
       << "| LightNet (widths 1) | " << format_fixed(widths_.lightnet_score, 4) << " | " << format_ms(widths_.lightnet_ms)
       << " ms |\n| stage 2 pick | " << format_fixed(widths_.score, 4) << " | " << format_ms(widths_.predicted_ms)
       << " ms |\n\nWidths per layer (- = skip): " << join(widths, " ") << ".\n\nData: `widths_search.csv`, "
       << "`widths_scores.json`.\n";
    return md.str();
  }

  std::string kv_widths() const {  // --width-factors as a factory value: 0.5/0.75/1
    std::vector<std::string> f;
    for (double w : o_.width_factors) f.push_back(format_number(w));
    return join(f, "/");
  }

  void report() {
    ReportInput rep = hardware_report_input(o_, space_, target_->info(), hw_, drift_);
    rep.objective = o_.method == "lightnas" ? "L_valid + lambda (LAT/T - 1), lambda learned (Eq. 4.10)"
                                            : "sum over paths of L_train + beta LAT (Eq. 3.16)";
    rep.strategy = o_.method + " (differentiable, ordered sampler)";
    rep.method_section = method_section();
    rep.nets = report_nets(finals_.nets, space_, *model_, *hw_.latency, o_.profile.statistic);
    rep.stage_seconds = stages_.seconds();
    if (!o_.width_search.empty()) {
      rep.nets.front().predicted_ms = widths_.predicted_ms;
      rep.op_latency_ms = [this](int layer, const Gene& g) {
        return wide_lut_->op_ms(wide_space_->op_spec(layer, g, wide_lut_->target.batch));
      };
    }
    BestRecord b = best_record(o_.method, o_.common, rep);
    if (o_.width_search.empty()) {
      b.predicted_latency_ms = result_.predicted_ms;
      b.search_score = result_.epochs.back().valid_accuracy;
      b.search_score_kind = "supernet search-valid accuracy of the argmax arch, last search epoch";
    } else {
      b.space = wide_space_->description;
      b.search_score = widths_.score;
      b.search_score_kind = "stage 2 training proxy " + o_.width_proxy;
    }
    report_stage(stages_, run_, rep, b);
  }

  const PipelineOptions& o_;
  std::unique_ptr<Workspace> ws_;
  const RunDir& run_;
  const SearchSpace& space_;
  StageRunner stages_;
  std::unique_ptr<Target> target_;
  HardwareModel hw_;
  std::shared_ptr<const DiffLatencyPredictor> predictor_;
  std::unique_ptr<DiffLatencyModel> model_;  ///< the same predictor as a black box (the pick's prediction)
  DiffLatency latency_;
  DiffSearchResult result_;
  Finals finals_;
  double drift_ = std::nan("");
  // Stage 2 (--width-search).
  std::unique_ptr<SearchSpace> wide_space_;      ///< the method's space with --width-factors
  std::unique_ptr<SearchSpace> lightnet_space_;  ///< wide_space_ with each layer held to the LightNet's op
  std::unique_ptr<Lut> wide_lut_;
  std::unique_ptr<LutBiasModel> wide_latency_;
  WidthsResult widths_;
};

}  // namespace

void run_diff_method(const PipelineOptions& o) { DiffRun(o).run(); }

}  // namespace hwnas
