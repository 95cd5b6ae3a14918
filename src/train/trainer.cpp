#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "core/io.h"
#include "nn/device.h"
#include "nn/execution.h"

namespace hwnas {

void TrainOptions::validate() const {
  HWNAS_CHECK(epochs >= 1, "epochs must be >= 1, got ", epochs);
  HWNAS_CHECK(batch_size >= 1 && batch_size <= 65536, "batch size must be in 1..65536, got ", batch_size);
  HWNAS_CHECK(lr > 0 && lr < 100, "learning rate must be in (0, 100), got ", lr);
  HWNAS_CHECK(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got ", momentum);
  HWNAS_CHECK(weight_decay >= 0, "weight decay must be >= 0, got ", weight_decay);
  HWNAS_CHECK(grad_clip > 0, "gradient clip must be > 0, got ", grad_clip);
  HWNAS_CHECK(label_smoothing >= 0 && label_smoothing < 1, "label smoothing must be in [0, 1), got ",
              label_smoothing);
  HWNAS_CHECK(warmup_epochs >= 0 && warmup_epochs < epochs, "warm-up epochs must be in [0, epochs)");
  HWNAS_CHECK(limit >= 0, "limit must be >= 0");
}

ArchSampler uniform_path_sampler(const SearchSpace& space, uint64_t seed) {
  std::shared_ptr<SearchSpace> s = space.clone();
  return [s, seed](int64_t step) {
    Rng rng = derive_rng(seed, Stage::kSupernet, static_cast<uint64_t>(step));
    return s->sample(rng);
  };
}

torch::Tensor cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels, double smoothing) {
  const torch::Tensor logp = torch::log_softmax(logits, 1);
  const torch::Tensor nll = -logp.gather(1, labels.unsqueeze(1)).squeeze(1);
  if (smoothing <= 0) return nll.mean();
  return ((1 - smoothing) * nll - smoothing * logp.mean(1)).mean();
}

double cosine_lr(double lr, int64_t step, int64_t total_steps) {
  return 0.5 * lr * (1 + std::cos(M_PI * static_cast<double>(step) / std::max<int64_t>(1, total_steps)));
}

namespace {

/// Cosine schedule with optional linear warm-up, per step.
double learning_rate(const TrainOptions& o, int64_t step, int64_t steps_per_epoch) {
  const double total = static_cast<double>(o.epochs) * steps_per_epoch;
  const double warm = static_cast<double>(o.warmup_epochs) * steps_per_epoch;
  if (step < warm) return o.lr * (step + 1) / warm;
  const double t = (step - warm) / std::max(1.0, total - warm);
  return 0.5 * o.lr * (1 + std::cos(M_PI * t));
}

void save_checkpoint(const std::string& path, NetworkImpl& net, torch::optim::SGD& opt, int64_t step) {
  torch::serialize::OutputArchive archive;
  net.save(archive);
  torch::serialize::OutputArchive opt_archive;
  opt.save(opt_archive);
  archive.write("optimizer", opt_archive);
  archive.write("step", torch::tensor(step));
  std::ostringstream os;
  archive.save_to(os);
  write_file_atomic(path, os.str());
}

int64_t load_checkpoint(const std::string& path, NetworkImpl& net, torch::optim::SGD& opt) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, device_of(net));  // written on another device: mapped to this one
    net.load(archive);
    torch::serialize::InputArchive opt_archive;
    archive.read("optimizer", opt_archive);
    opt.load(opt_archive);
    torch::Tensor step;
    archive.read("step", step);
    return step.item<int64_t>();
  } catch (const c10::Error& e) {
    HWNAS_CHECK(false, "checkpoint ", path, " does not match this network (wrong space or corrupt): ",
                first_line(e.msg()));
  }
  return 0;
}

}  // namespace

