// hwnas latency predict|measure|validate: use a latency table and the models
// built on it; time archs end to end on the table's target; validate every
// model against end-to-end measurements of held-out archs (RMSE, MAPE, max
// error, Kendall tau, within 5% / 10%), with a CSV and a predicted-vs-measured
// plot.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "core/flops.h"
#include "core/predictors/transfer.h"
#include "core/tables.h"
#include "core/search_space.h"
#include "core/strings.h"
#include "latency/lut.h"
#include "latency/measurer.h"
#include "latency/models.h"
#include "latency/target.h"
#include "latency/validation.h"

namespace hwnas {
namespace {

using json = nlohmann::json;

struct LatencyArgs {
  std::string lut = "lut.json";
  std::string space = "hsconas";
  std::string target;  // default: the table's own local target
  std::string token;
  // predict
  std::string model = "lut+bias";
  std::vector<std::string> archs;
  int sample = 0;
  // measure
  int rounds = 2;
  // validate
  int fit = 100;
  int test = 100;
  int spread_fit = 0;
  bool spread_test = false;
  uint64_t seed = 0;
  std::vector<std::string> models;
  std::string one_hot = "op+width";
  std::string csv, plot;
  bool json_out = false;
  bool remeasure = false;
  std::string warmup = "20ms", min_time = "1ms";
  int repetitions = 101;
  bool quiet = false;
};

std::string default_target(const Lut& lut) {
  // A GPU table: this machine's first GPU (the table names the GPU, not its index).
  if (lut.target.kind == "cuda-torch")
    return str_cat("cuda:batch=", lut.target.batch, lut.target.fold ? ",fold=1" : "");
  HWNAS_CHECK(lut.target.kind == "local-torch" || lut.target.kind == "local-opencv", "table ", lut.origin,
              " was measured on [", lut.target.id(),
              "]; say where to measure with --target (remote://HOST:PORT or table:FILE)");
  return local_target_spec(lut.target, runtime_of(lut.target));
}

void predict(const LatencyArgs& a) {
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  const Lut lut = Lut::load(a.lut);
  lut.check_space(*space);
  const MeasuredArchs fit = table_measured_archs(*space, lut);
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.lut = &lut;
  ctx.fit = a.model == "lut+bias" && lut.bias_ms ? nullptr : &fit;  // keep the table's B
  std::unique_ptr<Target> target;
  if (a.model == "measured") {
    target = make_target(a.target.empty() ? default_target(lut) : a.target, a.token);
    ctx.target = target.get();
  }
  ctx.one_hot = parse_one_hot_mode(a.one_hot);
  ctx.profile.statistic = lut.profile.statistic;
  const std::unique_ptr<LatencyModel> model = make_latency_model(a.model, ctx);
  std::vector<Arch> archs;
  for (const std::string& s : a.archs) archs.push_back(space->parse(s));
  for (int i = 0; i < a.sample; ++i) archs.push_back(validation_arch(*space, a.seed, 3, i));
  HWNAS_CHECK(!archs.empty(), "no archs: give arch strings or --sample N");
  json out = json::array();
  if (!a.json_out) std::printf("# model %s, table %s\n%10s %9s %9s  %s\n", model->describe().c_str(), a.lut.c_str(),
                               "pred_ms", "MMACs", "params", "arch");
  for (const Arch& arch : archs) {
    const double ms = model->predict_ms(arch);
    const Cost c = arch_cost(*space, arch, lut.target.batch);
    if (a.json_out)
      out.push_back(json{{"arch", space->format(arch)}, {"predicted_ms", ms}, {"macs", c.macs}, {"params", c.params}});
    else
      std::printf("%10.4f %9.3f %9lld  %s\n", ms, c.macs * 1e-6, static_cast<long long>(c.params),
                  space->format(arch).c_str());
  }
  if (a.json_out) std::cout << json{{"model", model->describe()}, {"archs", out}}.dump(1) << "\n";
}

/// Times each arch end to end on the table's target with the table's timing
/// settings, in `rounds` passes keeping each arch's least disturbed timing
/// (a burst of load lasts seconds, longer than one arch), each beside the
/// table's speed reference, so that it reads at the table's speed.
void measure(const LatencyArgs& a) {
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  const Lut lut = Lut::load(a.lut);
  lut.check_space(*space);
  HWNAS_CHECK(a.rounds >= 1 && a.rounds <= 10, "--rounds must be in 1..10, got ", a.rounds);
  std::vector<Arch> archs;
  for (const std::string& s : a.archs) archs.push_back(space->parse(s));
  HWNAS_CHECK(!archs.empty(), "no archs to measure: give arch strings");
  std::unique_ptr<Target> target = make_target(a.target.empty() ? default_target(lut) : a.target, a.token);
  lut.check_target(target->info());
  std::vector<SpaceArch> nets;
  for (const Arch& arch : archs) nets.push_back({space.get(), arch});
  const Measurement m =
      measure_settled(*target, nets, SpeedReference::of(*space, lut), lut.profile, a.rounds, "measure", 1);
  const Statistic st = lut.profile.statistic;
  json out = json::array();
  if (!a.json_out)
    std::printf("# %s, statistic %s, %s\n%10s %10s %6s  %s\n", target->info().id().c_str(), to_string(st).c_str(),
                std::isnan(m.drift()) ? "no speed reference in the table: ms as timed"
                                      : "ms at the table's speed (beside its speed reference)",
                "ms", "as_timed", "cv_%", "arch");
  for (size_t i = 0; i < archs.size(); ++i) {
    const std::string text = space->format(archs[i]);
    if (a.json_out)
      out.push_back(json{{"arch", text}, {"ms", m.ms(i, st)}, {"as_timed_ms", m.raw_ms(i, st)},
                         {"timing", m.nets[i].raw.to_json()}});
    else
      std::printf("%10.4f %10.4f %6.1f  %s\n", m.ms(i, st), m.raw_ms(i, st), 100 * m.nets[i].raw.cv, text.c_str());
  }
  if (a.json_out) std::cout << json{{"target", target->info().id()}, {"archs", out}}.dump(1) << "\n";
}

void validate(const LatencyArgs& a) {
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  Lut lut = Lut::load(a.lut);
  lut.check_space(*space);
  std::unique_ptr<Target> target = make_target(a.target.empty() ? default_target(lut) : a.target, a.token);
  ValidationOptions opt;
  opt.fit_archs = a.fit;
  opt.test_archs = a.test;
  opt.spread_fit_archs = a.spread_fit;
  opt.spread_test = a.spread_test;
  opt.seed = a.seed;
  if (!a.models.empty()) opt.models = a.models;
  opt.one_hot = parse_one_hot_mode(a.one_hot);
  opt.profile.warmup_ms = a.warmup == "0" ? 0 : parse_duration_ms(a.warmup);
  opt.profile.min_time_ms = parse_duration_ms(a.min_time);
  opt.profile.repetitions = a.repetitions;
  opt.profile.statistic = lut.profile.statistic;  // measure archs the way the table was made
  opt.reuse = !a.remeasure;
  const bool quiet = a.quiet || a.json_out;
  MeasureProgress progress;
  if (!a.quiet)
    progress = [](int done, int total, const std::string& arch, double ms) {
      std::fprintf(stderr, "[%4d/%d] %9.4f ms  %s\n", done, total, ms, arch.c_str());
    };
  const ValidationReport r = validate_latency_models(*space, &lut, target.get(), opt, a.lut, progress);
  const ValidationFiles files = save_validation(*space, &lut, a.lut, r, a.csv, a.plot);
  const std::string &csv = files.csv, &png = files.png, &plot_note = files.plot_note;
  if (a.json_out) {
    std::cout << validation_json(r).dump(1) << "\n";
  } else {
    std::cout << validation_table(r);
    std::printf("\n%d archs measured now (%.1f s), %d reused; wrote %s%s%s\n", r.newly_measured, r.measure_seconds,
                static_cast<int>(r.fit.size() + r.test_archs.size()) - r.newly_measured, csv.c_str(),
                png == "none" || !plot_note.empty() ? "" : ", ", png == "none" || !plot_note.empty() ? "" : png.c_str());
  }
  if (!plot_note.empty() && !quiet) std::fprintf(stderr, "hwnas: warning: no plot: %s\n", plot_note.c_str());
}

struct TransferArgs {
  std::string space = "nb201";
  std::vector<std::string> sources;
  std::string target;
  int shots = 10;
  int draws = 10;
  uint64_t seed = 0;
  std::vector<std::string> models;
  bool json_out = false;
};

/// Latency on a device left out, predicted from the other devices' tables
/// and K shots measured on it, scored on every arch not measured.
void transfer(const TransferArgs& a) {
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  const std::vector<std::string> refs = table_refs(a.sources);
  HWNAS_CHECK(!refs.empty(), "--source: name at least one FILE:COL");
  HWNAS_CHECK(!a.target.empty(), "--target: name the new device's FILE:COL");
  for (const std::string& r : refs)
    HWNAS_CHECK(r != a.target, "--source ", r, " is the --target column: judge transfer on a device left out");
  const ArchTable target(a.target, *space);
  const TransferSources src = transfer_sources(*space, refs, target);
  HWNAS_CHECK(src.archs.size() > static_cast<size_t>(a.shots), "--target ", a.target, " shares only ",
              src.archs.size(), " archs with the sources, not more than the ", a.shots, " shots");
  // Read here only to score the predictions; the predictors see the shots.
  std::vector<double> truth;
  for (const Arch& arch : src.archs) truth.push_back(target.at(arch));
  std::vector<std::string> models = a.models;
  if (models.empty())
    for (const std::string& m : transfer_predictor_names())
      if (m != "help" || refs.size() >= 3) models.push_back(m);
  // The predictors see the target column only through the shots they draw.
  const std::vector<TransferScore> scores = evaluate_transfer(
      src, [&](int i) { return truth[i]; }, truth, models, a.shots, a.draws, a.seed);
  if (a.json_out) {
    json out{{"target", a.target}, {"sources", refs}, {"shots", a.shots}, {"draws", a.draws},
             {"archs", src.archs.size()}, {"predictors", json::object()}};
    for (const TransferScore& s : scores)
      out["predictors"][s.predictor] = {{"spearman_rho", s.mean(&FitMetrics::spearman_rho)},
                                        {"kendall_tau", s.mean(&FitMetrics::kendall_tau)},
                                        {"mape", s.mean(&FitMetrics::mape)},
                                        {"within_10pct", s.mean(&FitMetrics::within_10pct)},
                                        {"first_draw", s.first_summary}};
    std::cout << out.dump(1) << "\n";
    return;
  }
  std::printf("# %s from %zu sources, %d shots (strata of the sources' latency), mean of %d draws, %zu archs\n",
              a.target.c_str(), refs.size(), a.shots, a.draws, src.archs.size());
  std::printf("%-10s %8s %8s %8s %10s  %s\n", "predictor", "rho", "tau", "MAPE%", "within10%", "first draw");
  for (const TransferScore& s : scores)
    std::printf("%-10s %8.3f %8.3f %8.2f %10.1f  %s\n", s.predictor.c_str(), s.mean(&FitMetrics::spearman_rho),
                s.mean(&FitMetrics::kendall_tau), s.mean(&FitMetrics::mape), s.mean(&FitMetrics::within_10pct),
                s.first_summary.c_str());
}

void add_common(CLI::App* cmd, LatencyArgs* a) {
  cmd->add_option("--lut", a->lut, "Latency table (from hwnas profile)")->capture_default_str();
  cmd->add_option("--space", a->space, "Search space the archs belong to")->capture_default_str()->envname("HWNAS_SPACE");
  cmd->add_option("--target", a->target, "Where to measure (default: the table's own local target)")
      ->envname("HWNAS_TARGET");
  cmd->add_option("--token", a->token, "Token of a remote agent")->envname("HWNAS_AGENT_TOKEN");
  cmd->add_option("--one-hot", a->one_hot,
                  "Arch encoding of linear, lasso, bayesian-ridge and gp: op, op+width, opxwidth "
                  "(mlp and gnn have their own)")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the sampled archs")->capture_default_str();
  cmd->add_flag("--json", a->json_out, "Print JSON instead of a table");
}

void setup(CLI::App& app) {
  auto* a = new LatencyArgs();
  auto* cmd = app.add_subcommand("latency", "Predict latencies and validate latency models");
  cmd->require_subcommand(1);

  auto* p = cmd->add_subcommand("predict", "Predict the latency of archs with one model");
  add_common(p, a);
  p->add_option("--model", a->model, "lut, lut+bias, lut+scale, lut-linear, flops, linear, lasso, bayesian-ridge, gp, mlp, gnn, measured")
      ->capture_default_str();
  p->add_option("--sample", a->sample, "Also predict N uniformly sampled archs")->capture_default_str();
  p->add_option("archs", a->archs, "Arch strings, e.g. k3@1,k5@0.5,...");
  p->callback([a] { predict(*a); });

  auto* m = cmd->add_subcommand("measure", "Time archs end to end on the table's target, with the table's settings");
  add_common(m, a);
  m->add_option("--rounds", a->rounds, "Round-robin passes; each arch keeps its least disturbed timing")
      ->capture_default_str();
  m->add_option("archs", a->archs, "Arch strings, e.g. k3@1,k5@0.5,...");
  m->callback([a] { measure(*a); });

  auto* v = cmd->add_subcommand("validate", "Score every latency model on held-out archs measured on the target");
  add_common(v, a);
  v->add_option("--fit", a->fit, "M: archs measured to fit B, the FLOPs baseline and the predictors")
      ->capture_default_str();
  v->add_option("--archs", a->test, "N: held-out archs measured to score the models")->capture_default_str();
  v->add_option("--models", a->models, "Models to score (default: lut+bias lut+scale lut flops linear lasso bayesian-ridge gp mlp gnn)")
      ->delimiter(',');
  v->add_option("--csv", a->csv, "Per-arch CSV (default: latency_validation.csv beside the table)");
  v->add_option("--plot", a->plot, "Predicted-vs-measured PNG (default: latency_validation.png beside the table; none = skip)");
  v->add_option("--warmup", a->warmup, "Warm-up per arch")->capture_default_str();
  v->add_option("--min-time", a->min_time, "Minimum time of one repetition")->capture_default_str();
  v->add_option("--repetitions", a->repetitions, "Timed repetitions per arch")->capture_default_str();
  v->add_option("--spread-fit", a->spread_fit,
                "K spread archs (every depth and width, not only uniform samples) added to the fit archs")
      ->capture_default_str();
  v->add_flag("--spread", a->spread_test, "Held-out archs spread over depth and width instead of uniform samples");
  v->add_flag("--remeasure", a->remeasure, "Measure every arch again instead of reusing the table's");
  v->add_flag("--quiet", a->quiet, "No progress on stderr");
  v->callback([a] { validate(*a); });

  auto* t = cmd->add_subcommand("transfer", "Predict latency on a new device from other devices' tables and K measured archs");
  auto* ta = new TransferArgs();
  t->add_option("--space", ta->space, "Search space of the tables")->capture_default_str();
  t->add_option("--source", ta->sources, "Source devices: FILE:COL[,COL...] (whole tables)")->delimiter(',')->required();
  t->add_option("--target", ta->target, "The new device: FILE:COL; only its K shots are given to the predictors")
      ->required();
  t->add_option("--shots", ta->shots, "K: archs measured on the new device")->capture_default_str();
  t->add_option("--seeds", ta->draws, "Draws of the shots to average over")->capture_default_str();
  t->add_option("--seed", ta->seed, "Seed of the draws")->capture_default_str();
  t->add_option("--models", ta->models, "Predictors (default: nearest map finetune help)")->delimiter(',');
  t->add_flag("--json", ta->json_out, "Print JSON instead of a table");
  t->callback([ta] { transfer(*ta); });
}

}  // namespace
HWNAS_COMMAND(45, setup);
}  // namespace hwnas
