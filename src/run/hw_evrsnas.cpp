#include "run/hw_evrsnas.h"

#include <cstdio>

#include "core/error.h"
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

}  // namespace hwnas
