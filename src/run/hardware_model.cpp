#include "run/hardware_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/rng.h"
#include "core/strings.h"
#include "latency/fresh_process.h"
#include "latency/measurer.h"
#include "run/export_stage.h"
#include "latency/profile_space.h"

namespace hwnas {
namespace {

using nlohmann::json;

/// The fastest and slowest arch under an additive model: per layer the gene
/// with the smallest / largest predicted latency (exact for LUT + bias).
std::pair<Arch, Arch> latency_extremes(const SearchSpace& space, const LatencyModel& model) {
  Arch fast = space.largest(), slow = space.largest();
  for (int l = 0; l < space.num_layers(); ++l) {
    double lo = 1e300, hi = -1e300;
    for (int op : space.layers[l].ops)
      for (int w : space.layers[l].widths) {
        Arch a = fast;
        a.genes[l] = {op, w};
        a = space.canonical(a);
        const double ms = model.predict_ms(a);
        if (ms < lo) { lo = ms; fast.genes[l] = a.genes[l]; }
        Arch b = slow;
        b.genes[l] = {op, w};
        b = space.canonical(b);
        const double ms2 = model.predict_ms(b);
        if (ms2 > hi) { hi = ms2; slow.genes[l] = b.genes[l]; }
      }
  }
  return {fast, slow};
}

}  // namespace

HardwareModel profile_stage(StageRunner& stages, const PipelineOptions& o, const SearchSpace& space, Target& target,
                            const RunDir& run) {
  HardwareModel hw;
  stages.run("profile", "profile " + space.description + " on " + target.info().id(),
             json{{"space", o.common.space}, {"target", o.target}, {"timing", o.profile.to_json()},
                  {"bias_archs", o.bias_archs}},
             [&] {
               SpaceProfileOptions po;
               po.timing = o.profile;
               po.bias_archs = o.bias_archs;
               po.seed = o.common.exec.seed;
               hw.lut = std::make_unique<Lut>(profile_space(space, o.common.space, target, run.file("lut.json"), po));
               return json{{"lut", "lut.json"}, {"ops", hw.lut->ops.size()}, {"bias_ms", hw.lut->bias_ms.value_or(0.0)}};
             });
  hw.latency = std::make_unique<LutBiasModel>(space, *hw.lut, hw.lut->bias_ms.value_or(0.0));
  const auto [fastest, slowest] = latency_extremes(space, *hw.latency);
  hw.lo_ms = hw.latency->predict_ms(fastest);
  hw.hi_ms = hw.latency->predict_ms(slowest);
  hw.T_ms = o.latency_ms;
  if (hw.T_ms <= 0) {
    std::vector<double> ms;
    Rng rng = derive_rng(o.common.exec.seed, Stage::kSearch, 999);
    for (int i = 0; i < 1000; ++i) ms.push_back(hw.latency->predict_ms(space.sample(rng)));
    std::nth_element(ms.begin(), ms.begin() + 500, ms.end());
    hw.T_ms = o.latency_of_median * ms[500];
    std::fprintf(stderr, "T = %.3f ms, %sthe median predicted latency of 1000 random archs\n", hw.T_ms,
                 o.latency_of_median == 1 ? "" : str_cat(format_number(o.latency_of_median), " x ").c_str());
  }
  HWNAS_CHECK(hw.T_ms >= hw.lo_ms && hw.T_ms <= hw.hi_ms, "latency budget ", format_number(hw.T_ms),
              " ms is outside what space ", space.description, " can reach on ", target.info().id(), ": feasible range ",
              format_ms(hw.lo_ms), " - ", format_ms(hw.hi_ms), " ms");
  std::fprintf(stderr, "latency model %s; feasible %.3f - %.3f ms; budget T = %.3f ms\n",
               hw.latency->describe().c_str(), hw.lo_ms, hw.hi_ms, hw.T_ms);
  return hw;
}

std::vector<double> time_for_check(Target& timer, const SearchSpace& space, const Lut& lut, const PipelineOptions& o,
                                   const std::vector<Arch>& archs, json* stored, const LatencyModel* expected,
                                   LastingSlowdown* lasting) {
  json& measured = (*stored)["measured"];
  json& raw = (*stored)["measured_raw"];
  if (measured.is_null()) measured = json::object();
  if (raw.is_null()) raw = json::object();
  const SpeedReference reference = SpeedReference::of(space, lut);
  const Statistic s = o.profile.statistic;
  std::vector<SpaceArch> todo;
  for (const Arch& a : archs)
    if (!measured.contains(space.format(a))) todo.push_back({&space, a});
  if (!todo.empty()) {
    std::fprintf(stderr, "latency check: timing %zu new of %zu archs on %s\n", todo.size(), archs.size(),
                 timer.info().id().c_str());
    const Measurement m = measure_settled(timer, todo, reference, o.profile, 2, "latency check", 3, lasting);
    if (!std::isnan(m.drift()))
      std::fprintf(stderr, "latency check: the speed reference took %s its time at profiling (median)\n",
                   format_ratio(1 + m.drift()).c_str());
    std::vector<SpaceArch> again;
    std::vector<size_t> again_of;
    std::vector<double> again_predicted;
    for (size_t i = 0; i < todo.size(); ++i) {
      const std::string text = space.format(todo[i].second);
      raw[text] = m.raw_ms(i, s);
      measured[text] = m.ms(i, s);
      const double predicted = expected != nullptr ? expected->predict_ms(todo[i].second) : std::nan("");
      if (m.ms(i, s) > (1 + kRetimeOver) * predicted)  // false when NaN: no model
        again.push_back(todo[i]), again_of.push_back(i), again_predicted.push_back(predicted);
    }
    if (!again.empty()) {
      std::fprintf(stderr, "latency check: %zu arch%s timed over %.0f%% above %s prediction; timing again\n",
                   again.size(), again.size() == 1 ? "" : "s", 100 * kRetimeOver, again.size() == 1 ? "its" : "their");
      const Measurement m2 = measure_settled(timer, again, reference, o.profile, 2, "latency check", 3, lasting);
      json& retimed = (*stored)["retimed"];
      // The speeds and spreads say whether the machine or the net was slow.
      const auto how = [](const ScaledTiming& t) {
        return json{{"speed", t.speed}, {"unsteadiness", t.unsteadiness}, {"as_timed", t.raw.to_json()}};
      };
      for (size_t j = 0; j < again.size(); ++j) {
        const size_t i = again_of[j];
        const std::string text = space.format(again[j].second);
        const double predicted = again_predicted[j], first = m.ms(i, s), second = m2.ms(j, s);
        std::fprintf(stderr, "latency check: predicted %.3f ms, timed %.3f ms, again %.3f ms; keeping %.3f ms\n",
                     predicted, first, second, std::min(first, second));
        retimed[text] = {{"predicted_ms", predicted}, {"first_ms", first}, {"again_ms", second},
                         {"first", how(m.nets[i])}, {"again", how(m2.nets[j])}};
        if (second < first) raw[text] = m2.raw_ms(j, s), measured[text] = second;
      }
    }
  }
  std::vector<double> ms;
  for (const Arch& a : archs) ms.push_back(measured[space.format(a)].get<double>());
  return ms;
}

Finals profiled_finals(const PipelineOptions& o, const SearchSpace& space, const HardwareModel& hw, const Arch& pick,
                       const std::string& label, const std::vector<double>& shufflenet_widths) {
  Finals f = make_finals(space, pick, label, shufflenet_widths, o.mbv2_widths);
  if (o.random_baseline > 0) add_random_finals(&f, space, *hw.latency, hw.T_ms, o.random_baseline, o.common.exec.seed);
  return f;
}

double retrain_measure_export(StageRunner& stages, Workspace& ws, const PipelineOptions& o, const SearchSpace& space,
                              const HardwareModel& hw, std::vector<FinalNet>* nets) {
  retrain_finals_stage(stages, ws, o, nets);
  const double drift =
      measure_stage(stages, o, *ws.run, *make_fresh_process_target(o.target, o.token), space, *hw.lut, nets);
  export_stage(stages, ws, o, hw.lut->target, nets);
  return drift;
}

ReportInput hardware_report_input(const PipelineOptions& o, const SearchSpace& space, const TargetInfo& target,
                                  const HardwareModel& hw, double drift) {
  ReportInput rep;
  rep.space = &space;
  rep.searched_space = &space;
  rep.target = target;
  rep.dataset = o.common.dataset;
  rep.latency_budget_ms = hw.T_ms;
  rep.feasible_lo_ms = hw.lo_ms;
  rep.feasible_hi_ms = hw.hi_ms;
  rep.latency_model = hw.latency->describe();
  rep.drift_since_profile = drift;
  rep.retrain_seeds = o.retrain_seeds;
  rep.first_seed = o.common.exec.seed;
  rep.op_latency_ms = [&space, &hw](int layer, const Gene& g) {
    return hw.lut->op_ms(space.op_spec(layer, g, hw.lut->target.batch));
  };
  return rep;
}

}  // namespace hwnas
