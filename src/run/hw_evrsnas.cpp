#include "run/hw_evrsnas.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/error.h"
#include "core/io.h"
#include "core/predictors/metrics.h"
#include "core/rng.h"
#include "core/strings.h"
#include "core/tables.h"
#include "eval/accuracy.h"
#include "nn/network.h"
#include "data/dataset.h"
#include "run/run_dir.h"
#include "run/supernet_stage.h"

namespace hwnas {
namespace {

using nlohmann::json;

Arch reference_arch_of(const SearchSpace& space, const std::string& text) {
  if (text == "largest") {
    const int conv = space.op_index("nor_conv_3x3");
    return space.largest(conv);
  }
  return space.parse(text);
}

/// The single batch of HW-EvRSNAS: a seeded draw from search-train, no augmentation.
std::pair<torch::Tensor, torch::Tensor> rmi_batch(const Workspace& ws, int batch_size, uint64_t seed) {
  BatchLoader::Options lo;
  lo.batch_size = batch_size;
  lo.shuffle = true;
  lo.augment = false;
  BatchLoader loader(ws.split.search_train, ws.norm, lo, seed);
  return loader.batch(0, 0);
}

std::string score_csv(const std::vector<ScoreRow>& rows, int layers) {
  std::string out = "arch,rmi";
  for (int i = 0; i < layers; ++i) out += str_cat(",rmi_layer", i + 1);
  out += ",task_loss,rmi_seconds,standalone_accuracy,standalone_seconds\n";
  for (const ScoreRow& r : rows) {
    out += str_cat(r.arch, ",", format_number(r.rmi.rmi));
    for (double v : r.rmi.per_layer) out += str_cat(",", format_number(v));
    out += str_cat(",", format_number(r.rmi.task_loss), ",", format_number(r.rmi.seconds), ",",
                   std::isnan(r.accuracy) ? "" : format_number(r.accuracy), ",",
                   std::isnan(r.train_seconds) ? "" : format_number(r.train_seconds), "\n");
  }
  return out;
}

/// Rows of an earlier, interrupted call with the same settings.
std::map<std::string, ScoreRow> read_score_csv(const std::string& path, int layers) {
  std::map<std::string, ScoreRow> rows;
  if (!file_exists(path)) return rows;
  const CsvTable t = CsvTable::load(path);
  const int arch = t.require_column("arch"), rmi = t.require_column("rmi");
  const int loss = t.require_column("task_loss"), sec = t.require_column("rmi_seconds");
  const int acc = t.require_column("standalone_accuracy"), tsec = t.require_column("standalone_seconds");
  for (int i = 0; i < t.num_rows(); ++i) {
    ScoreRow r;
    r.arch = std::string(t.cell(i, arch));
    r.rmi.rmi = t.number(i, rmi);
    for (int l = 0; l < layers; ++l) r.rmi.per_layer.push_back(t.number(i, t.require_column(str_cat("rmi_layer", l + 1))));
    r.rmi.task_loss = t.number(i, loss);
    r.rmi.seconds = t.number(i, sec);
    if (!t.cell(i, acc).empty()) r.accuracy = t.number(i, acc);
    if (!t.cell(i, tsec).empty()) r.train_seconds = t.number(i, tsec);
    rows[r.arch] = r;
  }
  return rows;
}

}  // namespace

HwEvrsnasOptions::HwEvrsnasOptions() {
  reference_train.epochs = 3;
  reference_train.batch_size = 128;
  reference_train.lr = 0.1;
  reference_train.weight_decay = 5e-4;
  rmi.steps = 20;  // the paper's N_train is 100; 20 keeps a 2-core CPU search in minutes
}

Reference reference_stage(Workspace& ws, const HwEvrsnasOptions& a, bool resume, bool reuse_any) {
  const RunDir& run = *ws.run;
  const std::string meta = std::string(kReferenceName) + ".json";
  const std::string pt = std::string(kReferenceName) + ".pt";
  HWNAS_CHECK(ws.space->family == "nb201", "space ", ws.opts.space,
              " does not expose the stage feature maps RMI compares; RMI supports nb201 spaces");
  Reference r;
  r.arch = reference_arch_of(*ws.space, a.reference_arch);
  if (reuse_any && run.has(pt) && run.has(meta)) {
    const json m = json::parse(run.read(meta));
    if (m.contains("test_accuracy")) {
      const json& s = m["settings"];
      HWNAS_CHECK(s.value("space", "") == ws.opts.space && s.value("dataset", "") == ws.opts.dataset,
                  run.file(pt), " is a reference for space ", s.value("space", "?"), " on ",
                  s.value("dataset", "?"), ", not ", ws.opts.space, " on ", ws.opts.dataset,
                  "; use another --run-dir");
      const Arch stored = ws.space->parse(s.value("arch", ""));
      HWNAS_CHECK(a.reference_arch == "largest" || stored == r.arch, run.file(pt),
                  " holds the reference ", ws.space->format(stored), ", not the requested ",
                  ws.space->format(r.arch), "; use another --run-dir");
      r.arch = stored;
      r.net = make_network(*ws.space, r.arch);
      r.net->to(ws.device);
      load_module(*r.net, run.file(pt));
      r.test_accuracy = m["test_accuracy"];
      std::fprintf(stderr, "hwnas: reusing reference %s (%s, test accuracy %.2f%%)\n",
                   run.file(pt).c_str(), ws.space->format(r.arch).c_str(), r.test_accuracy);
      return r;
    }
  }
  const RetrainResult t = retrain_stage(ws, r.arch, a.reference_train, kReferenceName, resume);
  HWNAS_CHECK(t.stats.finished, "reference training stopped before its last step");
  r.net = t.net;
  r.test_accuracy = t.accuracy;
  return r;
}

std::unique_ptr<RmiProxy> make_proxy(Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref) {
  auto [x, y] = rmi_batch(ws, a.batch_size, ws.opts.exec.seed);
  return std::make_unique<RmiProxy>(*ws.space, *ref.net, ref.arch, x, y, a.rmi);
}

json rmi_settings(const Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref) {
  return json{{"space", ws.opts.space},   {"dataset", ws.opts.dataset}, {"seed", ws.opts.exec.seed},
              {"reference", ws.space->format(ref.arch)},
              {"beta", a.rmi.beta},         {"steps", a.rmi.steps},        {"lr", a.rmi.lr},
              {"momentum", a.rmi.momentum}, {"weight_decay", a.rmi.weight_decay},
              {"batch_size", a.batch_size}, {"valid_per_class", ws.opts.valid_per_class}};
}

std::vector<Arch> archs_to_score(const SearchSpace& space, const std::vector<std::string>& texts, int random,
                                 uint64_t seed) {
  std::vector<Arch> archs;
  std::set<std::string> seen;
  for (const std::string& t : texts) {
    const Arch arch = space.parse(t);
    if (seen.insert(space.format(arch)).second) archs.push_back(arch);
  }
  Rng rng = derive_rng(seed, Stage::kEval, 0x524d49);
  const int wanted = static_cast<int>(archs.size()) + random;
  for (int tries = 0; static_cast<int>(archs.size()) < wanted && tries < 100 * random; ++tries) {
    const Arch arch = space.canonical(space.sample(rng));
    if (seen.insert(space.format(arch)).second) archs.push_back(arch);
  }
  return archs;
}

std::vector<ScoreRow> score_archs(Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref, RmiProxy& proxy,
                                  const std::vector<Arch>& archs, const ScoreOptions& o,
                                  const std::function<void(size_t, const ScoreRow&)>& on_row) {
  // Settings sidecar: rows of an interrupted call are reused only when equal.
  json settings = rmi_settings(ws, a, ref);
  settings["standalone"] = {{"epochs", o.standalone.epochs},   {"limit", o.standalone.limit},
                            {"lr", o.standalone.lr},           {"batch_size", o.standalone.batch_size},
                            {"weight_decay", o.standalone.weight_decay}, {"valid", o.valid_images}};
  const std::string meta = o.out + ".json";
  if (ws.run->has(meta) && ws.run->has(o.out)) {
    const json old = json::parse(ws.run->read(meta));
    HWNAS_CHECK(old == settings, ws.run->file(o.out), " was made with other settings (", ws.run->file(meta),
                "); use another --out or --run-dir");
  }
  ws.run->write(meta, settings.dump(2));
  std::map<std::string, ScoreRow> done = read_score_csv(ws.run->file(o.out), proxy.num_layers());

  std::vector<ScoreRow> rows;
  for (size_t i = 0; i < archs.size(); ++i) {
    const std::string text = ws.space->format(archs[i]);
    auto it = done.find(text);
    ScoreRow row;
    if (it != done.end() && (o.standalone.epochs == 0 || !std::isnan(it->second.accuracy))) {
      row = it->second;
    } else {
      row.arch = text;
      row.rmi = proxy.score(archs[i]);
      if (o.standalone.epochs > 0) {
        // Initial weights: seeded by (seed, position of the arch in this call's list).
        torch::manual_seed(mix_seed(o.standalone.seed ^ (i + 1)));
        auto net = make_network(*ws.space, archs[i]);
        const Arch fixed = archs[i];
        TrainOptions standalone = o.standalone;
        standalone.device = ws.device;
        const TrainStats s = train(*net, [fixed](int64_t) { return fixed; }, ws.split.search_train, ws.norm,
                                   standalone);
        row.accuracy = evaluate_accuracy(*net, fixed, ws.split.search_valid, ws.norm, 500, o.valid_images);
        row.train_seconds = s.seconds;
      }
    }
    rows.push_back(row);
    // This call's rows, then earlier rows of archs not in this call (kept).
    std::vector<ScoreRow> all = rows;
    std::set<std::string> now;
    for (const ScoreRow& r : rows) now.insert(r.arch);
    for (const auto& [t, r] : done)
      if (!now.count(t)) all.push_back(r);
    ws.run->write(o.out, score_csv(all, proxy.num_layers()));
    on_row(i, row);
  }
  return rows;
}

ScoreSummary summarize_scores(const SearchSpace& space, const std::vector<ScoreRow>& rows,
                              const std::string& accuracy_table) {
  ScoreSummary s;
  std::vector<double> rmis, accs;
  for (const ScoreRow& r : rows) {
    s.rmi_seconds_mean += r.rmi.seconds / rows.size();
    if (!std::isnan(r.accuracy)) {
      rmis.push_back(r.rmi.rmi);
      accs.push_back(r.accuracy);
    }
  }
  s.trained = static_cast<int>(accs.size());
  if (accs.size() >= 2) s.tau_standalone = kendall_tau_b(rmis, accs);
  if (!accuracy_table.empty() && rows.size() >= 2) {
    // Another data set's ground truth (e.g. NAS-Bench-201's CIFAR-10 accuracy
    // after 200 epochs): a reference for both the proxy and the short training.
    const ArchTable table(accuracy_table, space);
    std::vector<double> table_acc, rmi_all, table_trained, trained;
    for (const ScoreRow& r : rows) {
      const double t = table.at(space.parse(r.arch));
      table_acc.push_back(t);
      rmi_all.push_back(r.rmi.rmi);
      if (!std::isnan(r.accuracy)) {
        table_trained.push_back(t);
        trained.push_back(r.accuracy);
      }
    }
    s.tau_table = kendall_tau_b(rmi_all, table_acc);
    if (trained.size() >= 2) s.tau_table_standalone = kendall_tau_b(trained, table_trained);
  }
  return s;
}

History search_with_proxy(const SearchSpace& space, RmiProxy& proxy, const LatencyModel& latency,
                          const Strategy& strategy, const Objective& objective, const SearchOptions& so,
                          const std::string& csv) {
  SearchCallbacks cb;
  const auto t0 = std::chrono::steady_clock::now();
  cb.on_generation = [&](const History& h) {
    const int best = h.best_index();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "generation %d: %d archs evaluated, best fitness %.4f, %.0fs\n", h.generation(), h.size(),
                 best >= 0 ? h.at(best).score : std::nan(""), sec);
    h.write_csv(csv);
    return false;
  };
  const History h = strategy.search(space, proxy, latency, objective, so, cb);
  h.write_csv(csv);
  return h;
}

}  // namespace hwnas
