#include "run/finals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "core/error.h"
#include "core/flops.h"
#include "core/rng.h"
#include "core/spaces/chain.h"
#include "core/stats.h"
#include "core/strings.h"
#include "latency/models.h"
#include "latency/profiler.h"
#include "search/rerank.h"

namespace hwnas {

using nlohmann::json;

namespace {

/// Multiply-accumulates of a chain space's network; 0 where the op counts
/// do not cover the space (the NB201 cell).
int64_t macs_of(const SearchSpace& space, const Arch& arch) {
  return space.family == "chain" ? arch_cost(space, arch).macs : 0;
}

}  // namespace

Arch uniform_width(const SearchSpace& space, const std::string& op_name, double w) {
  const int op = space.op_index(op_name);
  HWNAS_CHECK(op >= 0, "space ", space.name, " has no ", op_name, " op for a baseline");
  std::vector<int> all(space.width_factors.size());
  std::iota(all.begin(), all.end(), 0);
  const int wi = space.nearest_width(all, w);
  Arch a;
  for (int l = 0; l < space.num_layers(); ++l) a.genes.push_back({op, wi});
  return a;
}

Finals make_finals(const SearchSpace& space, const Arch& pick, const std::string& pick_label,
                   const std::vector<double>& shufflenet_widths, const std::vector<double>& mbv2_widths) {
  Finals f;
  f.mbv2 = mobilenetv2_space(space, mbv2_widths);
  f.nets.push_back({"final", pick_label, &space, pick, 1, {}, {}, {}});
  if (space.op_index("k3") >= 0)
    for (double w : shufflenet_widths)
      f.nets.push_back({"baseline_shufflenetv2_w" + format_number(w), "ShuffleNetV2 x" + format_number(w), &space,
                        uniform_width(space, "k3", w), 0, {}, {}, {}});
  for (double w : mbv2_widths)
    f.nets.push_back({"baseline_mobilenetv2_w" + format_number(w), "MobileNetV2 x" + format_number(w), f.mbv2.get(),
                      uniform_width(*f.mbv2, "mb3e6", w), 2, {}, {}, {}});
  return f;
}

void add_random_finals(Finals* finals, const SearchSpace& space, const LatencyModel& model, double T_ms, int n,
                       uint64_t seed, const std::function<std::vector<double>(const std::vector<Arch>&)>& timed) {
  Rng rng = derive_rng(seed, Stage::kSearch, 0x52414e44ULL);  // "RAND": a stream no search uses
  int draws = 0;
  // As timed, with the room for a second timing that the pick has.
  const double lo = 0.95 * T_ms, hi = (1 - kRepeatability) * T_ms;
  std::vector<std::pair<Arch, double>> kept, under;  // with their timings (NaN: not timed)
  if (!timed)
    for (const Arch& a : uniform_within(space, model, lo, T_ms, n, rng, &draws)) kept.push_back({a, std::nan("")});
  // As many drawn as are missing, then timed, until n are in the window or
  // kRandomPool x n were timed. The model's window follows the timings: it
  // is scaled by their median ratio to the model so far, so a target that
  // runs slower than its table as a whole (a busy machine) still fills it;
  // by at most 25% either way, more than a model misses by when it holds.
  std::vector<Arch> seen;
  std::vector<double> ratios;  // timed / predicted
  double r = 1;                // the window's scale: the model's [0.95 T, T] / r
  const size_t pool = static_cast<size_t>(kRandomPool) * n;
  while (timed && static_cast<int>(kept.size()) < n && seen.size() < pool) {
    r = ratios.empty() ? 1.0 : std::clamp(median(ratios), 0.8, 1.25);
    const int want = static_cast<int>(std::min(n - kept.size(), pool - seen.size()));
    int d = 0;
    std::vector<Arch> batch;
    for (const Arch& a : uniform_within(space, model, lo / r, T_ms / r, want, rng, &d))
      if (std::find(seen.begin(), seen.end(), a) == seen.end()) batch.push_back(a);
    draws += d;
    if (batch.empty()) break;  // none predicted in the window, or only archs already timed
    seen.insert(seen.end(), batch.begin(), batch.end());
    const std::vector<double> ms = timed(batch);
    for (size_t i = 0; i < batch.size(); ++i) {
      const double predicted = model.predict_ms(batch[i]);
      ratios.push_back(ms[i] / predicted);
      if (ms[i] >= lo && ms[i] <= hi) {
        kept.push_back({batch[i], ms[i]});
        continue;
      }
      if (ms[i] < lo) under.push_back({batch[i], ms[i]});
      std::fprintf(stderr, "random baseline: an arch predicted %.3f ms timed %.3f ms (%+.1f%% vs T), outside "
                   "[0.95 T, 0.98 T]; drawing another\n", predicted, ms[i], 100 * (ms[i] / T_ms - 1));
    }
  }
  // A budget is a limit: short of archs in the window, those timed under it
  // stand in, the nearest first, and none timed over it.
  const size_t in_window = kept.size();
  std::sort(under.begin(), under.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < under.size() && static_cast<int>(kept.size()) < n; ++i) kept.push_back(under[i]);
  const std::string scaled = r != 1 ? str_cat(" / ", format_number(std::round(r * 1000) / 1000)) : "";
  const std::string window = timed ? str_cat("predicted within [0.95 T, T]", scaled,
                                             " and timed within [0.95 T, 0.98 T] = [", format_ms(lo), ", ",
                                             format_ms(hi), "] ms (", seen.size(), " timed)")
                                   : str_cat("predicted within [0.95 T, T] = [", format_ms(lo), ", ", format_ms(T_ms),
                                             "] ms");
  // The finals come after the search's minutes: too few archs in the window
  // (a budget near the end of the space, or a B the latency check moved far
  // from the table's) shrinks the comparison instead of ending the run.
  if (static_cast<int>(in_window) < n)
    std::fprintf(stderr, "hwnas: warning: --random-baseline: only %zu of %d uniform archs in %d draws are %s%s; the "
                 "report compares the pick with %zu; a budget nearer the middle of the space draws them all\n",
                 in_window, n, draws, window.c_str(),
                 kept.size() > in_window ? str_cat("; ", kept.size() - in_window, " timed under it stand in").c_str() : "",
                 kept.size());
  else
    std::fprintf(stderr, "random baseline: %d archs %s (%d uniform draws)\n", n, window.c_str(), draws);
  for (size_t i = 0; i < kept.size(); ++i) {
    finals->nets.push_back({str_cat("random_", i + 1), str_cat("random ", i + 1), &space, kept[i].first,
                            kRandomFamily, {}, {}, {}});
    finals->nets.back().checked_ms = kept[i].second;
  }
}

namespace {

json retrain_finals(Workspace& ws, std::vector<FinalNet>* nets, const TrainOptions& train, int seeds, bool resume,
                    const ExecutionContext& exec) {
  std::vector<FinalNet>& finals = *nets;
  for (FinalNet& f : finals) f.accuracies.assign(seeds, std::nan(""));
  const int n = static_cast<int>(finals.size());
  // Within a seed the dearest network first, so that the last job to
  // finish is a short one.
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
    return macs_of(*finals[x].space, finals[x].arch) > macs_of(*finals[y].space, finals[y].arch);
  });
  run_jobs(n * seeds, exec.resolved_jobs(), [&](int job) {
    const int k = job / n;
    FinalNet& f = finals[order[job % n]];
    TrainOptions t = train;
    t.seed = exec.seed + k;
    std::fprintf(stderr, "%s%s: %s\n", f.label.c_str(), seeds > 1 ? str_cat(" (seed ", t.seed, ")").c_str() : "",
                 f.space->format(f.arch).c_str());
    const std::string name = k == 0 ? f.name : str_cat(f.name, "_seed", t.seed);
    const RetrainResult r = retrain_stage(ws, f.arch, t, name, resume, false, f.space);
    HWNAS_CHECK(r.stats.finished, "retraining ", name, " stopped early");
    if (k == 0) f.result = r;
    f.accuracies[k] = r.accuracy;
  });
  json rows = json::array();
  for (const FinalNet& f : finals)
    rows.push_back({{"name", f.name},
                    {"label", f.label},
                    {"family", f.family},
                    {"arch", f.space->format(f.arch)},
                    {"test_accuracies", f.accuracies},
                    {"test_accuracy", mean_of(f.accuracies)},
                    {"test_accuracy_sd", std_of(f.accuracies)},
                    {"parameters", f.result.parameters}});
  return json{{"seeds", seeds}, {"first_seed", exec.seed}, {"nets", rows}};
}

}  // namespace

