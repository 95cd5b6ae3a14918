#include "nn/data_parallel.h"

// Debian's libtorch is built with Gloo; its header is guarded by the macro
// the build defined.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// NCCL: only in CUDA builds of LibTorch that ship its header and nccl.h
// (CMake defines HWNAS_WITH_NCCL then, CMakeLists.txt); elsewhere Gloo
// also carries CUDA tensors, through host memory.
#ifdef HWNAS_WITH_NCCL
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <mutex>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
#ifdef HWNAS_WITH_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  ///< formed at the first collective on GPU tensors
#endif
  /// Runs `collective` on the group that carries `t`'s device: NCCL for GPU
  /// tensors where it is built in, else Gloo. `rank` of `world`: this one's.
  template <class F>
  c10::intrusive_ptr<c10d::Work> on(const torch::Tensor& t, int rank, int world, F collective) {
#ifdef HWNAS_WITH_NCCL
    if (t.is_cuda()) {
      // Every rank reaches its first GPU collective at the same point of the
      // same code, so they form the group together.
      if (!nccl) nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
                     c10::make_intrusive<c10d::PrefixStore>("nccl/", store), rank, world);
      return collective(*nccl);
    }
#endif
    return collective(*group);
  }
};

namespace {

/// Waits for a collective, turning c10d's errors (a rank gone, a timeout)
/// into one line.
void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    HWNAS_CHECK(false, "data parallel: ", what, " failed: ", first_line(e.what()));
  }
}

c10::intrusive_ptr<c10d::ProcessGroupGloo> make_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                      int world) {
  auto opts = c10d::ProcessGroupGloo::Options::create(std::chrono::minutes(5));
  opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  opts->threads = 1;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
}

void check_ranks(int rank, int world) {
  HWNAS_CHECK(world >= 1 && world <= 1024, "data parallel: world size must be in 1..1024, got ", world);
  HWNAS_CHECK(rank >= 0 && rank < world, "data parallel: rank ", rank, " is not in 0..", world - 1);
}

}  // namespace

DataParallel::DataParallel(int rank, int world) : impl_(std::make_unique<Impl>()), rank_(rank), world_(world) {}
DataParallel::~DataParallel() = default;

std::unique_ptr<DataParallel> DataParallel::over_file(int rank, int world, const std::string& store_path) {
  check_ranks(rank, world);
  std::unique_ptr<DataParallel> dp(new DataParallel(rank, world));
  try {
    dp->impl_->store = c10::make_intrusive<c10d::FileStore>(store_path, world);
    dp->impl_->group = make_group(dp->impl_->store, rank, world);
  } catch (const std::exception& e) {
    HWNAS_CHECK(false, "data parallel: cannot form the group at ", store_path, ": ", first_line(e.what()));
  }
  return dp;
}

std::unique_ptr<DataParallel> DataParallel::over_tcp(int rank, int world, const std::string& addr, int port) {
  check_ranks(rank, world);
  HWNAS_CHECK(port >= 1 && port <= 65535, "data parallel: MASTER_PORT must be in 1..65535, got ", port);
  std::unique_ptr<DataParallel> dp(new DataParallel(rank, world));
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(port);
    o.isServer = rank == 0;
    o.numWorkers = world;
    o.timeout = std::chrono::minutes(2);
    dp->impl_->store = c10::make_intrusive<c10d::TCPStore>(addr, o);
    dp->impl_->group = make_group(dp->impl_->store, rank, world);
  } catch (const std::exception& e) {
    HWNAS_CHECK(false, "data parallel: rank ", rank, " cannot meet the others at ", addr, ":", port, ": ",
                first_line(e.what()));
  }
  return dp;
}

void DataParallel::broadcast(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> all;
  for (auto& p : m.parameters()) all.push_back(p);
  for (auto& b : m.buffers()) all.push_back(b);
  if (all.empty()) return;
  std::vector<torch::Tensor> flat{torch::cat([&] {
    std::vector<torch::Tensor> v;
    for (auto& t : all) v.push_back(t.detach().reshape({-1}).to(torch::kFloat));
    return v;
  }())};
  wait(impl_->on(flat[0], rank_, world_, [&](auto& g) { return g.broadcast(flat, c10d::BroadcastOptions{0}); }),
       "broadcast of the weights");
  int64_t off = 0;
  for (auto& t : all) {
    t.copy_(flat[0].narrow(0, off, t.numel()).view(t.sizes()));
    off += t.numel();
  }
}

void DataParallel::average_gradients(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (auto& p : m.parameters())
    if (p.grad().defined()) grads.push_back(p.mutable_grad());
  if (grads.empty()) return;
  std::vector<torch::Tensor> parts;
  for (auto& g : grads) parts.push_back(g.reshape({-1}));
  std::vector<torch::Tensor> flat{torch::cat(parts)};
  wait(impl_->on(flat[0], rank_, world_, [&](auto& g) { return g.allreduce(flat); }), "all-reduce of the gradients");
  flat[0].div_(world_);
  int64_t off = 0;
  for (auto& g : grads) {
    g.copy_(flat[0].narrow(0, off, g.numel()).view(g.sizes()));
    off += g.numel();
  }
}

