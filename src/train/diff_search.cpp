#include "train/diff_search.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "core/io.h"
#include "nn/diff_supernet.h"
#include "nn/execution.h"
#include "search/lightnas.h"
#include "train/trainer.h"

namespace hwnas {

void DiffSearchOptions::validate() const {
  HWNAS_CHECK(method == "lightnas" || method == "surgenas", "differentiable search: method must be lightnas or surgenas, got '",
              method, "'");
  HWNAS_CHECK(epochs >= 1, "search epochs must be >= 1, got ", epochs);
  HWNAS_CHECK(freeze_epochs >= 0 && freeze_epochs < epochs, "frozen epochs must be in [0, epochs), got ", freeze_epochs);
  HWNAS_CHECK(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
  HWNAS_CHECK(lr > 0 && alpha_lr > 0, "learning rates must be > 0");
  HWNAS_CHECK(paths >= 0, "paths must be >= 0, got ", paths);
  HWNAS_CHECK(phi >= 0, "phi must be >= 0, got ", phi);
  HWNAS_CHECK(phi_until > 0 && phi_until <= 1, "phi's decay must end within the search (phi-until in (0, 1]), got ",
              phi_until);
  HWNAS_CHECK(tau > 0 && tau_end > 0, "temperatures must be > 0");
  HWNAS_CHECK(tau_decay >= 0, "the temperature's decay must be >= 0, got ", tau_decay);
  HWNAS_CHECK(settle_epochs >= -1 && settle_epochs <= epochs, "settling epochs must be -1 (the code's) or 0..epochs");
  HWNAS_CHECK(settle_window >= 0 && settle_window < 1, "the settling window must be in [0, 1), got ", settle_window);
  HWNAS_CHECK(alpha_halve_every >= -1, "alpha's halving period must be -1 (the code's), 0 (never) or epochs");
  HWNAS_CHECK(lambda_lr >= 0, "lambda's learning rate must be >= 0");
  HWNAS_CHECK(beta >= 0, "beta must be >= 0, got ", beta);
  HWNAS_CHECK(method != "lightnas" || target_ms > 0, "lightnas needs a latency target T > 0");
}

// One epoch as JSON, the same in the stage record and the checkpoint.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffSearchEpoch, epoch, tau, phi, lambda, alpha_lr, predicted_ms, train_loss,
                                   valid_accuracy, entropy, arch)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffSearchStep, step, lambda, argmax_ms, sampled_ms)

nlohmann::json DiffSearchResult::to_json(const SearchSpace& space) const {
  return {{"arch", space.format(arch)}, {"predicted_ms", predicted_ms}, {"epochs", epochs},
          {"logit_steps", steps.size()}, {"seconds", seconds}, {"resumed", resumed}};
}

