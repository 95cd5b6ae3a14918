#include "latency/profiler.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <time.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "export/opencv_runtime.h"
#include "core/strings.h"
#include "nn/blocks.h"
#include "nn/device.h"
#include "nn/execution.h"
#include "nn/network.h"
#include "nn/onnx_export.h"
#include "nn/reparam.h"

namespace hwnas {

using json = nlohmann::json;

Timing time_function(const std::function<void()>& fn, const ProfileOptions& opt) {
  opt.validate();
  const clockid_t clock_id = opt.clock == Clock::kCpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
  auto now_ms = [clock_id] {
    timespec ts;
    clock_gettime(clock_id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
  };
  auto run_ms = [&](int n) {
    const double t0 = now_ms();
    for (int i = 0; i < n; ++i) fn();
    return now_ms() - t0;
  };
  // Warm-up: at least one call (allocator, weight packing, caches).
  double warm = 0;
  do warm += run_ms(1);
  while (warm < opt.warmup_ms);
  // Size the iteration count like benchmark's runner: grow until one batch
  // of calls lasts min_time, then keep the count for every repetition.
  // With the cpu clock, work that mostly waits would grow the count without
  // bound; a wall-time cap of 20 x min_time per repetition stops that.
  int iters = 1;
  while (true) {
    timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    const double ms = run_ms(iters);
    clock_gettime(CLOCK_MONOTONIC, &w1);
    const double wall_ms = (w1.tv_sec - w0.tv_sec) * 1e3 + (w1.tv_nsec - w0.tv_nsec) * 1e-6;
    if (ms >= opt.min_time_ms || iters >= opt.max_iterations || wall_ms >= 20 * opt.min_time_ms) break;
    const double mult = ms > 0 ? std::clamp(opt.min_time_ms / ms * 1.4, 1.5, 10.0) : 10.0;
    iters = static_cast<int>(std::min<double>(opt.max_iterations, std::ceil(iters * mult)));
  }
  std::vector<double> samples;
  samples.reserve(opt.repetitions);
  for (int r = 0; r < opt.repetitions; ++r) samples.push_back(run_ms(iters) / iters);
  return summarize(samples, opt.outlier_k, iters);
}


namespace {

/// What is timed: one module as profile_op / profile_network build it
/// (fresh weights, eval mode), as its forward pass and its ONNX writer
/// (both hold the module).
struct BuiltModule {
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  std::function<OnnxValue(OnnxGraph&, const OnnxValue&)> write;
  std::function<void(torch::Device)> to;  ///< moves the module's weights
  bool se = false;  ///< holds squeeze-and-excitation (OpenCV 4.6 runs it at batch 1 only)
};

/// OpenCV's worker threads set for a scope and restored, as ThreadScope does for torch's.
class OpenCvThreadScope {
 public:
  explicit OpenCvThreadScope(int threads) : previous_(set_opencv_threads(threads)) {}
  ~OpenCvThreadScope() { set_opencv_threads(previous_); }
  OpenCvThreadScope(const OpenCvThreadScope&) = delete;
  OpenCvThreadScope& operator=(const OpenCvThreadScope&) = delete;

 private:
  int previous_;
};

/// Builds with `build` and times the forward pass on a random input of
/// `input_shape` with `threads` threads, in the engine opt.runtime names.
Timing time_module(const std::function<BuiltModule()>& build, const std::vector<int64_t>& input_shape,
                   const ProfileOptions& opt, int threads, const std::string& what) {
  HWNAS_CHECK(threads >= 1 && threads <= 256, "threads must be in 1..256, got ", threads);
  opt.validate();
  HWNAS_CHECK(opt.clock == Clock::kWall || threads == 1, "the cpu clock counts one thread's CPU time: it needs ",
              "threads=1, got ", threads);
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  if (opt.runtime == Runtime::kOpenCv) {
    BuiltModule m;
    {
      const ThreadScope building(threads);
      m = build();
    }
    HWNAS_CHECK(!m.se || input_shape[0] == 1, what, ": OpenCV 4.6's DNN module runs squeeze-and-excitation only at ",
                "batch 1 (it cannot broadcast the gate over a batch), got batch ", input_shape[0]);
    const std::vector<int64_t> chw(input_shape.begin() + 1, input_shape.end());
    OpenCvModel model(export_onnx(m.write, chw, what), what);
    const torch::Tensor x = torch::randn(input_shape);
    model.set_input(std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel()), input_shape);
    const OpenCvThreadScope pinned(threads);
    return time_function([&] { model.forward(); }, opt);
  }
  const ThreadScope pinned(threads);
  c10::InferenceMode inference;
  const BuiltModule m = build();
  const torch::Tensor x = torch::randn(input_shape);
  if (opt.cuda_device >= 0) {
    HWNAS_CHECK(opt.clock == Clock::kWall, what, ": a GPU is timed by the wall clock (clock=cpu counts host time only)");
    const torch::Device gpu = parse_device(str_cat("cuda:", opt.cuda_device));
    m.to(gpu);
    const torch::Tensor xg = x.to(gpu);
    // Launching is asynchronous: wait for each call's kernels, as a caller
    // that reads the result does.
    return time_function(
        [&] {
          m.forward(xg);
          torch::cuda::synchronize(opt.cuda_device);
        },
        opt);
  }
  return time_function([&] { m.forward(x); }, opt);
}

}  // namespace

Timing profile_op(const OpSpec& s, const ProfileOptions& opt, int threads) {
  check_op_limits(s);
  const std::vector<int64_t> shape{s.batch, s.cin, s.h, s.w};
  if (s.kind == OpKind::kStem || s.kind == OpKind::kStemPool) {
    Backbone b;
    b.in_channels = s.cin;
    b.in_size = s.h;
    b.stem_channels = s.cout;
    b.stem_stride = s.stride;
    b.stem_pool = s.kind == OpKind::kStemPool;
    return time_module(
        [&] {
          Stem stem = make_stem(b);
          stem->eval();
          if (opt.fold) fold_batchnorm(*stem);
          return BuiltModule{[stem](const torch::Tensor& x) mutable { return stem->forward(x); },
                             [stem](OnnxGraph& g, const OnnxValue& x) { return stem->write_onnx(g, x); },
                             [stem](torch::Device d) mutable { stem->to(d); }};
        },
        shape, opt, threads, "op " + s.key());
  }
  if (s.kind == OpKind::kHead) {
    Backbone b;
    b.head_channels = s.mid;
    b.num_classes = s.cout;
    return time_module(
        [&] {
          Head head = make_head(b, s.cin);
          head->eval();
          if (opt.fold) fold_batchnorm(*head);
          return BuiltModule{[head](const torch::Tensor& x) mutable { return head->forward(x); },
                             [head](OnnxGraph& g, const OnnxValue& x) { return head->write_onnx(g, x); },
                             [head](torch::Device d) mutable { head->to(d); }};
        },
        shape, opt, threads, "op " + s.key());
  }
  // A searchable block: the OpDef and LayerSpec it was built from.
  OpDef op;
  op.name = to_string(s.kind);
  op.kind = s.kind;
  op.kernel = s.kernel;
  op.expand = s.expand;
  op.se = s.se;
  LayerSpec layer;
  layer.cin = s.cin;
  layer.cout = s.cout;
  layer.stride = s.stride;
  layer.in_h = s.h;
  layer.in_w = s.w;
  const int mid = s.mid;
  return time_module(
      [&] {
        std::shared_ptr<BlockImpl> block = make_block(op, layer, std::max(mid, 1));
        block->eval();
        if (opt.fold) fold_network(*block);
        return BuiltModule{[block, mid](const torch::Tensor& x) { return block->forward(x, mid); },
                           [block, mid](OnnxGraph& g, const OnnxValue& x) { return block->write_onnx(g, x, mid); },
                           [block](torch::Device d) { block->to(d); }, op.se};
      },
      shape, opt, threads, "op " + s.key());
}

Timing profile_network(const SearchSpace& space, const Arch& arch, int batch, const ProfileOptions& opt,
                       int threads) {
  check_network_limits(space, batch);
  space.validate(arch);
  const Backbone& b = space.backbone;
  bool se = false;
  for (const Gene& g : arch.genes) se = se || space.ops[g.op].se;
  return time_module(
      [&] {
        std::shared_ptr<NetworkImpl> net = make_network(space, arch);
        net->eval();
        if (opt.fold) fold_network(*net);
        return BuiltModule{[net](const torch::Tensor& x) { return net->forward(x); },
                           [net](OnnxGraph& g, const OnnxValue& x) { return net->write_onnx(g, x); },
                           [net](torch::Device d) { net->to(d); }, se};
      },
      {batch, b.in_channels, b.in_size, b.in_size}, opt, threads, "arch " + space.format(arch));
}

}  // namespace hwnas
