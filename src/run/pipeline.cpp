#include "run/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/flops.h"
#include "core/spaces/chain.h"
#include "core/strings.h"
#include "latency/lut.h"
#include "latency/models.h"
#include "latency/profile_space.h"
#include "latency/target.h"
#include "latency/validation.h"
#include "run/report.h"
#include "run/supernet_stage.h"
#include "search/calibration.h"
#include "search/objective.h"
#include "search/rerank.h"
#include "search/shrinking.h"
#include "search/strategy.h"
#include "search/widen.h"

namespace hwnas {

using nlohmann::json;

void apply_preset(const std::string& preset, PipelineOptions* o,
                  const std::function<bool(const std::string&)>& is_set) {
  struct Preset {
    int sn_epochs, ft_epochs, retrain_epochs, batch, shrink_samples, bias_archs, profile_reps;
    int64_t limit, ft_limit, retrain_limit, bn_images, valid_images;
    double sn_lr, ft1_lr, ft2_lr, retrain_lr, profile_min_ms;
    int warmup;
    const char* strategy;
    int rerank, rerank_epochs, rerank_batch;
    int64_t rerank_limit;
    int calibrate, latency_check, latency_rounds;
    std::vector<double> baselines, mbv2;
  };
  Preset p;
  if (preset == "default") {
    // Under 20 minutes on a 2-core CPU (measured: docs/benchmarks/pipeline.md).
    // Profiling as docs/benchmarks/latency.md recommends (1 ms repetitions,
    // the minimum): 81 of them, plus 16 in the recheck pass, about a minute;
    // 5 x 2 ms missed measured archs by 15%. Retraining five nets is the
    // dearest stage: 2 epochs over 10,000 images each. MobileNetV2 x0.4
    // (13.5 ms, 4 min to retrain) pushed the run to 21.5 min, so the
    // MobileNetV2 baselines are x0.1 and x0.2; with the recheck and the
    // speed probes, 15,000 retraining and 20,000 fine-tuning images took
    // 20.6 min, and 12,000 retraining images 17.9 min on a quiet day and
    // 20.3 on a slow one (session 5), hence 10,000. Re-ranking is off: it
    // costs about 35 s a candidate, and at 4 and 6 ms its picks retrained
    // no better than the search's own (session 6); --rerank 3 turns it on
    // with 2 epochs over 5,000 images, the best short signal measured.
    // The latency check times the search's best 6 archs (about 15 s) and
    // takes the best by measured latency; a second search (minutes) is
    // --latency-rounds 2.
    p = {2, 1, 2, 256, 4, 20, 81, 0, 15000, 10000, 500, 1000, 0.1, 0.02, 0.01, 0.1, 1.0, 0,
         "evolution:G=6,K=6,P=16,pc=0.25,pm=0.25", 0, 2, 128, 5000, 0, 6, 1, {0.5, 1.0}, {0.1, 0.2}};
  } else if (preset == "paper") {
    // HSCoNAS IV-A: supernet 100 epochs, batch 512, lr 0.5; fine-tune 15
    // epochs at 0.01 then 0.0035; N = 100; Algorithm 1 with G=20, P=50, K=20;
    // retraining as the backbone with batch 1024 and 5 warm-up epochs.
    p = {100, 15, 100, 512, 100, 100, 11, 0, 0, 0, 2000, 0, 0.5, 0.01, 0.0035, 0.5, 10.0, 5,
         "evolution:G=20,K=20,P=50,pc=0.25,pm=0.25", 0, 5, 256, 0, 0, 0, 1, {0.25, 0.5, 0.75, 1.0}, {0.1, 0.2, 0.3, 0.4}};
  } else if (preset == "smoke") {
    p = {1, 1, 1, 64, 1, 2, 3, 512, 512, 512, 64, 200, 0.1, 0.02, 0.01, 0.05, 0.2, 0,
         "evolution:G=1,K=2,P=4,pc=0.25,pm=0.25", 2, 1, 64, 256, 4, 2, 2, {1.0}, {0.2}};
  } else {
    HWNAS_CHECK(false, "unknown preset '", preset, "' (default, paper, smoke)");
  }
  auto set = [&](const std::string& name, auto* field, auto value) {
    if (!is_set(name)) *field = value;
  };
  set("epochs", &o->supernet.epochs, p.sn_epochs);
  set("lr", &o->supernet.lr, p.sn_lr);
  set("batch-size", &o->supernet.batch_size, p.batch);
  set("limit", &o->supernet.limit, p.limit);
  set("finetune-epochs", &o->finetune1.epochs, p.ft_epochs);
  set("finetune-lr1", &o->finetune1.lr, p.ft1_lr);
  set("finetune-lr2", &o->finetune2.lr, p.ft2_lr);
  set("retrain-epochs", &o->retrain.epochs, p.retrain_epochs);
  set("retrain-lr", &o->retrain.lr, p.retrain_lr);
  set("retrain-batch-size", &o->retrain.batch_size, preset == "paper" ? 1024 : p.batch);
  set("retrain-warmup-epochs", &o->retrain.warmup_epochs, p.warmup);
  set("retrain-limit", &o->retrain.limit, p.retrain_limit);
  set("finetune-limit", &o->finetune1.limit, p.ft_limit);
  set("shrink-samples", &o->shrink_samples, p.shrink_samples);
  set("bias-archs", &o->bias_archs, p.bias_archs);
  set("repetitions", &o->profile.repetitions, p.profile_reps);
  set("min-time", &o->profile.min_time_ms, p.profile_min_ms);
  set("statistic", &o->profile.statistic, Statistic::kMin);
  set("bn-images", &o->eval.bn_images, p.bn_images);
  set("valid-images", &o->eval.valid_images, p.valid_images);
  set("strategy", &o->strategy, std::string(p.strategy));
  set("rerank", &o->rerank, p.rerank);
  set("calibrate", &o->calibrate, p.calibrate);
  set("latency-check", &o->latency_check, p.latency_check);
  set("latency-rounds", &o->latency_rounds, p.latency_rounds);
  set("rerank-epochs", &o->rerank_train.epochs, p.rerank_epochs);
  set("rerank-batch-size", &o->rerank_train.batch_size, p.rerank_batch);
  set("rerank-limit", &o->rerank_train.limit, p.rerank_limit);
  set("rerank-lr", &o->rerank_train.lr, p.retrain_lr);
  // Calibration trains like the presets' re-ranking, but on its own flags:
  // a longer re-ranking (closer to the final retraining) must not discard
  // the calibration trainings a resumed or reused run already holds.
  set("calibrate-epochs", &o->calibrate_train.epochs, p.rerank_epochs);
  set("calibrate-batch-size", &o->calibrate_train.batch_size, p.rerank_batch);
  set("calibrate-limit", &o->calibrate_train.limit, p.rerank_limit);
  set("calibrate-lr", &o->calibrate_train.lr, p.retrain_lr);
  set("baseline-widths", &o->baseline_widths, p.baselines);
  set("mbv2-widths", &o->mbv2_widths, p.mbv2);
  if (preset == "smoke") o->profile.warmup_ms = std::min(o->profile.warmup_ms, 1.0);
  // Fine-tuning shares the supernet's batch size; one --finetune-epochs and
  // --finetune-limit for both stages.
  o->finetune2.epochs = o->finetune1.epochs;
  o->finetune2.limit = o->finetune1.limit;
  for (TrainOptions* t : {&o->finetune1, &o->finetune2}) t->batch_size = o->supernet.batch_size;
}

std::string pipeline_config_yaml(const PipelineOptions& o, const std::string& preset) {
  YAML::Emitter y;
  y << YAML::BeginMap;
  auto kv = [&](const std::string& k, const auto& v) { y << YAML::Key << k << YAML::Value << v; };
  y << YAML::Key << "run" << YAML::Value << YAML::BeginMap;
  kv("preset", preset);
  kv("space", o.common.space);
  kv("dataset", o.common.dataset);
  kv("run-dir", o.common.run_dir);
  kv("threads", o.common.exec.threads);
  kv("jobs", o.common.exec.jobs);
  kv("seed", o.common.exec.seed);
  kv("valid-per-class", o.common.valid_per_class);
  kv("target", o.target);
  if (!o.reuse.empty()) kv("reuse", o.reuse);
  if (o.latency_ms > 0) kv("latency", format_number(o.latency_ms) + "ms");
  kv("objective", o.objective);
  kv("strategy", o.strategy);
  kv("bias-archs", o.bias_archs);
  kv("repetitions", o.profile.repetitions);
  kv("min-time", format_number(o.profile.min_time_ms) + "ms");
  kv("statistic", to_string(o.profile.statistic));
  kv("epochs", o.supernet.epochs);
  kv("batch-size", o.supernet.batch_size);
  kv("lr", o.supernet.lr);
  kv("weight-decay", o.supernet.weight_decay);
  kv("label-smoothing", o.supernet.label_smoothing);
  kv("limit", o.supernet.limit);
  kv("finetune-epochs", o.finetune1.epochs);
  kv("finetune-lr1", o.finetune1.lr);
  kv("finetune-lr2", o.finetune2.lr);
  kv("finetune-limit", o.finetune1.limit);
  kv("no-shrink", !o.shrink);
  kv("shrink-samples", o.shrink_samples);
  kv("bn-images", o.eval.bn_images);
  kv("valid-images", o.eval.valid_images);
  // The flags add_train_options(cmd, &t, prefix) declares.
  auto train_kv = [&](const std::string& prefix, const TrainOptions& t) {
    kv(prefix + "epochs", t.epochs);
    kv(prefix + "batch-size", t.batch_size);
    kv(prefix + "lr", t.lr);
    kv(prefix + "warmup-epochs", t.warmup_epochs);
    kv(prefix + "weight-decay", t.weight_decay);
    kv(prefix + "limit", t.limit);
  };
  train_kv("retrain-", o.retrain);
  kv("retrain-seeds", o.retrain_seeds);
  kv("calibrate", o.calibrate);
  train_kv("calibrate-", o.calibrate_train);
  kv("latency-check", o.latency_check);
  kv("latency-rounds", o.latency_rounds);
  kv("widen", o.widen);
  kv("rerank", o.rerank);
  kv("rerank-apart", o.rerank_apart);
  train_kv("rerank-", o.rerank_train);
  y << YAML::Key << "baseline-widths" << YAML::Value << YAML::Flow << o.baseline_widths;
  y << YAML::Key << "mbv2-widths" << YAML::Value << YAML::Flow << o.mbv2_widths;
  y << YAML::EndMap << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

namespace {

using SteadyClock = std::chrono::steady_clock;

/// Wall time per stage, summed over every invocation of a resumed run.
class StageClock {
 public:
  explicit StageClock(const RunDir& run) : run_(run) {
    if (run.has("stages.json")) seconds_ = json::parse(run.read("stages.json"));
  }
  template <class Fn>
  auto time(const std::string& name, int index, int total, const std::string& what, Fn&& fn) {
    std::fprintf(stderr, "\n== [%d/%d] %s ==\n", index, total, what.c_str());
    const auto t0 = SteadyClock::now();
    auto result = fn();
    const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    seconds_[name] = seconds_.value(name, 0.0) + s;
    run_.write("stages.json", seconds_.dump(2));
    return result;
  }
  const json& seconds() const { return seconds_; }

 private:
  const RunDir& run_;
  json seconds_ = json::object();
};

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
  /// Drops what was measured on an older `weights`: trained again (its
  /// files deleted, or a shrinking that chose other ops), the same name
  /// holds other weights.
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

/// measured.json: on-device measurements of final networks, by arch text.
json read_measured(const RunDir& run) {
  return run.has("measured.json") ? json::parse(run.read("measured.json")) : json::object();
}

/// The measurement of `arch` on `target` in `measured` (read_measured()), if any.
std::optional<Timing> cached_measurement(const json& measured, const Target& target, const SearchSpace& space,
                                         const Arch& arch) {
  const std::string key = space.format(arch);
  if (!measured.contains(key) || measured[key].value("target", "") != target.info().id()) return std::nullopt;
  return Timing::from_json(measured[key]["timing"], "measured.json");
}

/// A process that has trained for minutes times the same network slower
/// than a fresh one (the default run's searched net: 4.49 ms after
/// training, 3.94 ms in a new process; docs/benchmarks/pipeline.md), so a
/// local target measures the final networks in a fresh process: this
/// command again with --resume, which skips every finished stage.
void measure_in_fresh_process(const std::vector<std::string>& command_line) {
  std::vector<std::string> args = command_line;
  if (std::find(args.begin(), args.end(), "--resume") == args.end()) args.push_back("--resume");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  setenv("HWNAS_FRESH_PROCESS", "1", 1);
  std::fprintf(stderr, "measuring in a fresh process: %s\n", join(args, " ").c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "hwnas: warning: could not start a fresh process (%s); measuring in this one\n",
               std::strerror(errno));
}

/// The final networks' measurements: from measured.json, or taken now and
/// added to it. Networks not yet measured, and those with `again[i]` set,
/// are timed in `rounds` round-robin passes and each keeps its least disturbed
/// timing, so a burst of load on a shared machine cannot fall on all the
/// repetitions of one network.
std::vector<Timing> measure_finals(const RunDir& run, Target& target, const std::vector<SpaceArch>& nets,
                                   const ProfileOptions& popt, const std::vector<bool>& again = {}, int rounds = 3) {
  json m = read_measured(run);
  std::vector<std::optional<Timing>> t(nets.size());
  for (size_t i = 0; i < nets.size(); ++i) t[i] = cached_measurement(m, target, *nets[i].first, nets[i].second);
  std::vector<size_t> todo;
  std::vector<SpaceArch> todo_nets;
  for (size_t i = 0; i < nets.size(); ++i)
    if ((i < again.size() && again[i]) || !t[i]) {
      todo.push_back(i);
      todo_nets.push_back(nets[i]);
    }
  ProfileOptions longer = popt;
  longer.repetitions = std::max(popt.repetitions, 11);  // final numbers: more repetitions
  const std::vector<Timing> now = todo.empty() ? std::vector<Timing>{} : measure_round_robin(target, todo_nets, longer, rounds);
  for (size_t k = 0; k < todo.size(); ++k) {
    const size_t i = todo[k];
    t[i] = t[i] ? less_disturbed(*t[i], now[k], popt.statistic) : now[k];
    m[nets[i].first->format(nets[i].second)] = {{"target", target.info().id()}, {"timing", t[i]->to_json()}};
  }
  if (!todo.empty()) run.write("measured.json", m.dump(2));
  std::vector<Timing> out;
  for (const auto& x : t) out.push_back(*x);
  return out;
}

/// --reuse: copies the budget-independent work of run directory `from` that
/// `run` lacks: the latency table, the supernet before shrinking and the
/// retrained baselines. The stages then check their settings as on --resume.
void reuse_from(const std::string& from, const RunDir& run) {
  namespace fs = std::filesystem;
  HWNAS_CHECK(fs::is_directory(from), "--reuse ", from, ": not a run directory");
  HWNAS_CHECK(fs::exists(fs::path(from) / "lut.json") || fs::exists(fs::path(from) / "supernet.pt"), "--reuse ", from,
              ": has neither lut.json nor supernet.pt; nothing to reuse");
  std::vector<std::string> names = {"lut.json", "supernet.pt", "supernet.json"};
  for (const auto& e : fs::directory_iterator(from)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("baseline_", 0) == 0 && (e.path().extension() == ".pt" || e.path().extension() == ".json"))
      names.push_back(n);
  }
  std::vector<std::string> copied;
  for (const std::string& n : names) {
    const fs::path src = fs::path(from) / n;
    if (!fs::exists(src) || run.has(n)) continue;
    std::error_code ec;
    fs::copy_file(src, run.file(n), ec);
    HWNAS_CHECK(!ec, "--reuse: cannot copy ", src.string(), " to ", run.file(n), ": ", ec.message());
    copied.push_back(n);
  }
  std::fprintf(stderr, "reusing from %s: %s\n", from.c_str(), copied.empty() ? "nothing new" : join(copied, ", ").c_str());
}

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

/// A hand-designed baseline: every layer `op_name` at the width factor
/// nearest `w` (k3 = uniform ShuffleNetV2, mb3e6 = MobileNetV2).
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

/// Probes of the machine's speed: the first `n` bias archs the table timed
/// at profiling, timed again beside other networks. Their ratio to the
/// profile time says how much of a difference is the machine's (shared
/// hosts drift by 10% in minutes), not the model's.
struct SpeedProbes {
  std::vector<Arch> archs;
  std::vector<double> then_ms;  ///< each probe's timing at profiling
  SpeedProbes(const SearchSpace& space, const Lut& lut, uint64_t seed, int n, Statistic statistic)
      : statistic_(statistic) {
    for (const Arch& a : fit_archs(space, seed, n)) {
      const auto it = lut.archs.find(space.format(a));
      if (it == lut.archs.end()) continue;
      archs.push_back(a);
      then_ms.push_back(it->second.value_ms(statistic));
    }
  }
  /// Median ratio - 1 of the probes' timings now (`now[first + k]` for probe
  /// k) to then; NaN without probes.
  double drift(const std::vector<Timing>& now, size_t first) const {
    std::vector<double> ratios;
    for (size_t k = 0; k < then_ms.size(); ++k) ratios.push_back(now[first + k].value_ms(statistic_) / then_ms[k]);
    return ratios.empty() ? std::nan("") : median(ratios) - 1;
  }

 private:
  Statistic statistic_;
};

/// End-to-end latency of each of `archs` on the target, for the latency
/// check. A local target is timed in a child process (hwnas latency
/// measure): this one has trained and evaluated for minutes, and such a
/// process times networks slower (see measure_in_fresh_process). As in the
/// measure stage, three of the table's bias archs are timed beside them as
/// probes of the machine's speed: when they run over 5% slower than at
/// profiling, or an arch's repetitions spread far above their minimum,
/// everything is timed again after 5 s (at most 3 attempts), each arch
/// keeping its least disturbed timing. A drift that outlasts the attempts is
/// reported, not divided out: the measure stage reports what the target
/// does, so the check must pick by the same clock (session 8 divided, and at
/// 3 ms its pick read 2.970 ms in the check and 3.156 ms in the measure
/// stage). Timings are kept in `cache` (arch text -> ms; latency_check.json)
/// for --resume.
std::vector<double> check_latencies(const PipelineOptions& o, const RunDir& run, const SearchSpace& space,
                                    const Lut& lut, Target& target, const std::vector<Arch>& archs, json* cache) {
  std::vector<Arch> todo;
  for (const Arch& a : archs)
    if (!cache->contains(space.format(a))) todo.push_back(a);
  if (!todo.empty()) {
    std::fprintf(stderr, "latency check: timing %zu new of %zu archs on %s\n", todo.size(), archs.size(),
                 target.info().id().c_str());
    const SpeedProbes probes(space, lut, o.common.exec.seed, std::min(3, o.bias_archs), o.profile.statistic);
    std::vector<Arch> nets = todo;
    nets.insert(nets.end(), probes.archs.begin(), probes.archs.end());
    auto time_all = [&]() -> std::vector<Timing> {
      if (target.info().kind != "local-torch" || o.command_line.empty()) {
        std::vector<SpaceArch> pairs;
        for (const Arch& a : nets) pairs.push_back({&space, a});
        return measure_round_robin(target, pairs, o.profile, 2);
      }
      // This binary by its own path: in the shell popen starts, /proc/self/exe is the shell.
      const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
      std::string cmd = str_cat("'", exe, "' latency measure --json --rounds 2 --lut '", run.file("lut.json"),
                                "' --space '", o.common.space, "' --target '", o.target, "'");
      for (const Arch& a : nets) cmd += " " + space.format(a);
      std::fflush(stderr);
      FILE* pipe = popen(cmd.c_str(), "r");
      HWNAS_CHECK(pipe != nullptr, "latency check: could not start hwnas latency measure: ", std::strerror(errno));
      std::string out;
      char buf[4096];
      for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
      const int status = pclose(pipe);
      HWNAS_CHECK(status == 0, "latency check: hwnas latency measure failed (status ", status, ")");
      const json result = json::parse(out);
      std::vector<Timing> t;
      for (const json& row : result.at("archs")) t.push_back(Timing::from_json(row.at("timing"), "hwnas latency measure"));
      HWNAS_CHECK(t.size() == nets.size(), "latency check: hwnas latency measure returned ", t.size(), " timings for ",
                  nets.size(), " archs");
      return t;
    };
    std::vector<Timing> best;
    double drift = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const std::vector<Timing> t = time_all();
      for (size_t i = 0; i < nets.size(); ++i)
        if (attempt == 0) best.push_back(t[i]);
        else best[i] = less_disturbed(best[i], t[i], o.profile.statistic);
      drift = probes.archs.empty() ? 0.0 : probes.drift(best, todo.size());
      int spread = 0;
      for (size_t i = 0; i < todo.size(); ++i) spread += disturbed(best[i]);
      if (drift <= 0.05 && spread == 0) break;
      const std::string why = drift > 0.05 ? str_cat("the bias archs take ", format_ratio(1 + drift), " their time at profiling")
                                           : str_cat(spread, " timings spread far above their minimum");
      if (attempt == 2) {
        std::fprintf(stderr, "hwnas: warning: latency check: still disturbed after 3 attempts (%s)\n", why.c_str());
        break;
      }
      std::fprintf(stderr, "latency check: machine disturbed (%s); timing again in 5 s\n", why.c_str());
      sleep(5);
    }
    if (drift != 0)
      std::fprintf(stderr, "latency check: the bias archs took %s their time at profiling\n", format_ratio(1 + drift).c_str());
    for (size_t i = 0; i < todo.size(); ++i) (*cache)[space.format(todo[i])] = best[i].value_ms(o.profile.statistic);
  }
  std::vector<double> ms;
  for (const Arch& a : archs) ms.push_back((*cache)[space.format(a)].get<double>());
  return ms;
}

/// Trains o.calibrate archs near the budget stand-alone (o.calibrate_train,
/// scored on search-valid), fits the calibration
/// and writes calibration.json. Each training is resumable (calib_<i>.pt).
/// Null when the fit ranks its own archs (left out) no better than the supernet.
std::unique_ptr<CalibratedEvaluator> calibrate_stage(Workspace& ws, const SearchSpace& searched,
                                                     SupernetEvaluator& supernet, const LatencyModel& latency,
                                                     const Objective& objective, const PipelineOptions& o,
                                                     const RunDir& run, std::string* summary) {
  Rng rng = derive_rng(o.common.exec.seed, Stage::kSearch, 1u << 20);  // a stream no generation uses
  const std::vector<Arch> archs = calibration_archs(searched, latency, objective.target_ms(), o.calibrate, rng);
  HWNAS_CHECK(archs.size() >= 4, "calibration: only ", archs.size(), " of ", o.calibrate,
              " archs could be drawn within [0.8 T, T]; raise --latency or turn --calibrate off");
  TrainOptions rr = o.calibrate_train;
  rr.seed = o.common.exec.seed;
  // The supernet (one network, BN recalibrated per arch) scores the archs
  // one at a time; their trainings are independent jobs.
  std::vector<std::vector<double>> features;
  for (size_t i = 0; i < archs.size(); ++i) {
    const double inherited = supernet.accuracy(archs[i]);
    features.push_back(calibration_features(searched, archs[i], inherited));
    std::fprintf(stderr, "calibration arch %zu/%zu (supernet %.2f%%, %.3f ms): %s\n", i + 1, archs.size(), inherited,
                 latency.predict_ms(archs[i]), searched.format(archs[i]).c_str());
  }
  std::vector<double> standalone(archs.size());
  run_jobs(static_cast<int>(archs.size()), o.common.exec.resolved_jobs(), [&](int i) {
    const RetrainResult r = retrain_stage(ws, archs[i], rr, str_cat("calib_", i + 1), o.resume, false, nullptr,
                                          Holdout::kSearchValid);
    HWNAS_CHECK(r.stats.finished, "calibration training calib_", i + 1, " stopped early");
    standalone[i] = r.accuracy;
    std::fprintf(stderr, "calibration arch %d/%zu: %.2f%% on search-valid\n", i + 1, archs.size(), r.accuracy);
  });
  json rows = json::array();
  for (size_t i = 0; i < archs.size(); ++i)
    rows.push_back({{"arch", searched.format(archs[i])},
                    {"predicted_ms", latency.predict_ms(archs[i])},
                    {"features", features[i]},
                    {"search_valid_accuracy", standalone[i]}});
  Calibration c = fit_calibration(features, standalone);
  auto ev = std::make_unique<CalibratedEvaluator>(supernet, searched, c);
  // A fit that ranks unseen archs no better than the supernet is noise: keep the supernet's.
  const bool used = c.tau_leave_one_out > c.tau_inherited;
  *summary = str_cat(used ? ev->describe() : supernet.describe() + ", calibration not used", "; over ", archs.size(),
                     " archs near T, Kendall tau against stand-alone: ",
                     format_number(std::round(c.tau_inherited * 100) / 100), " for the supernet, ",
                     format_number(std::round(c.tau_leave_one_out * 100) / 100), " calibrated (leave-one-out)");
  std::fprintf(stderr, "%s%s\n", used ? "" : "hwnas: warning: ", summary->c_str());
  run.write("calibration.json", json{{"features", calibration_feature_names()},
                                      {"coefficients", c.model.coef()},
                                      {"intercept", c.model.intercept()},
                                      {"tau_supernet", c.tau_inherited},
                                      {"tau_calibrated_leave_one_out", c.tau_leave_one_out},
                                      {"used", used},
                                      {"archs", rows}}
                                     .dump(2));
  return used ? std::move(ev) : nullptr;
}

}  // namespace