namespace {

/// What a checkpoint holds beside the modules and optimizers: the finished
/// epochs (their count is where to resume, the last one's lambda lambda's
/// value) and lightnas's logits steps.
struct Progress {
  std::vector<DiffSearchEpoch> epochs;
  std::vector<DiffSearchStep> steps;
  int epochs_done() const { return static_cast<int>(epochs.size()); }
  double lambda() const { return epochs.empty() ? 0.0 : epochs.back().lambda; }
};

class DiffSearch {
 public:
  DiffSearch(const SearchSpace& space, const ImageSet& train, const ImageSet& valid, const Normalization& norm,
             const DiffLatency& latency, const DiffSearchOptions& o)
      : space_(space), latency_(latency), o_(o),
        train_(train, norm, loader_options(o.augment, o.limit, o.batch_size), o.seed),
        valid_(valid, norm, loader_options(false, 0, o.batch_size), o.seed + 1) {
    with_torch_seed(o.seed, [&] {
      net_ = DiffSupernet(space);
      logits_ = ArchLogits(space);
    });
    w_opt_ = std::make_unique<torch::optim::SGD>(
        net_->weights(), torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
    a_opt_ = std::make_unique<torch::optim::Adam>(
        std::vector<torch::Tensor>{logits_->alpha},
        torch::optim::AdamOptions(o.alpha_lr).betas({0.5, 0.999}).weight_decay(o.alpha_weight_decay));
    multiplier_.lr = o.lambda_lr;
    paths_ = o.paths > 0 ? o.paths : static_cast<int>(space.ops.size());
    lr_schedule_.lr = o.alpha_lr;
    // The code's 20 of 90 epochs and last 10 of 90, at this search's length.
    lr_schedule_.halve_every = o.alpha_halve_every >= 0 ? o.alpha_halve_every
                                                        : std::max(1, static_cast<int>(std::lround(o.epochs * 20.0 / 90)));
    lr_schedule_.final_epochs = o.settle_epochs >= 0 ? o.settle_epochs
                                                    : std::max(1, static_cast<int>(std::lround(o.epochs * 10.0 / 90)));
    lr_schedule_.tolerance = o.settle_window;
  }

  DiffSearchResult run() {
    const auto t0 = std::chrono::steady_clock::now();
    DiffSearchResult r;
    r.resumed = load();
    net_->train();  // BN on batch statistics throughout, also when scoring the argmax arch
    const int64_t per_epoch = train_.num_batches();
    const int64_t total = per_epoch * o_.epochs;
    for (int e = progress_.epochs_done(); e < o_.epochs; ++e) {
      double loss_sum = 0, tau = 0;
      int64_t losses = 0;
      for (int64_t i = 0; i < per_epoch; ++i) {
        const int64_t step = e * per_epoch + i;
        const double phi = phi_at(step);
        tau = temperature(step);
        loss_sum += weight_step(e, step, total, tau, phi);
        ++losses;
        if (o_.method == "lightnas" && e >= o_.freeze_epochs) logits_step(e, step, tau, phi);
        if ((step + 1) % 10 == 0 || i + 1 == per_epoch) print_step(e, step, total, loss_sum / losses, t0);
      }
      finish_epoch(e, tau, loss_sum / std::max<int64_t>(1, losses));
    }
    r.arch = logits_->argmax_arch(space_);
    r.predicted_ms = predicted_ms(logits_->argmax_one_hot());
    r.epochs = progress_.epochs;
    r.steps = progress_.steps;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

 private:
  static BatchLoader::Options loader_options(bool augment, int64_t limit, int batch_size) {
    BatchLoader::Options lo;
    lo.batch_size = batch_size;
    lo.shuffle = true;
    lo.augment = augment;
    lo.limit = limit;
    lo.drop_last = true;
    return lo;
  }

  /// Per step, over the steps after the frozen epochs.
  double temperature(int64_t step) const {
    const int64_t per_epoch = train_.num_batches();
    const int64_t frozen = o_.freeze_epochs * per_epoch, total = o_.epochs * per_epoch;
    const double progress = static_cast<double>(step - frozen) / std::max<int64_t>(1, total - frozen - 1);
    if (o_.method == "lightnas") return lightnas_temperature(progress, o_.tau, o_.tau_decay);
    return linear_schedule(o_.tau, o_.tau_end, progress);
  }

  double phi_at(int64_t step) const {
    const double total = static_cast<double>(o_.epochs * train_.num_batches());
    return linear_schedule(o_.phi, 0.0, static_cast<double>(step) / (o_.phi_until * total));
  }

  double predicted_ms(const torch::Tensor& path) {
    torch::NoGradGuard no_grad;
    return latency_(path).item<double>();
  }

  /// The weights' step along the ordered paths (surgenas: alpha too, with beta * LAT).
  double weight_step(int epoch, int64_t step, int64_t total, double tau, double phi) {
    const bool alpha_too = o_.method == "surgenas" && epoch >= o_.freeze_epochs;
    auto [x, y] = train_.batch(epoch, step % train_.num_batches());
    for (auto& g : w_opt_->param_groups())
      static_cast<torch::optim::SGDOptions&>(g.options()).lr(cosine_lr(o_.lr, step, total));
    w_opt_->zero_grad();
    a_opt_->zero_grad();
    Rng rng = derive_rng(o_.seed, Stage::kGumbel, static_cast<uint64_t>(step), 0);
    torch::Tensor alpha = alpha_too ? logits_->alpha : logits_->alpha.detach();
    double sum = 0;
    for (const torch::Tensor& path : ordered_sample(alpha, logits_->allowed, tau, paths_, rng)) {
      torch::Tensor loss = cross_entropy(net_->forward(x, path, phi), y, o_.label_smoothing);
      sum += loss.item<double>();
      if (alpha_too && o_.beta > 0) loss = loss + o_.beta * latency_(path);
      // The paths share softmax(alpha)'s graph: keep it for the next path's backward.
      loss.backward({}, /*retain_graph=*/alpha_too);
    }
    HWNAS_CHECK(std::isfinite(sum), "differentiable search diverged at step ", step, "; lower the learning rate");
    torch::nn::utils::clip_grad_norm_(net_->weights(), o_.grad_clip);
    w_opt_->step();
    if (alpha_too) {
      set_alpha_lr(o_.alpha_lr);
      a_opt_->step();
    }
    return sum / paths_;
  }

  /// lightnas: one hard path on a search-valid batch moves alpha on
  /// L_valid + lambda (LAT / T - 1); lambda then ascends on the argmax arch.
  void logits_step(int epoch, int64_t step, double tau, double phi) {
    const int64_t n = valid_.num_batches();
    auto [x, y] = valid_.batch(step / n, step % n);
    a_opt_->zero_grad();
    Rng rng = derive_rng(o_.seed, Stage::kGumbel, static_cast<uint64_t>(step), 1);
    const torch::Tensor path = logits_->sample(tau, rng);
    for (auto& p : net_->weights()) p.requires_grad_(false);  // only alpha learns here
    const torch::Tensor lat = latency_(path);
    const torch::Tensor loss = cross_entropy(net_->forward(x, path, phi), y, o_.label_smoothing) +
                               multiplier_.lambda * (lat / o_.target_ms - 1);
    loss.backward();
    for (auto& p : net_->weights()) p.requires_grad_(true);
    set_alpha_lr(lr_schedule_.at(epoch, o_.epochs, o_.freeze_epochs, last_ms_, o_.target_ms));
    a_opt_->step();
    last_ms_ = predicted_ms(logits_->argmax_one_hot());
    multiplier_.update(last_ms_, o_.target_ms);
    progress_.steps.push_back({step, multiplier_.lambda, last_ms_, lat.item<double>()});
  }

  void set_alpha_lr(double lr) {
    for (auto& g : a_opt_->param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
    alpha_lr_ = lr;
  }

  double valid_accuracy(double phi) {
    torch::NoGradGuard no_grad;
    const torch::Tensor path = logits_->argmax_one_hot();
    double correct = 0, seen = 0;
    for (int64_t i = 0; i < valid_.num_batches() && seen < 2000; ++i) {
      auto [x, y] = valid_.batch(0, i);
      correct += net_->forward(x, path, phi).argmax(1).eq(y).sum().item<double>();
      seen += static_cast<double>(x.size(0));
    }
    return seen > 0 ? 100.0 * correct / seen : 0;
  }

  void finish_epoch(int e, double tau, double train_loss) {
    const double phi = phi_at((e + 1) * train_.num_batches() - 1);
    DiffSearchEpoch x;
    x.epoch = e + 1;
    x.tau = tau;
    x.phi = phi;
    x.lambda = multiplier_.lambda;
    x.alpha_lr = e >= o_.freeze_epochs ? alpha_lr_ : 0;
    x.predicted_ms = predicted_ms(logits_->argmax_one_hot());
    x.train_loss = train_loss;
    x.valid_accuracy = valid_accuracy(phi);
    x.entropy = logits_->mean_entropy();
    x.arch = space_.format(logits_->argmax_arch(space_));
    progress_.epochs.push_back(x);
    std::fprintf(stderr, "\n%s epoch %d/%d: tau %.3g phi %.2f lambda %.4g argmax %.3f ms (T %.3f) valid %.1f%% entropy %.2f\n  %s\n",
                 o_.method.c_str(), x.epoch, o_.epochs, x.tau, x.phi, x.lambda, x.predicted_ms, o_.target_ms,
                 x.valid_accuracy, x.entropy, x.arch.c_str());
    save();
  }

  void print_step(int e, int64_t step, int64_t total, double loss, std::chrono::steady_clock::time_point t0) {
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double done = static_cast<double>(step + 1 - first_step_);
    const double eta = done > 0 ? sec / done * static_cast<double>(total - step - 1) : 0;
    std::fprintf(stderr, "\r%s epoch %d/%d step %lld/%lld loss %.3f lambda %.4g argmax %.3f ms eta %.0fs   ",
                 o_.method.c_str(), e + 1, o_.epochs, static_cast<long long>(step + 1), static_cast<long long>(total),
                 loss, multiplier_.lambda, last_ms_, eta);
    std::fflush(stderr);
  }

  void save() {
    if (o_.checkpoint.empty()) return;
    torch::serialize::OutputArchive a;
    torch::serialize::OutputArchive net, logits, w_opt, a_opt;
    net_->save(net);
    logits_->save(logits);
    w_opt_->save(w_opt);
    a_opt_->save(a_opt);
    a.write("net", net);
    a.write("logits", logits);
    a.write("w_opt", w_opt);
    a.write("a_opt", a_opt);
    a.write("progress", c10::IValue(nlohmann::json{{"epochs", progress_.epochs}, {"steps", progress_.steps}}.dump()));
    std::ostringstream os;
    a.save_to(os);
    write_file_atomic(o_.checkpoint, os.str());
  }

  /// Restores the checkpoint when there is one; sets where the search stands.
  bool load() {
    const bool resume = !o_.checkpoint.empty() && file_exists(o_.checkpoint);
    if (resume) restore();
    multiplier_.lambda = progress_.lambda();
    last_ms_ = predicted_ms(logits_->argmax_one_hot());
    first_step_ = progress_.epochs_done() * train_.num_batches();
    if (resume) std::fprintf(stderr, "resuming the search after epoch %d of %d\n", progress_.epochs_done(), o_.epochs);
    return resume;
  }

  void restore() {
    try {
      torch::serialize::InputArchive a, net, logits, w_opt, a_opt;
      a.load_from(o_.checkpoint);
      a.read("net", net);
      a.read("logits", logits);
      a.read("w_opt", w_opt);
      a.read("a_opt", a_opt);
      net_->load(net);
      logits_->load(logits);
      w_opt_->load(w_opt);
      a_opt_->load(a_opt);
      c10::IValue text;
      a.read("progress", text);
      const nlohmann::json j = nlohmann::json::parse(text.toStringRef());
      j.at("epochs").get_to(progress_.epochs);
      j.at("steps").get_to(progress_.steps);
    } catch (const c10::Error& e) {
      HWNAS_CHECK(false, "search checkpoint ", o_.checkpoint, " does not match this search (other space or corrupt): ",
                  first_line(e.msg()));
    } catch (const nlohmann::json::exception& e) {
      HWNAS_CHECK(false, "search checkpoint ", o_.checkpoint, ": unreadable progress (", e.what(), ")");
    }
  }

  const SearchSpace& space_;
  const DiffLatency& latency_;
  const DiffSearchOptions& o_;
  BatchLoader train_, valid_;
  DiffSupernet net_{nullptr};
  ArchLogits logits_{nullptr};
  std::unique_ptr<torch::optim::SGD> w_opt_;
  std::unique_ptr<torch::optim::Adam> a_opt_;
  LatencyMultiplier multiplier_;
  AlphaLrSchedule lr_schedule_;
  int paths_ = 0;
  double alpha_lr_ = 0, last_ms_ = 0;
  int64_t first_step_ = 0;
  Progress progress_;
};

}  // namespace

DiffSearchResult diff_search(const SearchSpace& space, const ImageSet& train, const ImageSet& valid,
                             const Normalization& norm, const DiffLatency& latency, const DiffSearchOptions& opts) {
  opts.validate();
  HWNAS_CHECK(train.size() >= opts.batch_size && valid.size() >= opts.batch_size,
              "differentiable search: search-train and search-valid need at least one batch of ", opts.batch_size,
              " images each");
  return DiffSearch(space, train, valid, norm, latency, opts).run();
}

}  // namespace hwnas