json train_settings(const TrainOptions& t) {
  return json{{"epochs", t.epochs}, {"batch_size", t.batch_size}, {"lr", t.lr}, {"limit", t.limit},
              {"warmup_epochs", t.warmup_epochs}, {"weight_decay", t.weight_decay}};
}

void retrain_finals_stage(StageRunner& stages, Workspace& ws, const PipelineOptions& o, std::vector<FinalNet>* nets) {
  const int seeds = o.retrain_seeds;
  stages.run("retrain",
             str_cat("retrain ", nets->size(), " networks from scratch",
                     seeds > 1 ? str_cat(", ", seeds, " seeds each") : ""),
             json{{"training", train_settings(o.retrain)}, {"seeds", seeds}},
             [&] { return retrain_finals(ws, nets, o.retrain, seeds, o.resume, o.common.exec); });
}

MeasuredCache::MeasuredCache(const RunDir& run)
    : run_(run), data_(run.has("measured.json") ? json::parse(run.read("measured.json")) : json::object()) {}

std::optional<Measurement> MeasuredCache::get(const Target& target, const std::vector<SpaceArch>& nets) const {
  Measurement m;
  for (const SpaceArch& net : nets) {
    const std::string key = net.first->format(net.second);
    if (!data_.contains(key) || data_[key].value("target", "") != target.info().id() || !data_[key].contains("raw"))
      return std::nullopt;
    const json& d = data_[key];
    ScaledTiming t;
    t.timing = Timing::from_json(d["timing"], "measured.json");
    t.raw = Timing::from_json(d["raw"], "measured.json");
    t.speed = d["speed"].is_number() ? d["speed"].get<double>() : std::nan("");
    t.unsteadiness = d.value("unsteadiness", 0.0);
    m.nets.push_back(t);
  }
  return m;
}

