// The C++ side of bench/python_peer.sh (docs/benchmarks/python_peer.md): a
// network built by hwnas's own code (make_space, the arch text, make_network;
// the MobileNetV2 baseline space of run/finals.h) timed on training steps and
// batch-1 inference, exactly as bench/python_peer.py times the same network
// written in PyTorch. One JSON line on stdout.
//   peer_bench --arch TEXT [--space hsconas] [--mobilenetv2] [--name NAME]
//              [--threads N] [--batch 256] [--steps 6] [--warmup 2]
//              [--infer-warmup 20] [--repeats 150] [--dump DIR]
// --dump DIR writes the network's initial parameters and buffers by name,
// an input and its eval- and train-mode logits (tensors.json, tensors.bin)
// for python_peer.py --check, and exits without timing.
// Not a Google Benchmark *_bench.cpp: CMake links those with benchmark.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/flops.h"
#include "core/search_space.h"
#include "core/spaces/chain.h"
#include "nn/execution.h"
#include "nn/network.h"
#include "train/trainer.h"

using namespace hwnas;
using json = nlohmann::json;

namespace {

/// Fashion-MNIST's normalisation, fixed on both sides (python_peer.py).
constexpr double kMean = 0.2860;
constexpr double kStd = 0.3530;

/// The command line: --key value pairs and one switch.
struct PeerOptions {
  std::string space = "hsconas";
  bool mobilenetv2 = false;  ///< the space's MobileNetV2 baseline space (mobilenetv2_space)
  std::string arch;
  std::string name = "net";
  int threads = 1;
  int batch = 256;
  int steps = 6;         ///< timed training steps
  int warmup = 2;        ///< training steps before timing
  int infer_warmup = 20;
  int repeats = 150;     ///< timed batch-1 forward passes
  std::string dump;      ///< directory for --dump ("" = time)
};

PeerOptions parse_options(int argc, char** argv) {
  PeerOptions o;
  std::map<std::string, std::string*> text{{"--space", &o.space}, {"--arch", &o.arch}, {"--name", &o.name},
                                           {"--dump", &o.dump}};
  std::map<std::string, int*> ints{{"--threads", &o.threads},       {"--batch", &o.batch},
                                   {"--steps", &o.steps},           {"--warmup", &o.warmup},
                                   {"--infer-warmup", &o.infer_warmup}, {"--repeats", &o.repeats}};
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--mobilenetv2") {
      o.mobilenetv2 = true;
      continue;
    }
    HWNAS_CHECK(i + 1 < argc && (text.count(key) || ints.count(key)), "unknown option or missing value: ", key);
    if (text.count(key)) *text[key] = argv[++i];
    else *ints[key] = std::atoi(argv[++i]);
  }
  HWNAS_CHECK(!o.arch.empty(), "--arch is required");
  HWNAS_CHECK(o.threads >= 1 && o.batch >= 1 && o.steps >= 1 && o.repeats >= 1 && o.warmup >= 0 &&
                  o.infer_warmup >= 0,
              "threads, batch, steps and repeats must be >= 1; warm-ups >= 0");
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// Median wall ms of one training step as train() takes it: normalise a
/// uint8 batch, gradients unset, forward, cross entropy, backward,
/// gradient-norm clip at 5, SGD (momentum 0.9, weight decay 3e-5).
double time_training(NetworkImpl& net, int batch, int steps, int warmup) {
  std::vector<torch::Tensor> pool, labels;
  for (int i = 0; i < 2; ++i) {
    pool.push_back(torch::randint(0, 256, {batch, 1, 28, 28}, torch::kUInt8));
    labels.push_back(torch::randint(0, 10, {batch}, torch::kInt64));
  }
  const double scale = 1.0 / (255.0 * kStd), shift = -kMean / kStd;
  std::vector<torch::Tensor> params = net.parameters();
  torch::optim::SGD opt(params, torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(3e-5));
  net.train();
  std::vector<double> times;
  for (int i = 0; i < warmup + steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const torch::Tensor x = pool[i % 2].to(torch::kFloat32) * scale + shift;
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    const torch::Tensor loss = cross_entropy(net.forward(x), labels[i % 2], 0.0);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, 5.0);
    opt.step();
    loss.item<double>();
    if (i >= warmup) times.push_back(ms_since(t0));
  }
  return median(times);
}

