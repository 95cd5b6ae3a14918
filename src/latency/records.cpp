// The measurement vocabulary without LibTorch: how to time (ProfileOptions),
// what a timing is (Timing, its statistics), where it was timed (TargetInfo),
// their JSON forms and checks, and the limits on what a device may be asked
// to build. Kept free of LibTorch so the fuzz build (scripts/fuzz.sh) reads
// LUT files and agent requests through exactly this code.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/strings.h"
#include "latency/profiler.h"
#include "latency/target.h"

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

int json_int(const json& v, const std::string& what) {
  if (v.is_number_unsigned()) {
    HWNAS_CHECK(v.get<uint64_t>() <= uint64_t{INT32_MAX}, what, " is out of range: ", v.dump());
    return static_cast<int>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) {
    const int64_t n = v.get<int64_t>();
    HWNAS_CHECK(n >= INT32_MIN && n <= INT32_MAX, what, " is out of range: ", n);
    return static_cast<int>(n);
  }
  HWNAS_CHECK(v.is_number(), what, " must be an integer");
  const double d = v.get<double>();
  HWNAS_CHECK(std::isfinite(d) && d == std::floor(d) && d >= INT32_MIN && d <= INT32_MAX, what,
              " must be a whole number within int's range, got ", d);
  return static_cast<int>(d);
}

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
  HWNAS_CHECK(std::isfinite(warmup_ms) && warmup_ms >= 0 && warmup_ms <= kMaxPhaseMs, "profile: warm-up must be in 0..",
              kMaxPhaseMs, " ms, got ", warmup_ms);
  HWNAS_CHECK(std::isfinite(min_time_ms) && min_time_ms > 0 && min_time_ms <= kMaxPhaseMs,
              "profile: min time must be in (0, ", kMaxPhaseMs, "] ms, got ", min_time_ms);
  HWNAS_CHECK(repetitions >= 1 && repetitions <= kMaxRepetitions, "profile: repetitions must be in 1..",
              kMaxRepetitions, ", got ", repetitions);
  HWNAS_CHECK(warmup_ms + min_time_ms * repetitions <= kMaxTotalMs,
              "profile: warm-up + repetitions x min time = ", warmup_ms + min_time_ms * repetitions,
              " ms exceeds the limit of ", kMaxTotalMs, " ms per measurement");
  HWNAS_CHECK(std::isfinite(outlier_k) && outlier_k >= 0, "profile: outlier_k must be >= 0, got ", outlier_k);
  HWNAS_CHECK(max_iterations >= 1 && max_iterations <= 100000000, "profile: max_iterations must be in 1..1e8, got ",
              max_iterations);
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
    if (k == "warmup_ms")
      o.warmup_ms = v.get<double>();
    else if (k == "min_time_ms")
      o.min_time_ms = v.get<double>();
    else if (k == "repetitions")
      o.repetitions = json_int(v, "profile option 'repetitions'");
    else if (k == "outlier_k")
      o.outlier_k = v.get<double>();
    else if (k == "max_iterations")
      o.max_iterations = json_int(v, "profile option 'max_iterations'");
    else
      HWNAS_CHECK(false, "unknown profile option '", k, "'");
  }
  return o;
}