void MeasuredCache::put(const Target& target, const std::vector<SpaceArch>& nets, const Measurement& m) {
  for (size_t i = 0; i < nets.size(); ++i)
    data_[nets[i].first->format(nets[i].second)] = {{"target", target.info().id()},
                                                    {"timing", m.nets[i].timing.to_json()},
                                                    {"raw", m.nets[i].raw.to_json()},
                                                    {"speed", number_or_null(m.nets[i].speed)},
                                                    {"unsteadiness", m.nets[i].unsteadiness}};
  run_.write("measured.json", data_.dump(2));
}

json measure_finals(const RunDir& run, Target& target, std::vector<FinalNet>* nets, const SpeedReference& reference,
                    const ProfileOptions& opt, double* drift, const std::function<double(const FinalNet&)>& predicted) {
  MeasuredCache cache(run);
  std::vector<SpaceArch> pairs;
  for (const FinalNet& f : *nets) pairs.push_back({f.space, f.arch});
  ProfileOptions longer = opt;
  longer.repetitions = std::max(opt.repetitions, 11);  // final numbers: more repetitions
  // A resumed run takes what it measured as it is.
  std::optional<Measurement> m = cache.get(target, pairs);
  json again_rows = json::array();
  if (!m) {
    m = measure_settled(target, pairs, reference, longer, 3, "measure");
    // A net is timed once more when its timing parts by over twice a second
    // timing's room (kRepeatability) from its latency check, or, without a
    // check, reads over kRetimeOver above its prediction.
    const Statistic st = opt.statistic;
    std::vector<SpaceArch> again;
    std::vector<size_t> again_of;
    std::vector<double> again_expected;  // the prediction a net without a check was held against
    for (size_t i = 0; i < nets->size(); ++i) {
      const double checked = (*nets)[i].checked_ms, ms = m->ms(i, st);
      const double expected = std::isnan(checked) && predicted ? predicted((*nets)[i]) : std::nan("");
      if (!std::isnan(checked) ? std::fabs(ms / checked - 1) > 2 * kRepeatability
                               : ms > (1 + kRetimeOver) * expected)  // false when NaN: no prediction
        again.push_back(pairs[i]), again_of.push_back(i), again_expected.push_back(expected);
    }
    if (!again.empty()) {
      std::fprintf(stderr, "measure: %zu net%s timed far from %s latency check or prediction; timing again\n",
                   again.size(), again.size() == 1 ? "" : "s", again.size() == 1 ? "its" : "their");
      const Measurement m2 = measure_settled(target, again, reference, longer, 3, "measure");
      for (size_t j = 0; j < again.size(); ++j) {
        const FinalNet& f = (*nets)[again_of[j]];
        ScaledTiming& first = m->nets[again_of[j]];
        const ScaledTiming& second = m2.nets[j];
        const double a = first.timing.value_ms(st), b = second.timing.value_ms(st), c = f.checked_ms;
        // With a check there are three timings of one arch by one rule: the
        // one nearest their median is kept, so that any one of them gone
        // astray, the check's included, is outvoted (one pick read 2.107 ms
        // at 1.18x slow, then 2.268 at 1.29x, its check 2.229; the least
        // scaled was the stray). Without one, the timing far over its
        // prediction is the stray: load only slows a net.
        const bool checked = !std::isnan(c);
        const double mid = std::max(std::min(a, b), std::min(std::max(a, b), c));  // the median (with a check)
        const bool kept_second = checked ? std::fabs(b - mid) < std::fabs(a - mid) : b < a;
        const double against = checked ? c : again_expected[j];
        again_rows.push_back({{"name", f.name}, {"first_ms", a}, {"again_ms", b},
                              {"held_against", checked ? "check" : "prediction"}, {"against_ms", against},
                              {"kept", kept_second ? "again" : "first"}});
        std::fprintf(stderr, "measure: %s timed %.3f ms, again %.3f ms (%s %.3f ms); keeping the %s\n",
                     f.label.c_str(), a, b, checked ? "its check" : "predicted", against,
                     kept_second ? "second" : "first");
        if (kept_second) first = second;
      }
    }
    cache.put(target, pairs, *m);
  }
  *drift = m->drift();
  json rows = json::array();
  for (size_t i = 0; i < nets->size(); ++i) {
    FinalNet& f = (*nets)[i];
    f.measured = m->nets[i].timing;
    f.measured_raw_ms = m->raw_ms(i, opt.statistic);
    std::fprintf(stderr, "%-28s measured %8.3f ms (as timed %.3f ms, cv %.1f%%)\n", f.label.c_str(),
                 f.measured.value_ms(opt.statistic), f.measured_raw_ms, 100 * f.measured.cv);
    rows.push_back({{"name", f.name}, {"measured_ms", f.measured_raw_ms},
                    {"at_profile_speed_ms", f.measured.value_ms(opt.statistic)},
                    {"speed", number_or_null(m->nets[i].speed)}, {"unsteadiness", m->nets[i].unsteadiness},
                    {"checked_ms", number_or_null(f.checked_ms)}, {"timing", m->nets[i].raw.to_json()}});
  }
  if (!std::isnan(m->drift()))
    std::fprintf(stderr, "machine speed: the table's speed reference, timed beside each network, took %s its time at "
                 "profiling (median); the latencies are scaled to that time\n",
                 format_ratio(1 + m->drift()).c_str());
  return json{{"target", target.info().to_json()},
              {"measured_in", target.describe()},
              {"speed_reference", reference.empty() ? json() : json(reference.space->format(reference.arch))},
              {"nets", rows},
              {"drift_since_profile", number_or_null(m->drift())},
              {"timed_again", again_rows},
              {"unsettled", m->unsettled}};
}