/// Median wall ms of one batch-1 forward pass in eval mode without autograd.
double time_inference(NetworkImpl& net, int warmup, int repeats) {
  const torch::Tensor x =
      (torch::randint(0, 256, {1, 1, 28, 28}, torch::kUInt8).to(torch::kFloat32) / 255.0 - kMean) / kStd;
  net.eval();
  torch::NoGradGuard no_grad;
  std::vector<double> times;
  for (int i = 0; i < warmup + repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    net.forward(x);
    if (i >= warmup) times.push_back(ms_since(t0));
  }
  return median(times);
}

/// --dump: every parameter and buffer by name, an input of 8 images and the
/// logits in eval mode, then in train mode (batch statistics), as float32.
void dump_network(NetworkImpl& net, const std::string& dir) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : net.named_parameters(true)) tensors.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : net.named_buffers(true)) tensors.emplace_back(b.key(), b.value().detach().clone());
  const torch::Tensor x = torch::randn({8, 1, 28, 28});
  {
    torch::NoGradGuard no_grad;
    net.eval();
    tensors.emplace_back("__eval_logits__", net.forward(x));
    net.train();
    tensors.emplace_back("__train_logits__", net.forward(x));
  }
  tensors.emplace_back("__input__", x);
  std::ofstream bin(dir + "/tensors.bin", std::ios::binary);
  json index = json::array();
  int64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const torch::Tensor c = t.to(torch::kFloat32).contiguous();
    bin.write(reinterpret_cast<const char*>(c.data_ptr<float>()), static_cast<std::streamsize>(c.numel() * 4));
    index.push_back({{"name", name}, {"shape", c.sizes().vec()}, {"offset", offset}, {"numel", c.numel()}});
    offset += c.numel();
  }
  HWNAS_CHECK(bin.good(), "cannot write ", dir, "/tensors.bin");
  std::ofstream(dir + "/tensors.json") << json{{"tensors", index}}.dump() << "\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const PeerOptions o = parse_options(argc, argv);
  keep_freed_memory();  // as hwnas's main does
  at::set_num_interop_threads(1);
  at::set_num_threads(o.threads);
  torch::manual_seed(0);
  std::unique_ptr<SearchSpace> space = make_space(o.space);
  if (o.mobilenetv2) space = mobilenetv2_space(*space);
  const Arch arch = space->parse(o.arch);
  std::shared_ptr<NetworkImpl> net = make_network(*space, arch);
  const Cost cost = arch_cost(*space, arch, 1);
  torch::Tensor out;
  {
    torch::NoGradGuard no_grad;
    net->eval();
    out = net->forward(torch::zeros({1, space->backbone.in_channels, space->backbone.in_size, space->backbone.in_size}));
  }
  json record{{"side", "c++"},
              {"network", o.name},
              {"parameters", count_parameters(*net)},
              {"macs", cost.macs},
              {"output", out.sizes().vec()}};
  HWNAS_CHECK(cost.params == count_parameters(*net), o.name, ": ", count_parameters(*net),
              " parameters built, core/flops.cpp counts ", cost.params);
  if (!o.dump.empty()) {
    dump_network(*net, o.dump);
    record["dump"] = o.dump;
    std::printf("%s\n", record.dump().c_str());
    return 0;
  }
  const double train_ms = time_training(*net, o.batch, o.steps, o.warmup);
  const double infer_ms = time_inference(*net, o.infer_warmup, o.repeats);
  record["threads"] = o.threads;
  record["batch"] = o.batch;
  record["train_steps"] = o.steps;
  record["train_ms"] = std::round(train_ms * 1e3) / 1e3;
  record["train_images_per_s"] = std::round(o.batch / train_ms * 1e4) / 10;
  record["infer_repeats"] = o.repeats;
  record["infer_ms"] = std::round(infer_ms * 1e4) / 1e4;
  record["torch"] = TORCH_VERSION;
  std::printf("%s\n", record.dump().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "peer_bench: error: %s\n", e.what());
  return 1;
}
