#include "run/export_stage.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/strings.h"
#include "export/opencv_runtime.h"
#include "latency/fresh_process.h"
#include "nn/network.h"
#include "nn/onnx_export.h"
#include "run/run_dir.h"

namespace hwnas {

using json = nlohmann::json;

namespace {

std::string join_floats(const std::vector<float>& v) {
  std::vector<std::string> parts;
  for (float x : v) parts.push_back(str_cat(x));
  return join(parts, ",");
}

json check_to_json(const ExportCheck& c) {
  return json{{"file", c.file},
              {"images", c.images},
              {"max_abs_diff", number_or_null(c.max_abs_diff)},
              {"top1_agreement", number_or_null(c.top1_agreement)},
              {"other_runtime", c.other_runtime},
              {"other_runtime_ms", number_or_null(c.other_runtime_ms)}};
}

ExportCheck check_from_json(const json& j) {
  auto num = [&](const char* k) { return j.at(k).is_null() ? std::nan("") : j.at(k).get<double>(); };
  ExportCheck c;
  c.file = j.at("file").get<std::string>();
  c.images = j.at("images").get<int>();
  c.max_abs_diff = num("max_abs_diff");
  c.top1_agreement = num("top1_agreement");
  c.other_runtime = j.at("other_runtime").get<std::string>();
  c.other_runtime_ms = num("other_runtime_ms");
  return c;
}

}  // namespace

ExportCheck export_and_check(NetworkImpl& net, const SearchSpace& space, const Arch& arch, const Workspace& ws,
                             const std::string& path, int images,
                             const std::vector<std::pair<std::string, std::string>>& extra) {
  HWNAS_CHECK(images >= 0, "export: images must be >= 0, got ", images);
  net.eval();
  std::vector<std::pair<std::string, std::string>> meta = {
      {"hwnas.input", "image normalised per channel: (pixel / 255 - mean) / std, NCHW float"},
      {"hwnas.mean", join_floats(ws.norm.mean)},
      {"hwnas.std", join_floats(ws.norm.std)},
      {"hwnas.space", space.description.empty() ? space.name : space.description},
      {"hwnas.arch", space.format(arch)},
      {"hwnas.dataset", ws.opts.dataset}};
  meta.insert(meta.end(), extra.begin(), extra.end());
  ExportCheck c;
  c.file = path.substr(path.find_last_of('/') + 1);
  const std::string bytes = export_onnx(net, space.backbone, c.file, meta);
  save_onnx(path, bytes);
  if (images == 0) return c;
  // LibTorch in batches, OpenCV one image at a time: OpenCV 4.6 runs
  // squeeze-and-excitation only at batch 1, and batch 1 is what ships.
  OpenCvModel model(bytes, path);
  BatchLoader::Options lo;
  lo.batch_size = 100;
  lo.shuffle = false;
  lo.limit = images;
  const BatchLoader loader(ws.data.test, ws.norm, lo, 0);
  const Backbone& b = space.backbone;
  const std::vector<int64_t> one{1, b.in_channels, b.in_size, b.in_size};
  double max_diff = 0;
  int64_t agree = 0, seen = 0;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    const torch::Tensor x = loader.batch(0, i).first.contiguous();
    const torch::Tensor ref = net.forward(x);
    for (int64_t k = 0; k < x.size(0); ++k) {
      const torch::Tensor xi = x[k].contiguous();
      const std::vector<float> got =
          model.run(std::vector<float>(xi.data_ptr<float>(), xi.data_ptr<float>() + xi.numel()), one);
      const torch::Tensor y = torch::from_blob(const_cast<float*>(got.data()), {ref.size(1)}).clone();
      max_diff = std::max(max_diff, (y - ref[k]).abs().max().item<double>());
      agree += y.argmax().item<int64_t>() == ref[k].argmax().item<int64_t>();
      ++seen;
    }
  }
  c.images = static_cast<int>(seen);
  c.max_abs_diff = max_diff;
  c.top1_agreement = seen > 0 ? static_cast<double>(agree) / seen : std::nan("");
  return c;
}

std::string other_runtime_target(const TargetInfo& t) {
  // The other runtime of a CPU table; a table measured with OpenCV DNN is folded, so LibTorch folds too.
  if (t.kind == "local-torch") return local_target_spec(t, Runtime::kOpenCv);
  if (t.kind == "local-opencv") return local_target_spec(t, Runtime::kTorch);
  return "";
}

void export_stage(StageRunner& stages, const Workspace& ws, const PipelineOptions& o, const TargetInfo& target,
                  std::vector<FinalNet>* nets) {
  const std::string other = other_runtime_target(target);
  const json settings{{"images", o.export_images}, {"other_runtime", other}};
  stages.run("export", "export to ONNX, check on OpenCV DNN, time on " + (other.empty() ? "no other runtime" : other),
             settings, [&] {
    const RunDir& run = *ws.run;
    json stored = run.has("exported.json") ? json::parse(run.read("exported.json")) : json::object();
    const bool reuse = stored.value("settings", json()) == settings;
    if (!reuse) stored = json{{"settings", settings}, {"nets", json::object()}};
    // The other runtime times every net together, round-robin (one rule for all).
    std::vector<SpaceArch> to_time;
    std::vector<size_t> timed;
    for (size_t i = 0; i < nets->size(); ++i) {
      FinalNet& f = (*nets)[i];
      if (stored["nets"].contains(f.name)) {
        f.exported = check_from_json(stored["nets"][f.name]);
        continue;
      }
      std::shared_ptr<NetworkImpl> net = make_network(*f.space, f.arch);
      load_module(*net, run.file(f.name + ".pt"));
      f.exported = export_and_check(*net, *f.space, f.arch, ws, run.file(f.name + ".onnx"), o.export_images,
                                    {{"hwnas.test_accuracy", str_cat(mean_of(f.accuracies))}});
      f.exported.other_runtime = other;
      std::fprintf(stderr, "%-28s %s: max |logit diff| %.2g, top-1 agreement %.2f%% on %d test images\n",
                   f.label.c_str(), f.exported.file.c_str(), f.exported.max_abs_diff, 100 * f.exported.top1_agreement,
                   f.exported.images);
      if (!other.empty()) {
        to_time.push_back({f.space, f.arch});
        timed.push_back(i);
      }
    }
    if (!to_time.empty()) {
      std::unique_ptr<Target> t = make_fresh_process_target(other);
      ProfileOptions opt = o.profile;
      opt.repetitions = std::max(opt.repetitions, 11);
      const std::vector<Timing> times = measure_round_robin(*t, to_time, opt, 3);
      for (size_t k = 0; k < timed.size(); ++k) {
        FinalNet& f = (*nets)[timed[k]];
        f.exported.other_runtime_ms = times[k].value_ms(opt.statistic);
        std::fprintf(stderr, "%-28s %8.3f ms on %s\n", f.label.c_str(), f.exported.other_runtime_ms, other.c_str());
      }
    }
    for (const FinalNet& f : *nets) stored["nets"][f.name] = check_to_json(f.exported);
    run.write("exported.json", stored.dump(2));
    return stored;
  });
}

}  // namespace hwnas