void run_pipeline(const PipelineOptions& o) {
  const int kStages = 9;
  auto ws = open_workspace(o.common);
  const RunDir& run = *ws->run;
  const SearchSpace& space = *ws->space;
  if (!o.reuse.empty()) reuse_from(o.reuse, run);
  StageClock clock(run);
  EvalCache cache(run);
  std::unique_ptr<Target> target = make_target(o.target, o.token);
  run.write("target.json", target->info().to_json().dump(2));

  // 1. Hardware model: LUT + B on the target (HSCoNAS Eq. 3, 4).
  const Lut lut = clock.time("profile", 1, kStages, "profile " + space.description + " on " + target->info().id(), [&] {
    SpaceProfileOptions po;
    po.timing = o.profile;
    po.bias_archs = o.bias_archs;
    po.seed = o.common.exec.seed;
    return profile_space(space, o.common.space, *target, run.file("lut.json"), po);
  });
  const LutBiasModel latency(space, lut, lut.bias_ms.value_or(0.0));
  const auto [fastest, slowest] = latency_extremes(space, latency);
  const double lo_ms = latency.predict_ms(fastest), hi_ms = latency.predict_ms(slowest);
  double T = o.latency_ms;
  if (T <= 0) {
    std::vector<double> ms;
    Rng rng = derive_rng(o.common.exec.seed, Stage::kSearch, 999);
    for (int i = 0; i < 1000; ++i) ms.push_back(latency.predict_ms(space.sample(rng)));
    std::nth_element(ms.begin(), ms.begin() + 500, ms.end());
    T = ms[500];
    std::fprintf(stderr, "no --latency given: T = %.3f ms, the median predicted latency of 1000 random archs\n", T);
  }
  HWNAS_CHECK(T >= lo_ms && T <= hi_ms, "latency budget ", format_number(T), " ms is outside what space ",
              space.description, " can reach on ", target->info().id(), ": feasible range ",
              format_number(std::round(lo_ms * 1000) / 1000), " - ", format_number(std::round(hi_ms * 1000) / 1000), " ms");
  std::fprintf(stderr, "latency model %s; feasible %.3f - %.3f ms; budget T = %.3f ms\n", latency.describe().c_str(),
               lo_ms, hi_ms, T);
  const std::unique_ptr<Objective> objective = make_objective_for_budget(o.objective, T);

  auto evaluator_for = [&](std::shared_ptr<NetworkImpl> net, const std::string& weights) {
    auto ev = std::make_unique<SupernetEvaluator>(net, space, ws->split.search_train, ws->split.search_valid,
                                                  ws->norm, o.eval);
    cache.preload(weights, ev.get());
    return ev;
  };

  // 2. Supernet on the full space.
  TrainOptions sn = o.supernet;
  sn.seed = o.common.exec.seed;
  SupernetResult super = clock.time("supernet", 2, kStages, "train supernet", [&] {
    return train_supernet_stage(*ws, sn, "supernet", o.resume);
  });
  HWNAS_CHECK(super.stats.finished, "supernet training stopped early");
  if (!super.reused) cache.forget("supernet.pt");

  // 3-4. Progressive space shrinking (Definition 1) with fine-tuning after each stage.
  std::unique_ptr<SearchSpace> searched = space.clone();
  std::string weights = "supernet.pt";
  std::shared_ptr<NetworkImpl> net = super.supernet;
  std::vector<ShrinkStage> shrink_stages;
  if (o.shrink) {
    const std::vector<std::vector<int>> stage_layers = {o.shrink_stage1, o.shrink_stage2};
    const std::vector<const TrainOptions*> ft = {&o.finetune1, &o.finetune2};
    for (int s = 0; s < 2; ++s) {
      const std::string tag = "shrink" + std::to_string(s + 1);
      ShrinkStage st = clock.time(tag, 3 + s, kStages, str_cat("space shrinking, stage ", s + 1, " (N = ", o.shrink_samples, ")"), [&] {
        auto ev = evaluator_for(net, weights);
        ShrinkStage r = shrink_layers(*searched, stage_layers[s], *ev, latency, *objective, o.shrink_samples,
                                      o.common.exec.seed + s);
        cache.save(weights, *ev);
        return r;
      });
      for (const ShrinkStep& step : st.steps) {
        std::string line;
        for (const SubspaceQuality& q : step.candidates)
          line += str_cat(" ", space.ops[q.op].name, "=", format_number(std::round(q.quality * 100) / 100));
        std::fprintf(stderr, "layer %2d: Q%s -> %s\n", step.layer + 1, line.c_str(), space.ops[step.chosen_op].name.c_str());
      }
      searched = st.space->clone();
      std::vector<const ShrinkStage*> done;
      shrink_stages.push_back(std::move(st));
      for (const ShrinkStage& x : shrink_stages) done.push_back(&x);
      run.write("shrink.json", shrink_json(space, done));
      TrainOptions f = *ft[s];
      f.seed = o.common.exec.seed + 100 + s;
      const std::string name = "supernet_" + tag;
      SupernetResult tuned = clock.time("finetune" + std::to_string(s + 1), 3 + s, kStages,
                                        "fine-tune the supernet inside the shrunk space", [&] {
        return train_supernet_stage(*ws, f, name, o.resume, searched.get(), weights);
      });
      HWNAS_CHECK(tuned.stats.finished, "fine-tuning stopped early");
      if (!tuned.reused) cache.forget(name + ".pt");
      net = tuned.supernet;
      weights = name + ".pt";
    }
  }

  // 5. Evolutionary search under T (Algorithm 1) in the shrunk space,
  // optionally on a calibrated accuracy (search/calibration.h).
  const std::unique_ptr<Strategy> strategy = make_strategy(o.strategy);
  std::string calibration_line, latency_check_line;
  int checked_pick = -1;  ///< the latency check's pick, an index into the final history
  // The model the search uses: the table's B, or B refitted by the latency check.
  auto search_latency = std::make_unique<LutBiasModel>(space, lut, latency.bias_ms());
  // The latency check's timings (arch text -> ms) and rounds, latency_check.json.
  json measured_cache = json::object(), rounds = json::array();
  if (run.has("latency_check.json")) measured_cache = json::parse(run.read("latency_check.json")).value("measured", json::object());
  auto write_latency_check = [&] {
    run.write("latency_check.json", json{{"budget_ms", T}, {"rounds", rounds}, {"measured", measured_cache}}.dump(2));
  };
  // The search's accuracy: the supernet's, or calibrated (kept for widening).
  std::unique_ptr<SupernetEvaluator> supernet_ev;
  std::unique_ptr<CalibratedEvaluator> calibrated;
  Evaluator* ev = nullptr;
  History history = clock.time("search", 5, kStages, "search: " + strategy->describe(), [&] {
    supernet_ev = evaluator_for(net, weights);
    ev = supernet_ev.get();
    if (o.calibrate > 0) {
      calibrated = calibrate_stage(*ws, *searched, *supernet_ev, latency, *objective, o, run, &calibration_line);
      cache.save(weights, *supernet_ev);
      if (calibrated) ev = calibrated.get();
    }
    SearchOptions so;
    so.seed = o.common.exec.seed;
    SearchCallbacks cb;
    cb.on_generation = [&](const History& h) {
      cache.save(weights, *supernet_ev);
      h.write_csv(run.file("search.csv"));
      const int b = h.best_feasible_index();
      std::fprintf(stderr, "generation %d: %d archs evaluated, best feasible %s\n", h.generation(), h.size(),
                   b < 0 ? "none yet" : str_cat(format_number(std::round(h.at(b).accuracy * 100) / 100), "% at ",
                                                 format_number(std::round(h.at(b).latency_ms * 1000) / 1000), " ms").c_str());
      return false;
    };
    // The latency check: time the search's best candidates and pick by
    // measured latency; when the model is off on them, B is refitted on
    // them (Eq. 4 near the solution) and the search runs again with it.
    History h;
    for (int round = 1;; ++round) {
      h = strategy->search(*searched, *ev, *search_latency, *objective, so, cb);
      cache.save(weights, *supernet_ev);
      h.write_csv(run.file("search.csv"));
      if (o.latency_check == 0) break;
      if (o.latency_rounds > 1) h.write_csv(run.file(str_cat("search_round", round, ".csv")));
      const std::vector<int> cands = rerank_candidates(h, o.latency_check, 1);  // the pick first
      std::vector<Arch> archs;
      for (int i : cands) archs.push_back(h.at(i).arch);
      const std::vector<double> ms = check_latencies(o, run, space, lut, *target, archs, &measured_cache);
      // Re-score the candidates with their measured latency; the best
      // measured within T (else the best score) becomes the pick.
      std::vector<double> gaps, accuracy;
      json rows = json::array();
      for (size_t i = 0; i < archs.size(); ++i) {
        const SearchRecord& c = h.at(cands[i]);
        gaps.push_back(ms[i] - search_latency->sum_ms(archs[i]));
        accuracy.push_back(c.accuracy);
        rows.push_back({{"arch", c.arch_text}, {"accuracy", c.accuracy}, {"predicted_ms", c.latency_ms},
                        {"measured_ms", ms[i]}, {"score_measured", objective->score(c.accuracy, ms[i])}});
      }
      const int chosen = pick_by_objective(accuracy, ms, *objective);
      checked_pick = cands[chosen];
      const double local_b = median(gaps), miss = ms[chosen] / T - 1;
      const double model_off = (local_b - search_latency->bias_ms()) / T;
      std::fprintf(stderr, "latency check, round %d: the search's pick is predicted %.3f ms, measured %.3f ms; by measured "
                   "latency candidate %d wins: %.3f ms (%+.1f%% vs T); B near them %.4f ms (the model's %.4f ms)\n",
                   round, h.at(cands[0]).latency_ms, ms[0], chosen + 1, ms[chosen], 100 * miss, local_b,
                   search_latency->bias_ms());
      rounds.push_back({{"round", round}, {"model", search_latency->describe()}, {"chosen", chosen + 1},
                        {"model_off_share_of_T", model_off},
                        {"chosen_measured_ms", ms[chosen]}, {"miss", miss}, {"local_bias_ms", local_b}, {"archs", rows}});
      write_latency_check();
      // Search again only when the model is off near the solution: a pick
      // far from T that the model predicted well is the objective's choice
      // (Eq. 2 trades latency for accuracy), and the same model would
      // search the same way.
      const bool model_ok = std::fabs(model_off) <= 0.025;
      if (model_ok || round >= o.latency_rounds) {
        latency_check_line = str_cat(round, round == 1 ? " search" : " searches", "; its best ", archs.size(),
                                     " archs timed on the target, candidate ", chosen + 1, " picked at ",
                                     format_number(std::round(ms[chosen] * 1000) / 1000), " ms (",
                                     miss >= 0 ? "+" : "", format_number(std::round(miss * 1000) / 10),
                                     "% vs T); the model ", model_ok ? "within" : "still off by more than",
                                     " 2.5% of T on them (`latency_check.json`)");
        break;
      }
      std::fprintf(stderr, "latency check: searching again with B = %.4f ms\n", local_b);
      search_latency = std::make_unique<LutBiasModel>(space, lut, local_b);
    }
    return h;
  });
  int best_i = checked_pick >= 0 ? checked_pick : history.best_feasible_index();
  if (best_i < 0) {
    // Keep the run useful: take the best Eq. 2 score (the closest trade-off)
    // and say loudly that it misses the budget.
    best_i = history.best_index();
    std::fprintf(stderr, "hwnas: warning: no evaluated arch is predicted within %.3f ms; continuing with the best-scoring "
                 "one (%.3f ms); raise the search budget (--strategy) or --latency\n", T, history.at(best_i).latency_ms);
  }

  // The archs that go on: the re-ranking's candidates, or the pick alone.
  std::vector<SearchRecord> candidates;
  if (o.rerank > 1)
    for (int i : rerank_candidates(history, o.rerank, o.rerank_apart)) candidates.push_back(history.at(i));
  else
    candidates.push_back(history.at(best_i));
  // Their latency: measured by the latency check, else the search's prediction.
  std::vector<double> latency_ms;
  for (const SearchRecord& c : candidates) latency_ms.push_back(c.latency_ms);
  auto time_candidates = [&] {
    if (o.latency_check == 0) return;
    std::vector<Arch> archs;
    for (const SearchRecord& c : candidates) archs.push_back(c.arch);
    latency_ms = check_latencies(o, run, space, lut, *target, archs, &measured_cache);
    write_latency_check();
  };

  // 5b. Widen: spend what the pick leaves of T on channels (search/widen.h).
  std::vector<WidenRow> widened;
  if (o.widen) {
    clock.time("widen", 5, kStages, str_cat("widen ", candidates.size(), candidates.size() == 1 ? " arch" : " archs",
                                            " to the budget"), [&] {
      auto record = [&](const Arch& a) { return score_arch(space, a, *ev, *search_latency, *objective); };
      for (SearchRecord& c : candidates) {
        widened.push_back({c, {}, std::nan("")});
        c = record(widen_to_budget(*searched, c.arch, *search_latency, T));
      }
      time_candidates();
      // A widened arch over T, or over 2.5% under it, is widened again from
      // the original, with B refitted on it (the table's miss is per arch:
      // session 8), and kept when it measures within T or closer to it.
      if (o.latency_check > 0) {
        for (size_t i = 0; i < candidates.size(); ++i) {
          if (!widen_again(latency_ms[i], T)) continue;
          const LutBiasModel refit(space, lut, latency_ms[i] - search_latency->sum_ms(candidates[i].arch));
          const Arch again = space.canonical(widen_to_budget(*searched, widened[i].original.arch, refit, T));
          if (again == candidates[i].arch) continue;
          const double ms = check_latencies(o, run, space, lut, *target, {again}, &measured_cache)[0];
          write_latency_check();
          const bool better = ms <= T ? (latency_ms[i] > T || ms > latency_ms[i]) : ms < latency_ms[i];
          std::fprintf(stderr, "widen: candidate %zu measured %.3f ms; widened again with B = %.4f ms: %.3f ms (%s)\n",
                       i + 1, latency_ms[i], refit.bias_ms(), ms, better ? "kept" : "dropped");
          if (better) {
            candidates[i] = record(again);
            latency_ms[i] = ms;
          }
        }
      }
      cache.save(weights, *supernet_ev);
      for (size_t i = 0; i < candidates.size(); ++i) {
        widened[i].widened = candidates[i];
        widened[i].measured_ms = o.latency_check > 0 ? latency_ms[i] : std::nan("");
        std::fprintf(stderr, "widen: candidate %zu, mean width %.2f -> %.2f, predicted %.3f -> %.3f ms%s\n", i + 1,
                     mean_width(space, widened[i].original.arch), mean_width(space, candidates[i].arch),
                     widened[i].original.latency_ms, candidates[i].latency_ms,
                     o.latency_check > 0 ? str_cat(", measured ", format_number(std::round(latency_ms[i] * 1000) / 1000),
                                                   " ms").c_str() : "");
      }
      return 0;
    });
  } else if (o.rerank > 1) {
    time_candidates();
  }
  int pick = 0;  ///< index into candidates: the re-ranking's pick, else the (widened) search pick
  if (o.widen && o.rerank <= 1 && o.latency_check > 0 && latency_ms[0] > T * 1.05)
    std::fprintf(stderr, "hwnas: warning: the widened pick measures %.3f ms, over T\n", latency_ms[0]);

  // 6. Re-rank: a supernet trained for minutes ranks archs poorly, so the
  // best few candidates are trained stand-alone for a moment on search-train
  // and scored on search-valid (the test set stays unseen until step 7).
  // With the latency check on, they are scored with their measured latency.
  std::vector<RerankRow> reranked;
  if (o.rerank > 1) {
    TrainOptions rr = o.rerank_train;
    rr.seed = o.common.exec.seed;
    clock.time("rerank", 6, kStages,
               str_cat("re-rank the search's best ", candidates.size(), " archs by stand-alone training"), [&] {
                 for (size_t i = 0; i < candidates.size(); ++i) {
                   const SearchRecord& c = candidates[i];
                   std::fprintf(stderr, "candidate %zu (supernet %.2f%%, %.3f ms): %s\n", i + 1, c.accuracy,
                                c.latency_ms, c.arch_text.c_str());
                   reranked.push_back({c, std::nan(""), latency_ms[i], std::nan("")});
                 }
                 run_jobs(static_cast<int>(candidates.size()), o.common.exec.resolved_jobs(), [&](int i) {
                   const RetrainResult r = retrain_stage(*ws, candidates[i].arch, rr, str_cat("rerank_", i + 1),
                                                         o.resume, false, nullptr, Holdout::kSearchValid);
                   HWNAS_CHECK(r.stats.finished, "re-ranking training rerank_", i + 1, " stopped early");
                   reranked[i].standalone_accuracy = r.accuracy;
                   reranked[i].score = objective->score(r.accuracy, latency_ms[i]);
                   std::fprintf(stderr, "candidate %d: %.2f%% on search-valid, score %.2f\n", i + 1, r.accuracy,
                                reranked[i].score);
                 });
                 return 0;
               });
    std::vector<double> accuracy;
    for (const RerankRow& r : reranked) accuracy.push_back(r.standalone_accuracy);
    pick = pick_by_objective(accuracy, latency_ms, *objective);
    reranked[pick].chosen = true;
    std::ostringstream csv;
    csv << "candidate,arch,supernet_accuracy,predicted_ms,search_score,measured_ms,standalone_accuracy,score,chosen\n";
    for (size_t i = 0; i < reranked.size(); ++i) {
      const SearchRecord& c = reranked[i].candidate;
      csv << i + 1 << ",\"" << c.arch_text << "\"," << c.accuracy << "," << c.latency_ms << "," << c.score << ",";
      if (o.latency_check > 0) csv << latency_ms[i];
      csv << "," << reranked[i].standalone_accuracy << "," << reranked[i].score << "," << reranked[i].chosen << "\n";
    }
    run.write("rerank.csv", csv.str());
    std::fprintf(stderr, "re-ranking picks candidate %d%s\n", pick + 1,
                 (o.widen ? widened[pick].original : candidates[pick]).arch_text == history.at(best_i).arch_text
                     ? ", the search's own pick" : "");
  }
  if (!widened.empty()) {
    std::ostringstream csv;
    csv << "candidate,predicted_ms,mean_width,widened_predicted_ms,widened_mean_width,measured_ms,chosen,arch,"
           "widened_arch\n";
    for (size_t i = 0; i < widened.size(); ++i) {
      const WidenRow& w = widened[i];
      csv << i + 1 << "," << w.original.latency_ms << "," << mean_width(space, w.original.arch) << ","
          << w.widened.latency_ms << "," << mean_width(space, w.widened.arch) << ",";
      if (!std::isnan(w.measured_ms)) csv << w.measured_ms;
      csv << "," << (static_cast<int>(i) == pick) << ",\"" << w.original.arch_text << "\",\"" << w.widened.arch_text
          << "\"\n";
    }
    run.write("widen.csv", csv.str());
  }
  const SearchRecord best = candidates[pick];

  // 7. Retrain the best arch and the baselines from scratch.
  TrainOptions rt = o.retrain;
  rt.seed = o.common.exec.seed;
  struct Final {
    std::string name, label;
    const SearchSpace* space;
    Arch arch;
    int family;  ///< 0 ShuffleNetV2, 1 searched, 2 MobileNetV2 (pareto.csv)
    RetrainResult result;       ///< the first seed's training (its weights, parameters)
    std::vector<double> accuracies;  ///< test accuracy of each seed's training
    Timing measured;
  };
  const std::unique_ptr<SearchSpace> mbv2 = mobilenetv2_space(space);
  std::vector<Final> finals;
  finals.push_back({"final", "searched (HSCoNAS)", &space, best.arch, 1, {}, {}, {}});
  for (double w : o.baseline_widths)
    finals.push_back({"baseline_shufflenetv2_w" + format_number(w), "ShuffleNetV2 x" + format_number(w), &space,
                      uniform_width(space, "k3", w), 0, {}, {}, {}});
  for (double w : o.mbv2_widths)
    finals.push_back({"baseline_mobilenetv2_w" + format_number(w), "MobileNetV2 x" + format_number(w), mbv2.get(),
                      uniform_width(*mbv2, "mb3e6", w), 2, {}, {}, {}});
  // One training is noisy (two points on the default preset's data), so
  // --retrain-seeds N trains every network N times, seeds seed..seed+N-1;
  // every network's first seed comes before any second, so an interrupted
  // run already holds a full comparison. Seeds past the first are files
  // <name>_seed<S>.
  const int seeds = o.retrain_seeds;
  clock.time("retrain", 7, kStages,
             str_cat("retrain ", finals.size(), " networks from scratch", seeds > 1 ? str_cat(", ", seeds, " seeds each") : ""),
             [&] {
               for (Final& f : finals) f.accuracies.assign(seeds, std::nan(""));
               const int n = static_cast<int>(finals.size());
               // Independent trainings, one job each, every first seed first.
               run_jobs(n * seeds, o.common.exec.resolved_jobs(), [&](int job) {
                 const int k = job / n;
                 Final& f = finals[job % n];
                 TrainOptions rk = rt;
                 rk.seed = o.common.exec.seed + k;
                 std::fprintf(stderr, "%s%s: %s\n", f.label.c_str(),
                              seeds > 1 ? str_cat(" (seed ", rk.seed, ")").c_str() : "",
                              f.space->format(f.arch).c_str());
                 const std::string name = k == 0 ? f.name : str_cat(f.name, "_seed", rk.seed);
                 const RetrainResult r = retrain_stage(*ws, f.arch, rk, name, o.resume, false, f.space);
                 HWNAS_CHECK(r.stats.finished, "retraining ", name, " stopped early");
                 if (k == 0) f.result = r;
                 f.accuracies[k] = r.accuracy;
               });
               return 0;
             });

  // 8. Measure every final network on the target.
  std::vector<SpaceArch> nets;
  for (const Final& f : finals) nets.push_back({f.space, f.arch});
  const SpeedProbes probes(space, lut, o.common.exec.seed, std::min(5, o.bias_archs), o.profile.statistic);
  for (const Arch& a : probes.archs) nets.push_back({&space, a});
  const json measured = read_measured(run);
  auto cached = [&](size_t begin, size_t end) {
    return std::all_of(nets.begin() + begin, nets.begin() + end, [&](const auto& n) {
      return cached_measurement(measured, *target, *n.first, n.second).has_value();
    });
  };
  if (!cached(0, finals.size()) && target->info().kind == "local-torch" && !o.command_line.empty() &&
      std::getenv("HWNAS_FRESH_PROCESS") == nullptr)
    measure_in_fresh_process(o.command_line);
  const bool all_cached = cached(0, nets.size());
  double drift = std::nan("");
  clock.time("measure", 8, kStages, "measure on " + target->info().id(), [&] {
    // A machine that runs the probes more than 5% slower than at profiling
    // is in a burst of load, and so is one whose repetitions of a final
    // network spread far above their minimum (the 6 ms net of session 4
    // read 6.17 ms with a median of 8.9 ms; quiet, it takes 5.57 ms). Then
    // wait and time them again (at most twice), each network keeping its
    // least disturbed timing. A spread that stays while no minimum
    // drops by 2% more is the machine's floor: retrying would not move it.
    std::vector<Timing> t, before;
    std::string why;           ///< what made the last attempt look disturbed
    for (int attempt = 0; attempt < (all_cached ? 1 : 3); ++attempt) {
      if (attempt > 0) {
        std::fprintf(stderr, "%s; timing again in 5 s\n", why.c_str());
        sleep(5);
      }
      // The first attempt takes cached timings; later ones re-time every network.
      t = measure_finals(run, *target, nets, o.profile, std::vector<bool>(nets.size(), attempt > 0));
      drift = probes.drift(t, finals.size());
      const bool slow = drift > 0.05;
      // Another attempt re-times every network, not only the spread ones: a
      // slow window can fall on a network whose repetitions look quiet, and
      // the probes re-timed beside the others would not see it (session 9,
      // 3 ms: the searched net read 4.411 ms at cv 3.3% in a first attempt
      // and was kept while the two spread baselines were re-timed; the
      // latency check had read 2.737 ms, and a second measure stage 2.718 ms).
      std::vector<std::string> spread;
      for (size_t i = 0; i < finals.size(); ++i)
        if (disturbed(t[i])) spread.push_back(str_cat(finals[i].label, " ", format_ratio(t[i].median_ms / t[i].min_ms)));
      const bool settled = !before.empty() && [&] {
        for (size_t i = 0; i < finals.size(); ++i)
          if (t[i].value_ms(o.profile.statistic) < 0.98 * before[i].value_ms(o.profile.statistic)) return false;
        return true;
      }();
      why.clear();
      if (slow)
        why = str_cat("machine speed: the bias archs take ", format_ratio(1 + drift), " their time at profiling");
      else if (!spread.empty() && !settled)
        why = str_cat("disturbed timing (median over minimum): ", join(spread, ", "));
      if (why.empty()) break;
      before = t;
    }
    if (!why.empty() && !all_cached)
      std::fprintf(stderr, "hwnas: warning: still disturbed after 3 attempts (%s); the measured latencies may read high\n",
                   why.c_str());
    for (size_t i = 0; i < finals.size(); ++i) {
      Final& f = finals[i];
      f.measured = t[i];
      std::fprintf(stderr, "%-28s measured %8.3f ms (cv %.1f%%)\n", f.label.c_str(), f.measured.value_ms(o.profile.statistic),
                   100 * f.measured.cv);
    }
    if (!std::isnan(drift)) {
      std::fprintf(stderr, "machine speed: %zu of the table's bias archs, timed again, take %s their time at profiling (median)\n",
                   probes.archs.size(), format_ratio(1 + drift).c_str());
    }
    return 0;
  });

  // 9. Report.
  ReportInput rep;
  rep.space = &space;
  rep.searched_space = searched.get();
  rep.target = target->info();
  rep.dataset = o.common.dataset;
  rep.latency_budget_ms = T;
  rep.feasible_lo_ms = lo_ms;
  rep.feasible_hi_ms = hi_ms;
  rep.latency_model = search_latency->bias_ms() == latency.bias_ms()
                          ? latency.describe()
                          : str_cat(search_latency->describe(), " (B refitted by the latency check; the baselines are "
                                    "predicted with the table's ", latency.describe(), ")");
  rep.latency_check = latency_check_line;
  rep.drift_since_profile = drift;
  rep.retrain_seeds = seeds;
  rep.first_seed = o.common.exec.seed;
  rep.objective = objective->describe();
  rep.strategy = strategy->describe();
  rep.history = &history;
  rep.rerank = reranked;
  rep.widen = widened;
  rep.calibration = calibration_line;
  rep.rerank_training = str_cat(o.rerank_train.epochs, o.rerank_train.epochs == 1 ? " epoch" : " epochs", " over ",
                                o.rerank_train.limit > 0 ? str_cat(o.rerank_train.limit, " ") : std::string("all "),
                                "search-train images, batch ", o.rerank_train.batch_size);
  rep.shrink_log10_sizes = {space.size().distinct_log10};
  for (const ShrinkStage& st : shrink_stages) rep.shrink_log10_sizes.push_back(st.log10_size_after);
  for (const Final& f : finals) {
    ReportNet n;
    n.label = f.label;
    n.space = f.space;
    n.family = f.family;
    n.arch = f.arch;
    n.test_accuracies = f.accuracies;
    n.parameters = f.result.parameters;
    n.macs = arch_cost(*f.space, f.arch).macs;
    // The LUT covers this space's ops only; MobileNetV2 is measured, not
    // predicted. The searched net is predicted by the model it was searched
    // with; the baselines by the table's, whose B was fitted over the space:
    // a B the latency check refitted near the pick fits the pick's
    // neighbours, not thin uniform nets (session 8, 5 ms: B -0.85 ms put
    // ShuffleNetV2 x1 at 2.777 ms, measured 3.603 ms).
    const LutBiasModel& model = n.searched() ? *search_latency : latency;
    n.predicted_ms = f.space == &space ? model.predict_ms(f.arch) : std::nan("");
    n.measured_ms = f.measured.value_ms(o.profile.statistic);
    n.measured_cv = f.measured.cv;
    rep.nets.push_back(n);
  }
  for (auto& [k, v] : clock.seconds().items()) rep.stage_seconds.emplace_back(k, v.get<double>());
  rep.op_latency_ms = [&](int layer, const Gene& g) { return lut.op_ms(space.op_spec(layer, g, lut.target.batch)); };
  clock.time("report", 9, kStages, "report", [&] {
    write_report(run, rep);
    return 0;
  });

  const ReportNet& s = rep.nets.front();
  json best_json{{"arch", space.format(best.arch)},
                 {"search_valid_accuracy", best.accuracy},
                 {"standalone_search_valid_accuracy", [&] {
                    for (const RerankRow& r : reranked)
                      if (r.chosen) return json(r.standalone_accuracy);
                    return json();
                  }()},
                 {"predicted_latency_ms", s.predicted_ms},
                 {"measured_latency_ms", s.measured_ms},
                 {"test_accuracy", s.test_accuracy()},
                 {"test_accuracies", s.test_accuracies},
                 {"test_accuracy_sd", s.test_accuracy_sd()},
                 {"parameters", s.parameters},
                 {"macs", s.macs},
                 {"latency_budget_ms", T},
                 {"drift_since_profile", std::isnan(drift) ? json() : json(drift)},
                 {"target", target->info().to_json()}};
  run.write("best.json", best_json.dump(2));
  std::printf("\nhwnas run: %s on %s, budget T = %.3f ms\n", o.common.dataset.c_str(), target->info().id().c_str(), T);
  std::printf("best arch %s\n", space.format(best.arch).c_str());
  if (seeds > 1) std::printf("test accuracy: mean and sample sd over %d seeds\n", seeds);
  std::printf("%-28s %9s%s %9s %9s %10s\n", "network", "test acc", seeds > 1 ? "    sd" : "", "pred ms", "meas ms",
              "params");
  for (const ReportNet& n : rep.nets) {
    std::printf("%-28s %8.2f%%", n.label.c_str(), n.test_accuracy());
    if (seeds > 1) std::printf(" %5.2f", n.test_accuracy_sd());
    std::printf(" %9.3f %9.3f %10lld\n", n.predicted_ms, n.measured_ms, static_cast<long long>(n.parameters));
  }
  std::printf("measured latency is %+.1f%% off the budget", 100 * (s.measured_ms / T - 1));
  if (!std::isnan(drift))
    std::printf(" (the machine runs the table's bias archs at %s their time at profiling)", format_ratio(1 + drift).c_str());
  std::printf("; report: %s\n", run.file("report.md").c_str());
}

}  // namespace hwnas
