#include "eval/accuracy_predictor.h"

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "nn/diff_supernet.h"
#include "nn/execution.h"

namespace hwnas {
namespace {

MlpParams init_mlp(int in, int h1, int h2, uint64_t seed) {
  auto layer = [](int fan_in, int fan_out) {
    // torch::nn::Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const double b = 1.0 / std::sqrt(static_cast<double>(fan_in));
    return std::vector<torch::Tensor>{torch::empty({fan_out, fan_in}, torch::kDouble).uniform_(-b, b),
                                      torch::empty({fan_out}, torch::kDouble).uniform_(-b, b)};
  };
  MlpParams p;
  with_torch_seed(seed, [&] {
    for (auto [i, o] : {std::pair{in, h1}, std::pair{h1, h2}, std::pair{h2, 1}})
      for (torch::Tensor& t : layer(i, o)) p.tensors.push_back(t.requires_grad_(true));
  });
  return p;
}

torch::Tensor forward(const std::vector<torch::Tensor>& w, const torch::Tensor& x) {
  torch::Tensor h = torch::relu(torch::linear(x, w[0], w[1]));
  h = torch::relu(torch::linear(h, w[2], w[3]));
  return torch::linear(h, w[4], w[5]).squeeze(1);
}

torch::Tensor mse(const std::vector<torch::Tensor>& w, const torch::Tensor& x, const torch::Tensor& y) {
  return (forward(w, x) - y).pow(2).mean();
}

/// One SGD step of `w` on (x, y); create_graph keeps it differentiable in w.
std::vector<torch::Tensor> sgd_step(const std::vector<torch::Tensor>& w, const torch::Tensor& x, const torch::Tensor& y,
                                    double lr, bool create_graph) {
  const std::vector<torch::Tensor> g = torch::autograd::grad({mse(w, x, y)}, w, {}, create_graph, create_graph);
  std::vector<torch::Tensor> out;
  for (size_t i = 0; i < w.size(); ++i) out.push_back(w[i] - lr * g[i]);
  return out;
}

std::pair<double, double> mean_sd(const std::vector<AccuracyPair>& pairs) {
  double m = 0, v = 0;
  for (const AccuracyPair& p : pairs) m += p.accuracy;
  m /= static_cast<double>(pairs.size());
  for (const AccuracyPair& p : pairs) v += (p.accuracy - m) * (p.accuracy - m);
  const double sd = std::sqrt(v / static_cast<double>(pairs.size()));
  return {m, sd > 1e-9 ? sd : 1.0};
}

torch::Tensor normalised(const std::vector<AccuracyPair>& pairs, std::pair<double, double> ms) {
  std::vector<double> y;
  for (const AccuracyPair& p : pairs) y.push_back((p.accuracy - ms.first) / ms.second);
  return torch::tensor(y, torch::kDouble);
}

std::vector<Arch> archs_of(const std::vector<AccuracyPair>& pairs) {
  std::vector<Arch> a;
  for (const AccuracyPair& p : pairs) a.push_back(p.arch);
  return a;
}

}  // namespace

MamlAccuracyPredictor::MamlAccuracyPredictor(const SearchSpace& space, MamlOptions opts) : space_(space), o_(opts) {
  HWNAS_CHECK(o_.support >= 1 && o_.query >= 1 && o_.meta_iterations >= 0 && o_.adapt_steps >= 0 &&
                  o_.inner_lr > 0 && o_.meta_lr > 0,
              "MAML predictor: support, query >= 1; learning rates > 0");
  const int in = space.num_layers() * static_cast<int>(space.ops.size());
  meta_ = init_mlp(in, o_.hidden1, o_.hidden2, o_.seed);
}

torch::Tensor MamlAccuracyPredictor::encode(const std::vector<Arch>& archs) const {
  std::vector<torch::Tensor> rows;
  for (const Arch& a : archs) rows.push_back(arch_one_hot(space_, a).flatten().to(torch::kDouble));
  return torch::stack(rows);
}

void MamlAccuracyPredictor::meta_train(const std::vector<AccuracyPair>& proxy) {
  const int n = static_cast<int>(proxy.size());
  HWNAS_CHECK(n >= o_.support + o_.query, "MAML predictor: ", n, " proxy pairs, a task needs ", o_.support + o_.query);
  const torch::Tensor x = encode(archs_of(proxy));
  const torch::Tensor y = normalised(proxy, mean_sd(proxy));
  torch::optim::Adam opt(meta_.tensors, torch::optim::AdamOptions(o_.meta_lr));
  Rng rng = derive_rng(o_.seed, Stage::kSearch, 0x4d414d4cULL);  // "MAML"
  std::vector<int64_t> order(n);
  double recent = 0;
  int counted = 0;
  for (int it = 0; it < o_.meta_iterations; ++it) {
    opt.zero_grad();
    torch::Tensor loss = torch::zeros({}, torch::kDouble);
    for (int t = 0; t < o_.tasks_per_iteration; ++t) {
      for (int i = 0; i < n; ++i) order[i] = i;
      for (int i = 0; i < o_.support + o_.query; ++i) std::swap(order[i], order[i + uniform_int(rng, n - i)]);
      const torch::Tensor s = torch::tensor(std::vector<int64_t>(order.begin(), order.begin() + o_.support));
      const torch::Tensor q =
          torch::tensor(std::vector<int64_t>(order.begin() + o_.support, order.begin() + o_.support + o_.query));
      // Eq. 5.4: theta' after one step on the support set; Eq. 5.5: its loss on the query set.
      const std::vector<torch::Tensor> adapted = sgd_step(meta_.tensors, x.index_select(0, s), y.index_select(0, s),
                                                          o_.inner_lr, /*create_graph=*/true);
      loss = loss + mse(adapted, x.index_select(0, q), y.index_select(0, q));
    }
    loss = loss / o_.tasks_per_iteration;
    loss.backward();  // Eq. 5.6, second order through the inner step
    opt.step();
    if (it >= o_.meta_iterations - 100) {
      recent += loss.item<double>();
      ++counted;
    }
  }
  meta_loss_ = counted > 0 ? recent / counted : std::nan("");
}

std::pair<torch::Tensor, torch::Tensor> MamlAccuracyPredictor::take_real(const std::vector<AccuracyPair>& real) {
  HWNAS_CHECK(real.size() >= 2, "accuracy predictor: needs at least 2 real pairs, got ", real.size());
  const auto ms = mean_sd(real);
  real_mean_ = ms.first;
  real_sd_ = ms.second;
  return {encode(archs_of(real)), normalised(real, ms)};
}

void MamlAccuracyPredictor::use(const std::vector<torch::Tensor>& weights) {
  adapted_.tensors.clear();
  for (const torch::Tensor& t : weights) adapted_.tensors.push_back(t.detach());
  ready_ = true;
}

void MamlAccuracyPredictor::adapt(const std::vector<AccuracyPair>& real) {
  const auto [x, y] = take_real(real);
  std::vector<torch::Tensor> w = meta_.tensors;
  for (int s = 0; s < o_.adapt_steps; ++s) {
    std::vector<torch::Tensor> leaf;
    for (const torch::Tensor& t : w) leaf.push_back(t.detach().requires_grad_(true));
    w = sgd_step(leaf, x, y, o_.inner_lr, false);
  }
  use(w);
}

void MamlAccuracyPredictor::fit_from_scratch(const std::vector<AccuracyPair>& real) {
  const auto [x, y] = take_real(real);
  MlpParams fresh = init_mlp(static_cast<int>(x.size(1)), o_.hidden1, o_.hidden2, o_.seed + 1);
  torch::optim::Adam opt(fresh.tensors, torch::optim::AdamOptions(o_.meta_lr));
  for (int s = 0; s < o_.scratch_steps; ++s) {
    opt.zero_grad();
    mse(fresh.tensors, x, y).backward();
    opt.step();
  }
  use(fresh.tensors);
}

std::vector<double> MamlAccuracyPredictor::predict(const std::vector<Arch>& archs) const {
  HWNAS_CHECK(ready_, "accuracy predictor: adapt() or fit_from_scratch() first");
  torch::NoGradGuard no_grad;
  const torch::Tensor z = forward(adapted_.tensors, encode(archs));
  std::vector<double> out;
  for (int64_t i = 0; i < z.size(0); ++i) out.push_back(real_mean_ + real_sd_ * z[i].item<double>());
  return out;
}

double MamlAccuracyPredictor::predict(const Arch& arch) const { return predict(std::vector<Arch>{arch})[0]; }

}  // namespace hwnas
