#include "latency/profiler.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <time.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "export/opencv_runtime.h"
#include "nn/blocks.h"
#include "nn/execution.h"
#include "nn/network.h"
#include "nn/onnx_export.h"
#include "nn/reparam.h"

namespace hwnas {

using json = nlohmann::json;

// Limits shared by validate() and the shape checks: a request beyond them is
// a mistake (or abuse of the agent), not a measurement.
constexpr double kMaxPhaseMs = 10000;
constexpr double kMaxTotalMs = 120000;
constexpr int kMaxRepetitions = 1000;
constexpr int kMaxBatch = 1024;
constexpr int kMaxChannels = 8192;
constexpr int kMaxResolution = 2048;
constexpr int kMaxKernel = 15;
constexpr int64_t kMaxInputElements = int64_t(1) << 26;

std::string to_string(Clock clock) { return clock == Clock::kCpu ? "cpu" : "wall"; }

Clock parse_clock(const std::string& text) {
  if (text == "wall") return Clock::kWall;
  if (text == "cpu") return Clock::kCpu;
  HWNAS_CHECK(false, "unknown clock '", text, "' (wall or cpu)");
  return Clock::kWall;
}

std::string to_string(Runtime r) { return r == Runtime::kOpenCv ? "opencv" : "torch"; }

Runtime parse_runtime(const std::string& text) {
  if (text == "torch") return Runtime::kTorch;
  if (text == "opencv") return Runtime::kOpenCv;
  HWNAS_CHECK(false, "unknown runtime '", text, "' (torch or opencv)");
  return Runtime::kTorch;
}

std::string to_string(Statistic s) { return s == Statistic::kMin ? "min" : "median"; }

Statistic parse_statistic(const std::string& text) {
  if (text == "median") return Statistic::kMedian;
  if (text == "min") return Statistic::kMin;
  HWNAS_CHECK(false, "unknown statistic '", text, "' (median or min)");
  return Statistic::kMedian;
}

void ProfileOptions::validate() const {
  HWNAS_CHECK(std::isfinite(warmup_ms) && warmup_ms >= 0 && warmup_ms <= kMaxPhaseMs,
              "profile: warm-up must be in 0..", kMaxPhaseMs, " ms, got ", warmup_ms);
  HWNAS_CHECK(std::isfinite(min_time_ms) && min_time_ms > 0 && min_time_ms <= kMaxPhaseMs,
              "profile: min time must be in (0, ", kMaxPhaseMs, "] ms, got ", min_time_ms);
  HWNAS_CHECK(repetitions >= 1 && repetitions <= kMaxRepetitions, "profile: repetitions must be in 1..",
              kMaxRepetitions, ", got ", repetitions);
  HWNAS_CHECK(warmup_ms + min_time_ms * repetitions <= kMaxTotalMs, "profile: warm-up + repetitions x min time = ",
              warmup_ms + min_time_ms * repetitions, " ms exceeds the limit of ", kMaxTotalMs, " ms per measurement");
  HWNAS_CHECK(std::isfinite(outlier_k) && outlier_k >= 0, "profile: outlier_k must be >= 0, got ", outlier_k);
  HWNAS_CHECK(max_iterations >= 1 && max_iterations <= 100000000,
              "profile: max_iterations must be in 1..1e8, got ", max_iterations);
}

json ProfileOptions::to_json() const {
  return json{{"warmup_ms", warmup_ms},
              {"min_time_ms", min_time_ms},
              {"repetitions", repetitions},
              {"outlier_k", outlier_k},
              {"max_iterations", max_iterations},
              {"clock", to_string(clock)},
              {"statistic", to_string(statistic)},
              {"fold", fold},
              {"runtime", to_string(runtime)}};
}

ProfileOptions ProfileOptions::from_json(const json& j) {
  HWNAS_CHECK(j.is_object(), "profile options must be a JSON object");
  ProfileOptions o;
  for (const auto& [k, v] : j.items()) {
    if (k == "clock") {
      HWNAS_CHECK(v.is_string(), "profile option 'clock' must be \"wall\" or \"cpu\"");
      o.clock = parse_clock(v.get<std::string>());
      continue;
    }
    if (k == "fold") {
      HWNAS_CHECK(v.is_boolean(), "profile option 'fold' must be true or false");
      o.fold = v.get<bool>();
      continue;
    }
    if (k == "runtime") {
      HWNAS_CHECK(v.is_string(), "profile option 'runtime' must be \"torch\" or \"opencv\"");
      o.runtime = parse_runtime(v.get<std::string>());
      continue;
    }
    if (k == "statistic") {
      HWNAS_CHECK(v.is_string(), "profile option 'statistic' must be \"median\" or \"min\"");
      o.statistic = parse_statistic(v.get<std::string>());
      continue;
    }
    HWNAS_CHECK(v.is_number(), "profile option '", k, "' must be a number");
    if (k == "warmup_ms") o.warmup_ms = v.get<double>();
    else if (k == "min_time_ms") o.min_time_ms = v.get<double>();
    else if (k == "repetitions") o.repetitions = v.get<int>();
    else if (k == "outlier_k") o.outlier_k = v.get<double>();
    else if (k == "max_iterations") o.max_iterations = v.get<int>();
    else HWNAS_CHECK(false, "unknown profile option '", k, "'");
  }
  return o;
}

json Timing::to_json() const {
  return json{{"median_ms", median_ms},   {"mean_ms", mean_ms},         {"stddev_ms", stddev_ms},
              {"cv", cv},                 {"min_ms", min_ms},           {"max_ms", max_ms},
              {"iterations", iterations}, {"repetitions", repetitions}, {"rejected", rejected}};
}

Timing Timing::from_json(const json& j, const std::string& what) {
  Timing t;
  if (j.is_number()) {
    t.median_ms = t.mean_ms = t.min_ms = t.max_ms = j.get<double>();
  } else {
    HWNAS_CHECK(j.is_object() && j.contains("median_ms") && j["median_ms"].is_number(), what,
                ": expected a number of ms or an object with median_ms");
    auto num = [&](const char* k, double def) {
      if (!j.contains(k)) return def;
      HWNAS_CHECK(j[k].is_number(), what, ": field ", k, " must be a number");
      return j[k].get<double>();
    };
    t.median_ms = num("median_ms", 0);
    t.mean_ms = num("mean_ms", t.median_ms);
    t.stddev_ms = num("stddev_ms", 0);
    t.cv = num("cv", 0);
    t.min_ms = num("min_ms", t.median_ms);
    t.max_ms = num("max_ms", t.median_ms);
    t.iterations = static_cast<int>(num("iterations", 0));
    t.repetitions = static_cast<int>(num("repetitions", 0));
    t.rejected = static_cast<int>(num("rejected", 0));
  }
  HWNAS_CHECK(std::isfinite(t.median_ms) && t.median_ms >= 0, what, ": latency must be a finite ms value >= 0, got ",
              t.median_ms);
  return t;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t n = v.size(), mid = n / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  const double hi = v[mid];
  if (n % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + mid);
  return 0.5 * (lo + hi);
}

double median_abs_deviation(const std::vector<double>& v) {
  const double m = median(v);
  std::vector<double> d;
  d.reserve(v.size());
  for (double x : v) d.push_back(std::fabs(x - m));
  return median(d);
}

const Timing& less_disturbed(const Timing& a, const Timing& b, Statistic s) {
  return b.value_ms(s) < a.value_ms(s) ? b : a;
}

bool disturbed(const Timing& t, double max_spread) {
  return t.min_ms > 0 && t.median_ms > max_spread * t.min_ms;
}

Timing summarize(const std::vector<double>& samples_ms, double outlier_k, int iterations) {
  HWNAS_ASSERT(!samples_ms.empty());
  const double med = median(samples_ms);
  // 1.4826 * MAD estimates the standard deviation of normal noise.
  const double scale = 1.4826 * median_abs_deviation(samples_ms);
  std::vector<double> kept;
  for (double x : samples_ms)
    if (outlier_k <= 0 || scale <= 0 || std::fabs(x - med) <= outlier_k * scale) kept.push_back(x);
  Timing t;
  t.iterations = iterations;
  t.repetitions = static_cast<int>(kept.size());
  t.rejected = static_cast<int>(samples_ms.size() - kept.size());
  t.median_ms = median(kept);
  double sum = 0;
  for (double x : kept) sum += x;
  t.mean_ms = sum / kept.size();
  double ss = 0;
  for (double x : kept) ss += (x - t.mean_ms) * (x - t.mean_ms);
  t.stddev_ms = kept.size() > 1 ? std::sqrt(ss / (kept.size() - 1)) : 0;
  t.cv = t.mean_ms > 0 ? t.stddev_ms / t.mean_ms : 0;
  t.min_ms = *std::min_element(kept.begin(), kept.end());
  t.max_ms = *std::max_element(kept.begin(), kept.end());
  return t;
}

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

void check_op_limits(const OpSpec& s, const std::string& what_arg) {
  const std::string what = what_arg.empty() ? "op " + s.key() : what_arg;
  HWNAS_CHECK(s.batch >= 1 && s.batch <= kMaxBatch, what, ": batch must be in 1..", kMaxBatch);
  HWNAS_CHECK(s.cin >= 1 && s.cin <= kMaxChannels && s.cout >= 1 && s.cout <= kMaxChannels &&
                  s.mid >= 0 && s.mid <= 4 * kMaxChannels,
              what, ": channels must be in 1..", kMaxChannels);
  HWNAS_CHECK(s.h >= 1 && s.h <= kMaxResolution && s.w >= 1 && s.w <= kMaxResolution, what,
              ": resolution must be in 1..", kMaxResolution);
  HWNAS_CHECK(s.kernel >= 0 && s.kernel <= kMaxKernel && (s.kernel == 0 || s.kernel % 2 == 1), what,
              ": kernel must be odd and at most ", kMaxKernel);
  HWNAS_CHECK(s.stride >= 1 && s.stride <= 4, what, ": stride must be in 1..4");
  HWNAS_CHECK(s.expand >= 0 && s.expand <= 16, what, ": expansion must be in 0..16");
  const int64_t elems = int64_t(s.batch) * s.cin * s.h * s.w;
  const int64_t mid_elems = int64_t(s.batch) * std::max(s.mid, s.cout) * s.h * s.w;
  HWNAS_CHECK(elems <= kMaxInputElements && mid_elems <= 4 * kMaxInputElements, what,
              ": tensors of ", std::max(elems, mid_elems), " elements exceed the limit of ", kMaxInputElements);
}

void check_network_limits(const SearchSpace& space, int batch) {
  const Backbone& b = space.backbone;
  OpSpec s;
  s.kind = OpKind::kStem;
  s.kernel = 3;
  s.cin = b.in_channels;
  s.cout = b.stem_channels;
  s.h = s.w = b.in_size;
  s.batch = batch;
  check_op_limits(s, "the network's input");
  HWNAS_CHECK(space.num_layers() <= 256, "space ", space.description, ": at most 256 layers");
  for (int l = 0; l < space.num_layers(); ++l) {
    const LayerSpec& L = space.layers[l];
    OpSpec ls;

    ls.cin = L.cin;
    ls.cout = L.cout;
    ls.mid = L.cout;
    ls.h = L.in_h;
    ls.w = L.in_w;
    ls.batch = batch;
    check_op_limits(ls, str_cat("layer ", l + 1));
  }
  HWNAS_CHECK(b.head_channels <= kMaxChannels && b.num_classes <= 100000, "space ", space.description,
              ": head too large");
}

namespace {

/// What is timed: one module as profile_op / profile_network build it
/// (fresh weights, eval mode), as its forward pass and its ONNX writer
/// (both hold the module).
struct BuiltModule {
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  std::function<OnnxValue(OnnxGraph&, const OnnxValue&)> write;
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
                             [stem](OnnxGraph& g, const OnnxValue& x) { return stem->write_onnx(g, x); }};
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
                             [head](OnnxGraph& g, const OnnxValue& x) { return head->write_onnx(g, x); }};
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
                           op.se};
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
                           [net](OnnxGraph& g, const OnnxValue& x) { return net->write_onnx(g, x); }, se};
      },
      {batch, b.in_channels, b.in_size, b.in_size}, opt, threads, "arch " + space.format(arch));
}

}  // namespace hwnas