json Timing::to_json() const {
  return json{{"median_ms", median_ms}, {"mean_ms", mean_ms}, {"stddev_ms", stddev_ms},   {"cv", cv},
              {"min_ms", min_ms},       {"max_ms", max_ms},   {"iterations", iterations}, {"repetitions", repetitions},
              {"rejected", rejected}};
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
    auto count = [&](const char* k) { return j.contains(k) ? json_int(j[k], what + ": field " + k) : 0; };
    t.iterations = count("iterations");
    t.repetitions = count("repetitions");
    t.rejected = count("rejected");
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

bool disturbed(const Timing& t, double max_spread) { return t.min_ms > 0 && t.median_ms > max_spread * t.min_ms; }

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

std::string TargetInfo::id() const {
  return str_cat(kind, "|", device, "|threads=", threads, "|batch=", batch, "|", library, "|clock=", clock,
                 fold ? "|fold" : "");
}

json TargetInfo::to_json() const {
  json j{{"kind", kind},   {"device", device},   {"threads", threads},
         {"batch", batch}, {"library", library}, {"clock", clock}};
  if (fold) j["fold"] = true;
  if (!host.empty()) j["host"] = host;
  if (!endpoint.empty()) j["endpoint"] = endpoint;
  return j;
}

TargetInfo TargetInfo::from_json(const json& j, const std::string& origin) {
  HWNAS_CHECK(j.is_object(), origin, ": target must be a JSON object");
  TargetInfo t;
  auto str = [&](const char* k, bool required) {
    if (!j.contains(k)) {
      HWNAS_CHECK(!required, origin, ": target lacks \"", k, "\"");
      return std::string();
    }
    HWNAS_CHECK(j[k].is_string(), origin, ": target \"", k, "\" must be a string");
    return j[k].get<std::string>();
  };
  auto num = [&](const char* k, int def) {
    return j.contains(k) ? json_int(j[k], str_cat(origin, ": target \"", k, "\"")) : def;
  };
  t.kind = str("kind", true);
  t.device = str("device", false);
  t.library = str("library", false);
  t.host = str("host", false);
  t.endpoint = str("endpoint", false);
  if (j.contains("clock")) t.clock = to_string(parse_clock(str("clock", true)));
  if (j.contains("fold")) {
    HWNAS_CHECK(j["fold"].is_boolean(), origin, ": target \"fold\" must be true or false");
    t.fold = j["fold"].get<bool>();
  }
  t.threads = num("threads", 0);
  t.batch = num("batch", 1);
  HWNAS_CHECK(!t.kind.empty(), origin, ": target kind is empty");
  HWNAS_CHECK(t.batch >= 1, origin, ": target batch must be >= 1, got ", t.batch);
  HWNAS_CHECK(t.threads >= 0, origin, ": target threads must be >= 0, got ", t.threads);
  return t;
}

void check_op_limits(const OpSpec& s, const std::string& what_arg) {
  const std::string what = what_arg.empty() ? "op " + s.key() : what_arg;
  HWNAS_CHECK(s.batch >= 1 && s.batch <= kMaxBatch, what, ": batch must be in 1..", kMaxBatch);
  HWNAS_CHECK(s.cin >= 1 && s.cin <= kMaxChannels && s.cout >= 1 && s.cout <= kMaxChannels && s.mid >= 0 &&
                  s.mid <= 4 * kMaxChannels,
              what, ": channels must be in 1..", kMaxChannels);
  HWNAS_CHECK(s.h >= 1 && s.h <= kMaxResolution && s.w >= 1 && s.w <= kMaxResolution, what,
              ": resolution must be in 1..", kMaxResolution);
  HWNAS_CHECK(s.kernel >= 0 && s.kernel <= kMaxKernel && (s.kernel == 0 || s.kernel % 2 == 1), what,
              ": kernel must be odd and at most ", kMaxKernel);
  HWNAS_CHECK(s.stride >= 1 && s.stride <= 4, what, ": stride must be in 1..4");
  HWNAS_CHECK(s.expand >= 0 && s.expand <= 16, what, ": expansion must be in 0..16");
  const int64_t elems = int64_t(s.batch) * s.cin * s.h * s.w;
  const int64_t mid_elems = int64_t(s.batch) * std::max(s.mid, s.cout) * s.h * s.w;
  HWNAS_CHECK(elems <= kMaxInputElements && mid_elems <= 4 * kMaxInputElements, what, ": tensors of ",
              std::max(elems, mid_elems), " elements exceed the limit of ", kMaxInputElements);
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

}  // namespace hwnas