TrainStats train(NetworkImpl& net, const ArchSampler& sample, const ImageSet& data,
                 const Normalization& norm, const TrainOptions& opts, const StepCallback& on_step) {
  opts.validate();
  HWNAS_CHECK(data.size() > 0, "training set ", data.name, " is empty");
  BatchLoader::Options lo;
  lo.batch_size = opts.batch_size;
  lo.shuffle = opts.shuffle;
  lo.augment = opts.augment;
  const int64_t usable = opts.limit > 0 ? std::min(opts.limit, data.size()) : data.size();
  lo.drop_last = usable > opts.batch_size;
  lo.limit = opts.limit;
  BatchLoader loader(data, norm, lo, opts.seed);
  const int64_t per_epoch = loader.num_batches();
  const int64_t total = per_epoch * opts.epochs;

  net.to(opts.device);  // before the optimizer: it holds the parameters it is given
  const torch::Device device = opts.device;
  // Reading a value from a GPU waits for its queue; the running loss and
  // accuracy stay on the device and are read every 10th step there.
  const int64_t read_every = device.is_cuda() ? 10 : 1;
  torch::optim::SGD opt(net.parameters(), torch::optim::SGDOptions(opts.lr)
                                              .momentum(opts.momentum)
                                              .weight_decay(opts.weight_decay));
  TrainStats stats;
  if (!opts.checkpoint.empty() && file_exists(opts.checkpoint)) {
    stats.steps = load_checkpoint(opts.checkpoint, net, opt);
  }
  // Data parallel: the ranks start from rank 0's weights, take their shard
  // of each batch, normalise over the whole batch and average gradients.
  DataParallel* dp = opts.parallel ? opts.parallel : in_parallel_job() ? nullptr : process_data_parallel();
  if (dp && dp->world() == 1) dp = nullptr;
  HWNAS_CHECK(!dp || opts.batch_size % dp->world() == 0, "data parallel: batch size ", opts.batch_size,
              " does not split over ", dp ? dp->world() : 1, " ranks");
  if (dp) dp->broadcast(net);
  const SyncBatchNormScope sync(dp);
  const bool writes = !dp || dp->rank() == 0;  // one checkpoint writer
  net.train();
  const auto t0 = std::chrono::steady_clock::now();
  double loss_sum = 0, correct = 0, seen = 0;
  torch::Tensor loss_acc, correct_acc;  // since the last read, on the device
  const auto read_running = [&] {
    if (!loss_acc.defined()) return;
    const torch::Tensor both = torch::stack({loss_acc.to(torch::kDouble), correct_acc.to(torch::kDouble)}).cpu();
    loss_sum += both[0].item<double>();
    correct += both[1].item<double>();
    loss_acc = correct_acc = torch::Tensor();
  };
  int64_t step = stats.steps;
  for (; step < total; ++step) {
    if (opts.stop_after_steps > 0 && step >= opts.stop_after_steps) break;
    const int64_t epoch = step / per_epoch, index = step % per_epoch;
    if (index == 0) loss_sum = correct = seen = 0;
    auto [x_host, y_host] = loader.batch(epoch, index);
    torch::Tensor x = to_device(x_host, device), y = to_device(y_host, device);
    if (dp) {
      HWNAS_CHECK(x.size(0) % dp->world() == 0, "data parallel: a batch of ", x.size(0), " images does not split over ",
                  dp->world(), " ranks (use --limit or a batch size that divides the data)");
      const int64_t shard = x.size(0) / dp->world();
      x = x.narrow(0, dp->rank() * shard, shard);
      y = y.narrow(0, dp->rank() * shard, shard);
    }
    for (auto& group : opt.param_groups())
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(learning_rate(opts, step, per_epoch));
    // Undefined gradients make SGD skip the parameters off this step's path,
    // so their momentum does not drag them along.
    for (auto& p : net.parameters()) p.mutable_grad() = torch::Tensor();
    const Arch arch = sample(step);
    const torch::Tensor logits = net.forward(x, arch);
    const torch::Tensor loss = cross_entropy(logits, y, opts.label_smoothing);
    loss.backward();
    if (dp) dp->average_gradients(net);
    torch::nn::utils::clip_grad_norm_(net.parameters(), opts.grad_clip);
    opt.step();
    const torch::Tensor step_loss = loss.detach().to(torch::kDouble);
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor l = step_loss * static_cast<double>(x.size(0)), c = logits.argmax(1).eq(y).sum();
      loss_acc = loss_acc.defined() ? loss_acc + l : l;
      correct_acc = correct_acc.defined() ? correct_acc + c : c;
    }
    seen += x.size(0);
    stats.images += x.size(0);
    // Read before a checkpoint too, so a diverged training never writes one.
    const bool checkpoint_due = writes && !opts.checkpoint.empty() && (step + 1) % opts.checkpoint_every == 0;
    if (opts.record_losses || checkpoint_due || (step + 1) % read_every == 0 || index + 1 == per_epoch ||
        step + 1 == total) {
      if (opts.record_losses) stats.step_losses.push_back(step_loss.item<double>());
      read_running();
      // A diverged step turns every later running sum NaN, so the next read sees it.
      HWNAS_CHECK(std::isfinite(loss_sum), "training diverged by step ", step + 1, " (loss ", loss_sum / seen,
                  "); lower the learning rate");
      if (on_step) on_step(step + 1, total, loss_sum / seen, 100.0 * correct / seen);
    }
    if (checkpoint_due) save_checkpoint(opts.checkpoint, net, opt, step + 1);
  }
  read_running();  // steps after the last read, when stop_after_steps ended the loop
  HWNAS_CHECK(std::isfinite(loss_sum), "training diverged by step ", step, "; lower the learning rate");
  stats.steps = step;
  stats.finished = step >= total;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stats.last_loss = seen > 0 ? loss_sum / seen : 0;
  stats.last_accuracy = seen > 0 ? 100.0 * correct / seen : 0;
  if (writes && !opts.checkpoint.empty() && stats.images > 0) save_checkpoint(opts.checkpoint, net, opt, step);
  return stats;
}

StepCallback console_progress(const std::string& label, int64_t steps_per_epoch, int batch_size) {
  // Data parallel: rank 0 speaks for all.
  if (const DataParallel* dp = process_data_parallel(); dp != nullptr && dp->rank() > 0)
    return [](int64_t, int64_t, double, double) {};
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto first = std::make_shared<int64_t>(-1);
  return [=](int64_t step, int64_t total, double loss, double acc) {
    if (*first < 0) *first = step - 1;
    const bool last = step == total;
    // Beside other jobs, one whole line per epoch: a carriage-return bar
    // would be overwritten by theirs.
    const bool lines = in_parallel_job();
    if (lines ? step % steps_per_epoch != 0 && !last : step % 10 != 0 && !last) return;
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    const double done = static_cast<double>(step - *first);
    const double ips = sec > 0 ? done * batch_size / sec : 0;
    const double eta = done > 0 ? sec / done * (total - step) : 0;
    std::fprintf(stderr, "%s%s epoch %lld/%lld step %lld/%lld loss %.3f acc %.1f%% %.0f img/s eta %.0fs   ",
                 lines ? "" : "\r", label.c_str(), static_cast<long long>((step - 1) / steps_per_epoch + 1),
                 static_cast<long long>((total + steps_per_epoch - 1) / steps_per_epoch),
                 static_cast<long long>(step), static_cast<long long>(total), loss, acc, ips, eta);
    if (last || lines) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace hwnas
