#include "run/supernet_stage.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/rng.h"
#include "eval/accuracy.h"

namespace hwnas {
namespace {

using nlohmann::json;

/// What must match for a checkpoint to be resumed or a result reused.
json settings_json(const Workspace& ws, const TrainOptions& o, const std::string& what) {
  return json{{"what", what},          {"space", ws.opts.space},  {"dataset", ws.opts.dataset},
              {"seed", o.seed},        {"epochs", o.epochs},      {"batch_size", o.batch_size},
              {"lr", o.lr},            {"weight_decay", o.weight_decay},
              {"warmup_epochs", o.warmup_epochs}, {"label_smoothing", o.label_smoothing},
              {"augment", o.augment},  {"limit", o.limit},
              {"valid_per_class", ws.opts.valid_per_class}};
}

json stats_json(const TrainStats& s) {
  return json{{"steps", s.steps},       {"seconds", s.seconds},   {"images", s.images},
              {"images_per_s", s.images_per_s()}, {"last_loss", s.last_loss},
              {"last_train_accuracy", s.last_accuracy}};
}

/// Refuses to mix a run directory's earlier work with other settings.
void check_settings(const RunDir& run, const std::string& meta_name, const json& settings) {
  if (!run.has(meta_name)) return;
  const json old = json::parse(run.read(meta_name));
  if (old.value("settings", json()) == settings) return;
  std::string diff;
  for (auto& [k, v] : settings.items())
    if (!old["settings"].contains(k) || old["settings"][k] != v)
      diff += str_cat(diff.empty() ? "" : ", ", k, " was ", old["settings"].value(k, json()).dump(),
                      " now ", v.dump());
  HWNAS_CHECK(false, run.file(meta_name), " was made with other settings (", diff,
              "); use another --run-dir or the same settings, or delete it to make it again");
}

}  // namespace

SupernetResult train_supernet_stage(Workspace& ws, const TrainOptions& opts, const std::string& name,
                                    bool resume, const SearchSpace* subspace,
                                    const std::string& init_from) {
  const RunDir& run = *ws.run;
  const SearchSpace& space = subspace ? *subspace : *ws.space;
  json settings = settings_json(ws, opts, "supernet");
  if (subspace) settings["subspace"] = [&] {
    json layers = json::array();
    for (const LayerSpec& l : subspace->layers) layers.push_back(l.ops);
    return layers;
  }();
  if (!init_from.empty()) settings["init_from"] = init_from;
  const std::string meta = name + ".json", final_pt = name + ".pt", ckpt = name + ".ckpt";
  SupernetResult r;
  // Initial weights from the run seed, not from whatever drew on torch's
  // global generator before (profiling, earlier stages, a resume).
  with_torch_seed(mix_seed(opts.seed ^ static_cast<uint64_t>(Stage::kSupernet)),
                  [&] { r.supernet = make_supernet(*ws.space); });
  r.supernet->to(ws.device);  // trained, or loaded and evaluated, on the command's device
  check_settings(run, meta, settings);
  if (run.has(final_pt) && run.has(meta)) {
    load_module(*r.supernet, run.file(final_pt));
    const json m = json::parse(run.read(meta));
    r.stats.steps = m["stats"].value("steps", 0);
    r.stats.seconds = m["stats"].value("seconds", 0.0);
    r.stats.images = m["stats"].value("images", 0);
    r.stats.last_loss = m["stats"].value("last_loss", 0.0);
    r.stats.last_accuracy = m["stats"].value("last_train_accuracy", 0.0);
    r.stats.finished = true;
    r.reused = true;
    std::fprintf(stderr, "hwnas: %s already trained; reusing it\n", run.file(final_pt).c_str());
    return r;
  }
  HWNAS_CHECK(!run.has(ckpt) || resume, run.file(ckpt),
              " holds an interrupted training: pass --resume to continue it, or use another --run-dir");
  run.write(meta, json{{"settings", settings}}.dump(2));
  if (!run.has(ckpt) && !init_from.empty()) load_module(*r.supernet, run.file(init_from));
  TrainOptions o = opts;
  o.checkpoint = run.file(ckpt);
  o.device = ws.device;
  BatchLoader::Options lo;
  const int64_t n = o.limit > 0 ? std::min<int64_t>(o.limit, ws.split.search_train.size())
                                : ws.split.search_train.size();
  const int64_t per_epoch = std::max<int64_t>(1, n / o.batch_size);
  r.stats = train(*r.supernet, uniform_path_sampler(space, o.seed), ws.split.search_train, ws.norm, o,
                  console_progress(name, per_epoch, o.batch_size));
  if (!r.stats.finished) return r;
  save_module(*r.supernet, run.file(final_pt));
  run.write(meta, json{{"settings", settings}, {"stats", stats_json(r.stats)}}.dump(2));
  run.remove(ckpt);
  return r;
}

RetrainResult retrain_stage(Workspace& ws, const Arch& arch, const TrainOptions& opts,
                            const std::string& name, bool resume, bool quiet, const SearchSpace* space,
                            Holdout holdout) {
  const RunDir& run = *ws.run;
  const SearchSpace& sp = space ? *space : *ws.space;
  const bool on_test = holdout == Holdout::kTest;
  const ImageSet& train_set = on_test ? ws.data.train : ws.split.search_train;
  const ImageSet& held_out = on_test ? ws.data.test : ws.split.search_valid;
  const std::string accuracy_key = on_test ? "test_accuracy" : "search_valid_accuracy";
  json settings = settings_json(ws, opts, on_test ? "retrain" : "standalone on the search split");
  settings["arch"] = sp.format(arch);
  if (space) settings["space"] = sp.description;
  const std::string meta = name + ".json", final_pt = name + ".pt", ckpt = name + ".ckpt";
  RetrainResult r;
  // Initial weights from (seed, arch): a network trains alike whatever ran
  // before it in this process, so a seed and a resumed run reproduce it.
  r.net = make_seeded_network(sp, arch, mix_seed(opts.seed ^ static_cast<uint64_t>(Stage::kRetrain)));
  r.parameters = count_parameters(*r.net);
  r.net->to(ws.device);
  check_settings(run, meta, settings);
  if (run.has(final_pt) && run.has(meta)) {
    const json m = json::parse(run.read(meta));
    if (m.contains(accuracy_key)) {
      load_module(*r.net, run.file(final_pt));
      r.accuracy = m[accuracy_key];
      r.stats.seconds = m["stats"].value("seconds", 0.0);
      r.stats.steps = m["stats"].value("steps", 0);
      r.stats.finished = true;
      return r;
    }
  }
  HWNAS_CHECK(!run.has(ckpt) || resume, run.file(ckpt),
              " holds an interrupted training: pass --resume to continue it, or use another --run-dir");
  run.write(meta, json{{"settings", settings}}.dump(2));
  TrainOptions o = opts;
  o.checkpoint = run.file(ckpt);
  o.device = ws.device;
  const Arch fixed = arch;
  const int64_t n = o.limit > 0 ? std::min<int64_t>(o.limit, train_set.size()) : train_set.size();
  r.stats = train(*r.net, [fixed](int64_t) { return fixed; }, train_set, ws.norm, o,
                  quiet ? StepCallback() : console_progress(name, std::max<int64_t>(1, n / o.batch_size), o.batch_size));
  if (!r.stats.finished) return r;
  r.accuracy = evaluate_accuracy(*r.net, arch, held_out, ws.norm);
  save_module(*r.net, run.file(final_pt));
  run.write(meta, json{{"settings", settings},
                       {"stats", stats_json(r.stats)},
                       {accuracy_key, r.accuracy},
                       {"parameters", r.parameters}}
                      .dump(2));
  run.remove(ckpt);
  return r;
}

}  // namespace hwnas