void write_best(const RunDir& run, const BestRecord& b) {
  const json best{{"method", b.method},
                  {"space", b.space},
                  {"dataset", b.dataset},
                  {"arch", b.arch},
                  {"picked_from", b.picked_from},
                  {"latency_budget_ms", b.latency_budget_ms},
                  {"predicted_latency_ms", number_or_null(b.predicted_latency_ms)},
                  {"measured_latency_ms", number_or_null(b.measured_latency_ms)},
                  {"measured_latency_raw_ms", number_or_null(b.measured_latency_raw_ms)},
                  {"within_budget", std::isnan(b.measured_latency_ms) ? json() : json(b.measured_latency_ms <= b.latency_budget_ms)},
                  {"search_score", number_or_null(b.search_score)},
                  {"search_score_kind", b.search_score_kind},
                  {"standalone_search_valid_accuracy", number_or_null(b.standalone_search_valid_accuracy)},
                  {"test_accuracy", b.test_accuracies.empty() ? json() : json(mean_of(b.test_accuracies))},
                  {"test_accuracy_sd", b.test_accuracies.empty() ? json() : json(std_of(b.test_accuracies))},
                  {"test_accuracies", b.test_accuracies},
                  {"parameters", b.parameters},
                  {"macs", b.macs},
                  {"drift_since_profile", number_or_null(b.drift_since_profile)},
                  {"checked_latency_ms", number_or_null(b.checked_latency_ms)},
                  {"random_baseline", b.random.n == 0 ? json() : json{{"archs", b.random.n},
                                                                     {"mean_test_accuracy", b.random.mean},
                                                                     {"standard_error", b.random.se},
                                                                     {"mean_measured_ms", b.random.mean_measured_ms},
                                                                     {"pick_lead", b.random.lead},
                                                                     {"pick_lead_in_standard_errors", b.random.lead_in_se}}},
                  {"target", b.target}};
  run.write("best.json", best.dump(2));
}

