#include "eval/training_proxy.h"

#include <cstdio>

#include "core/error.h"
#include "core/factory.h"
#include "core/rng.h"
#include "core/strings.h"
#include "eval/accuracy.h"
#include "nn/execution.h"
#include "nn/network.h"
#include "search/lightnas.h"
#include "train/trainer.h"

namespace hwnas {

void TrainingProxyOptions::validate() const {
  HWNAS_CHECK(kind == "bte" || kind == "tse", "training proxy: unknown kind '", kind, "' (bte or tse)");
  HWNAS_CHECK(epochs >= 2, kind, ": epochs must be >= 2 (losses of consecutive epochs are compared), got ", epochs);
  HWNAS_CHECK(batch_size >= 2, kind, ": batch must be >= 2, got ", batch_size);
  HWNAS_CHECK(images >= batch_size, kind, ": images (", images, ") must hold at least one batch of ", batch_size);
  HWNAS_CHECK(lr > 0, kind, ": lr must be > 0, got ", lr);
}

std::string TrainingProxyOptions::describe() const {
  return format_factory_string(kind, {{"epochs", std::to_string(epochs)},
                                      {"images", std::to_string(images)},
                                      {"batch", std::to_string(batch_size)},
                                      {"lr", format_number(lr)}});
}

TrainingProxyOptions parse_training_proxy(const std::string& spec, uint64_t seed) {
  std::map<std::string, std::string> kv;
  TrainingProxyOptions o;
  o.kind = parse_factory_string(spec, &kv);
  FactoryOptions f(o.kind, kv);
  o.epochs = f.get_int("epochs", o.epochs);
  o.images = f.get_int("images", o.images);
  o.batch_size = f.get_int("batch", o.batch_size);
  o.lr = f.get_double("lr", o.lr);
  f.finish();
  o.seed = seed;
  o.validate();
  return o;
}

TrainingProxyEvaluator::TrainingProxyEvaluator(const SearchSpace& space, const ImageSet& data,
                                               const Normalization& norm, TrainingProxyOptions opts, int jobs)
    : space_(space), data_(data), norm_(norm), opts_(std::move(opts)), jobs_(jobs) {
  opts_.validate();
  HWNAS_CHECK(data.size() >= opts_.images, opts_.kind, ": needs ", opts_.images, " training images, ", data.name,
              " has ", data.size());
}

ProxyTraining TrainingProxyEvaluator::train(const Arch& arch) const {
  space_.validate(arch);
  const std::shared_ptr<NetworkImpl> net = make_seeded_network(space_, arch, mix_seed(opts_.seed ^ 0x425445ULL));  // "BTE"
  TrainOptions t;
  t.epochs = opts_.epochs;
  t.batch_size = opts_.batch_size;
  t.lr = opts_.lr;
  t.limit = opts_.images - opts_.images % opts_.batch_size;  // whole batches only
  t.augment = false;
  t.shuffle = false;
  t.record_losses = true;
  t.seed = opts_.seed;
  t.device = opts_.device;
  const TrainStats s = hwnas::train(*net, [&](int64_t) { return arch; }, data_, norm_, t);
  const size_t per_epoch = s.step_losses.size() / opts_.epochs;
  ProxyTraining r;
  for (int e = 0; e < opts_.epochs; ++e)
    r.losses.emplace_back(s.step_losses.begin() + e * per_epoch, s.step_losses.begin() + (e + 1) * per_epoch);
  r.score = opts_.kind == "bte" ? batch_training_efficiency(r.losses) : -training_speed_estimate(r.losses);
  r.seconds = s.seconds;
  return r;
}

double TrainingProxyEvaluator::accuracy(const Arch& arch) { return accuracies({arch})[0]; }

std::vector<double> TrainingProxyEvaluator::accuracies(const std::vector<Arch>& archs) {
  std::vector<ProxyTraining> out(archs.size());
  run_jobs(static_cast<int>(archs.size()), jobs_, [&](int i) {
    out[i] = train(archs[i]);
    std::fprintf(stderr, "  %s %s (%.1f s): %s\n", opts_.kind == "bte" ? "BTE" : "-TSE", format_fixed(out[i].score, 4).c_str(),
                 out[i].seconds, space_.format(archs[i]).c_str());
  });
  std::vector<double> scores;
  for (const ProxyTraining& r : out) {
    scores.push_back(r.score);
    seconds_ += r.seconds;
    ++evaluations_;
  }
  return scores;
}

std::string TrainingProxyEvaluator::describe() const { return opts_.describe(); }

TrainedAccuracyEvaluator::TrainedAccuracyEvaluator(const SearchSpace& space, const ImageSet& train,
                                                   const ImageSet& valid, const Normalization& norm, TrainOptions opts,
                                                   int jobs, std::string label)
    : space_(space), train_(train), valid_(valid), norm_(norm), opts_(std::move(opts)), jobs_(jobs),
      label_(std::move(label)) {
  opts_.validate();
  opts_.checkpoint.clear();
}

std::vector<double> TrainedAccuracyEvaluator::accuracies(const std::vector<Arch>& archs) {
  std::vector<double> out(archs.size());
  run_jobs(static_cast<int>(archs.size()), jobs_, [&](int i) {
    const Arch& arch = archs[i];
    space_.validate(arch);
    // Initial weights as the retrain stage draws them.
    const std::shared_ptr<NetworkImpl> net =
        make_seeded_network(space_, arch, mix_seed(opts_.seed ^ static_cast<uint64_t>(Stage::kRetrain)));
    const TrainStats s = hwnas::train(*net, [&](int64_t) { return arch; }, train_, norm_, opts_);
    out[i] = evaluate_accuracy(*net, arch, valid_, norm_);
    std::fprintf(stderr, "  %s %zu/%zu: %.2f%% (%.0f s): %s\n", label_.c_str(), static_cast<size_t>(i) + 1, archs.size(),
                 out[i], s.seconds, space_.format(arch).c_str());
  });
  return out;
}

std::string TrainedAccuracyEvaluator::describe() const {
  return str_cat("trained(epochs=", opts_.epochs, ",limit=", opts_.limit, ",batch=", opts_.batch_size,
                 ",lr=", format_number(opts_.lr), ",seed=", opts_.seed, ")");
}

}  // namespace hwnas
