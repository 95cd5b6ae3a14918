#include "run/pipeline.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"
#include "eval/training_proxy.h"
#include "run/front.h"
#include "run/run_dir.h"
#include "search/strategy.h"

namespace hwnas {

void finish_options(PipelineOptions* o) {
  // Fine-tuning shares the supernet's batch size; one --finetune-epochs and
  // --finetune-limit for both stages.
  o->finetune2.epochs = o->finetune1.epochs;
  o->finetune2.limit = o->finetune1.limit;
  for (TrainOptions* t : {&o->finetune1, &o->finetune2}) t->batch_size = o->supernet.batch_size;
  o->diff.method = o->method;
  o->diff.seed = o->common.exec.seed;
}

void check_diff_options(const PipelineOptions& o) {
  DiffSearchOptions d = o.diff;
  d.target_ms = 1;  // T comes from the profile stage
  d.validate();
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(o.diff_latency, &opts);
  HWNAS_CHECK(name == "lut+bias" || name == "mlp" || name == "gnn", "--diff-latency: unknown model '", o.diff_latency,
              "' (lut+bias, mlp or gnn)");
  HWNAS_CHECK(name == "lut+bias" || (o.predictor_archs >= 10 && o.predictor_test_archs >= 2),
              "--diff-latency ", name, " needs --predictor-archs >= 10 and --predictor-test-archs >= 2");
  if (o.width_search.empty()) return;
  HWNAS_CHECK(o.method == "lightnas", "--width-search is LightNAS's second stage; --method ", o.method, " has none");
  make_strategy(o.width_search);
  parse_training_proxy(o.width_proxy);
  HWNAS_CHECK(!o.width_factors.empty(), "--width-factors needs at least one factor");
  for (double w : o.width_factors)
    HWNAS_CHECK(w > 0 && w <= 4, "--width-factors must be in (0, 4], got ", format_number(w));
}

namespace {

/// --reuse: copies the budget-independent work of run directory `from` that
/// `run` lacks: the latency table, the supernet before shrinking, Domino's
/// trained graft masks and the retrained baselines. The stages then check
/// their settings as on --resume.
void reuse_from(const std::string& from, const RunDir& run) {
  namespace fs = std::filesystem;
  HWNAS_CHECK(fs::is_directory(from), "--reuse ", from, ": not a run directory");
  HWNAS_CHECK(fs::exists(fs::path(from) / "lut.json") || fs::exists(fs::path(from) / "supernet.pt"), "--reuse ", from,
              ": has neither lut.json nor supernet.pt; nothing to reuse");
  std::vector<std::string> names = {"lut.json", "supernet.pt", "supernet.json", "proxy_pairs.json", "real_pairs.json"};
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

}  // namespace

void run_pipeline(const PipelineOptions& o) {
  if (!o.budgets.empty()) return run_front(o);
  if (!o.reuse.empty()) reuse_from(o.reuse, RunDir(o.common.run_dir));
  if (o.method == "hsconas") return run_hsconas(o);
  if (o.method == "hurricane") return run_hurricane_method(o);
  if (o.method == "hw-evrsnas") return run_hw_evrsnas_method(o);
  if (o.method == "lightnas" || o.method == "surgenas") return run_diff_method(o);
  if (o.method == "domino") return run_domino_method(o);
  HWNAS_CHECK(false, "unknown method '", o.method, "' (", join(method_names(), ", "), ")");
}

std::vector<std::string> method_names() {
  return {"hsconas", "hurricane", "hw-evrsnas", "lightnas", "surgenas", "domino"};
}

}  // namespace hwnas