double measure_stage(StageRunner& stages, const PipelineOptions& o, const RunDir& run, Target& target,
                     const SearchSpace& table_space, const Lut& lut, std::vector<FinalNet>* nets) {
  const SpeedReference reference = SpeedReference::of(table_space, lut);
  const LutBiasModel model(table_space, lut, lut.bias_ms.value_or(0.0));
  double drift = std::nan("");
  stages.run("measure", "measure on " + target.info().id(), json{{"target", target.info().id()}}, [&] {
    return measure_finals(run, target, nets, reference, o.profile, &drift, [&](const FinalNet& f) {
      return f.space == &table_space ? model.predict_ms(f.arch) : std::nan("");  // the table covers its space only
    });
  });
  return drift;
}

std::vector<ReportNet> report_nets(const std::vector<FinalNet>& nets, const SearchSpace& table_space,
                                   const LatencyModel& pick_model, const LatencyModel& table_model, Statistic statistic) {
  std::vector<ReportNet> out;
  for (const FinalNet& f : nets) {
    ReportNet n;
    n.label = f.label;
    n.space = f.space;
    n.family = f.family;
    n.arch = f.arch;
    n.test_accuracies = f.accuracies;
    n.parameters = f.result.parameters;
    n.macs = macs_of(*f.space, f.arch);
    // The table covers its own space's ops only: a baseline from another
    // space (MobileNetV2) is measured, not predicted.
    const LatencyModel& model = n.searched() ? pick_model : table_model;
    n.predicted_ms = f.space == &table_space ? model.predict_ms(f.arch) : std::nan("");
    n.measured_ms = f.measured.value_ms(statistic);
    n.raw_measured_ms = std::isnan(f.measured_raw_ms) ? n.measured_ms : f.measured_raw_ms;
    n.measured_cv = f.measured.cv;
    n.checked_ms = f.checked_ms;
    n.exported = f.exported;
    out.push_back(n);
  }
  return out;
}

BestRecord best_record(const std::string& method, const CommonOptions& common, const ReportInput& rep) {
  const ReportNet& s = rep.nets.front();
  BestRecord b;
  b.method = method;
  b.space = common.space;
  b.dataset = common.dataset;
  b.arch = s.space->format(s.arch);
  b.latency_budget_ms = rep.latency_budget_ms;
  b.predicted_latency_ms = s.predicted_ms;
  b.measured_latency_ms = s.measured_ms;
  b.measured_latency_raw_ms = s.raw_measured_ms;
  b.test_accuracies = s.test_accuracies;
  b.parameters = s.parameters;
  b.macs = s.macs;
  b.drift_since_profile = rep.drift_since_profile;
  b.checked_latency_ms = s.checked_ms;
  b.random = compare_with_random(rep.nets);
  for (const RerankRow& r : rep.rerank)
    if (r.chosen && r.uniform) b.picked_from = "uniform draw";
  b.target = rep.target.to_json();
  return b;
}

void report_stage(StageRunner& stages, const RunDir& run, const ReportInput& rep, const BestRecord& best) {
  stages.run("report", "report", json::object(), [&] {
    write_report(run, rep);
    write_best(run, best);
    return json{{"report", "report.md"}, {"best", "best.json"}, {"pareto", "pareto.csv"}};
  });
  print_summary(run, rep);
}

}  // namespace hwnas