void DataParallel::all_reduce_sum(torch::Tensor& t) {
  std::vector<torch::Tensor> v{t};
  wait(impl_->on(t, rank_, world_, [&](auto& g) { return g.allreduce(v); }), "all-reduce");
}

void DataParallel::barrier() { wait(impl_->group->barrier(), "barrier"); }

DataParallel* process_data_parallel() {
  static std::once_flag once;
  static std::unique_ptr<DataParallel> group;
  std::call_once(once, [] {
    const char* world_env = std::getenv("WORLD_SIZE");
    if (world_env == nullptr) return;
    const int world = parse_int(world_env, "WORLD_SIZE");
    if (world <= 1) return;
    const char* rank_env = std::getenv("RANK");
    HWNAS_CHECK(rank_env != nullptr, "data parallel: WORLD_SIZE is ", world, " but RANK is not set");
    const char* addr = std::getenv("MASTER_ADDR");
    const char* port = std::getenv("MASTER_PORT");
    HWNAS_CHECK(addr != nullptr && port != nullptr, "data parallel: WORLD_SIZE is ", world,
                " but MASTER_ADDR or MASTER_PORT is not set");
    group = DataParallel::over_tcp(parse_int(rank_env, "RANK"), world, addr, parse_int(port, "MASTER_PORT"));
  });
  return group.get();
}

bool process_writes_files() {
  const char* world = std::getenv("WORLD_SIZE");
  const char* rank = std::getenv("RANK");
  return world == nullptr || rank == nullptr || std::atoi(world) <= 1 || std::atoi(rank) == 0;
}

namespace {
thread_local DataParallel* t_sync_group = nullptr;

/// SyncBatchNorm (Ioffe & Szegedy's BN with the batch spread over ranks).
class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, torch::Tensor running_mean,
                               torch::Tensor running_var, double momentum, double eps, int64_t group) {
    auto* dp = reinterpret_cast<DataParallel*>(group);
    const int64_t c = x.size(1);
    // [sum x, sum x^2, count] over this rank, then over all.
    torch::Tensor stats = torch::cat({x.sum({0, 2, 3}), (x * x).sum({0, 2, 3}),
                                      torch::full({1}, static_cast<double>(x.numel() / c), x.options())});
    dp->all_reduce_sum(stats);
    const double n = stats[2 * c].item<double>();
    const torch::Tensor mean = stats.narrow(0, 0, c) / n;
    const torch::Tensor var = (stats.narrow(0, c, c) / n - mean * mean).clamp_min(0);
    const torch::Tensor invstd = torch::rsqrt(var + eps);
    {
      torch::NoGradGuard no_grad;
      running_mean.mul_(1 - momentum).add_(mean, momentum);
      running_var.mul_(1 - momentum).add_(var * (n / std::max(n - 1, 1.0)), momentum);
    }
    const torch::Tensor xhat = (x - mean.view({1, c, 1, 1})) * invstd.view({1, c, 1, 1});
    ctx->save_for_backward({xhat, weight, invstd});
    ctx->saved_data["n"] = n;
    ctx->saved_data["group"] = group;
    return xhat * weight.view({1, c, 1, 1}) + bias.view({1, c, 1, 1});
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &xhat = saved[0], &weight = saved[1], &invstd = saved[2];
    const double n = ctx->saved_data["n"].toDouble();
    auto* dp = reinterpret_cast<DataParallel*>(ctx->saved_data["group"].toInt());
    const torch::Tensor dy = grads[0];
    const int64_t c = dy.size(1);
    const torch::Tensor local_dy = dy.sum({0, 2, 3}), local_dy_xhat = (dy * xhat).sum({0, 2, 3});
    torch::Tensor sums = torch::cat({local_dy, local_dy_xhat});
    dp->all_reduce_sum(sums);
    const torch::Tensor mean_dy = (sums.narrow(0, 0, c) / n).view({1, c, 1, 1});
    const torch::Tensor mean_dy_xhat = (sums.narrow(0, c, c) / n).view({1, c, 1, 1});
    // Each rank's loss is the mean over its shard; the gradient average after
    // backward divides by the world size, so dx carries the global means.
    const torch::Tensor dx =
        (weight * invstd).view({1, c, 1, 1}) * (dy - mean_dy - xhat * mean_dy_xhat);
    return {dx, local_dy_xhat, local_dy, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

SyncBatchNormScope::SyncBatchNormScope(DataParallel* group) : previous_(t_sync_group) { t_sync_group = group; }
SyncBatchNormScope::~SyncBatchNormScope() { t_sync_group = previous_; }
DataParallel* sync_batchnorm_group() { return t_sync_group; }

torch::Tensor sync_batch_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              torch::Tensor running_mean, torch::Tensor running_var, double momentum, double eps,
                              DataParallel& group) {
  HWNAS_CHECK(x.dim() == 4, "sync batch norm: x must be [N, C, H, W]");
  return SyncBatchNormFunction::apply(x, weight, bias, running_mean, running_var, momentum, eps,
                                      reinterpret_cast<int64_t>(&group));
}

}  // namespace hwnas
