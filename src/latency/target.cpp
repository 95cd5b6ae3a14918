#include "latency/target.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <torch/version.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"
#include "export/opencv_runtime.h"
#include "latency/agent.h"
#include "latency/lut.h"
#include "nn/device.h"

namespace hwnas {

using json = nlohmann::json;

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    // x86: "model name"; many ARM kernels: "Hardware" or "Model".
    for (const char* key : {"model name", "Hardware", "Model"}) {
      if (starts_with(line, key)) {
        const size_t colon = line.find(':');
        if (colon != std::string::npos) return trim(line.substr(colon + 1));
      }
    }
  }
  return "unknown cpu";
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

/// This CPU through LibTorch or OpenCV DNN, or a CUDA GPU of this machine
/// through LibTorch (cuda_device >= 0).
class LocalTarget : public Target {
 public:
  LocalTarget(int threads, int batch, Clock clock, bool fold, Runtime runtime, int cuda_device = -1)
      : info_(cuda_device >= 0 ? cuda_target_info(cuda_device, batch, fold)
                               : local_target_info(threads, batch, clock, fold, runtime)),
        clock_(clock),
        runtime_(runtime),
        cuda_device_(cuda_device) {}
  const TargetInfo& info() const override { return info_; }
  std::string describe() const override {
    std::map<std::string, std::string> o{{"batch", std::to_string(info_.batch)}};
    if (info_.fold && runtime_ != Runtime::kOpenCv) o["fold"] = "1";  // OpenCV DNN always folds
    if (cuda_device_ >= 0) {
      o["device"] = std::to_string(cuda_device_);
      return format_factory_string("cuda", o);
    }
    o["threads"] = std::to_string(info_.threads);
    o["clock"] = info_.clock;
    return format_factory_string(runtime_ == Runtime::kOpenCv ? "opencv" : "local", o);
  }
  Timing measure_op(const OpSpec& spec, const ProfileOptions& opt) override {
    HWNAS_CHECK(spec.batch == info_.batch, "op ", spec.key(), " has batch ", spec.batch, ", target ",
                describe(), " measures batch ", info_.batch);
    return profile_op(spec, with_clock(opt), info_.threads);
  }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions& opt) override {
    return profile_network(space, arch, info_.batch, with_clock(opt), info_.threads);
  }

 private:
  /// The target decides the clock, the folding and the engine, whatever the options say.
  ProfileOptions with_clock(ProfileOptions opt) const {
    opt.clock = clock_;
    opt.fold = info_.fold;
    opt.runtime = runtime_;
    opt.cuda_device = cuda_device_;
    return opt;
  }
  TargetInfo info_;
  Clock clock_;
  Runtime runtime_;
  int cuda_device_;
};

/// Measurements made elsewhere, read from a table: nothing is run here.
class TableTarget : public Target {
 public:
  explicit TableTarget(const std::string& path) : path_(path), lut_(Lut::load(path)) {}
  const TargetInfo& info() const override { return lut_.target; }
  std::string describe() const override { return "table:" + path_; }
  Timing measure_op(const OpSpec& spec, const ProfileOptions&) override {
    auto it = lut_.ops.find(spec.key());
    HWNAS_CHECK(it != lut_.ops.end(), "imported table ", path_, " has no measurement of op ", spec.key());
    return it->second;
  }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions&) override {
    HWNAS_CHECK(lut_.space_fingerprint.empty() || lut_.space_fingerprint == space_fingerprint(space),
                "imported table ", path_, " holds archs of space '", lut_.space, "', not '", space.description,
                "'");
    const std::string text = space.format(arch);
    auto it = lut_.archs.find(text);
    HWNAS_CHECK(it != lut_.archs.end(), "imported table ", path_, " has no end-to-end measurement of arch ", text);
    return it->second;
  }

 private:
  std::string path_;
  Lut lut_;
};

/// cuda:N[,batch=B] is short for cuda:device=N[,batch=B].
std::string expand_cuda_index(const std::string& s) {
  if (!starts_with(s, "cuda:")) return s;
  const size_t comma = s.find(',');
  const std::string first = s.substr(5, comma == std::string::npos ? std::string::npos : comma - 5);
  const bool index = !first.empty() && std::all_of(first.begin(), first.end(), [](char c) { return std::isdigit(c) != 0; });
  return index ? "cuda:device=" + s.substr(5) : s;
}

}  // namespace

TargetInfo local_target_info(int threads, int batch, Clock clock, bool fold, Runtime runtime) {
  HWNAS_CHECK(threads >= 1 && threads <= 256, "local target: threads must be in 1..256, got ", threads);
  HWNAS_CHECK(batch >= 1 && batch <= 1024, "local target: batch must be in 1..1024, got ", batch);
  TargetInfo t;
  const bool opencv = runtime == Runtime::kOpenCv;
  t.kind = opencv ? "local-opencv" : "local-torch";
  t.device = cpu_model();
  t.threads = threads;
  t.batch = batch;
  t.library = opencv ? opencv_version() : std::string("libtorch ") + TORCH_VERSION;
  t.clock = to_string(clock);
  t.fold = fold || opencv;
  HWNAS_CHECK(clock == Clock::kWall || threads == 1, "the cpu clock counts one thread's CPU time: it needs ",
              "threads=1, got ", threads);
  t.host = host_name();
  return t;
}

TargetInfo cuda_target_info(int index, int batch, bool fold) {
  HWNAS_CHECK(batch >= 1 && batch <= 1024, "cuda target: batch must be in 1..1024, got ", batch);
  parse_device(str_cat("cuda:", index));  // refuses a GPU this LibTorch or machine lacks, naming why
  TargetInfo t;
  t.kind = "cuda-torch";
  t.device = cuda_device_name(index);
  t.threads = 1;  // the host thread that launches the kernels
  t.batch = batch;
  t.library = std::string("libtorch ") + TORCH_VERSION + " (CUDA)";
  t.fold = fold;
  t.host = host_name();
  return t;
}

Runtime runtime_of(const TargetInfo& t) { return t.kind == "local-opencv" ? Runtime::kOpenCv : Runtime::kTorch; }

std::string local_target_spec(const TargetInfo& t, Runtime runtime) {
  std::map<std::string, std::string> o{
      {"threads", std::to_string(t.threads)}, {"batch", std::to_string(t.batch)}, {"clock", t.clock}};
  if (runtime == Runtime::kOpenCv) return format_factory_string("opencv", o);
  if (t.fold) o["fold"] = "1";
  return format_factory_string("local", o);
}

std::string target_with_fold(const std::string& spec) {
  const std::string s = trim(spec);
  if (starts_with(s, "remote://")) {
    if (s.find("fold=1") != std::string::npos) return s;
    return s + (s.find('?') == std::string::npos ? "?fold=1" : "&fold=1");
  }
  HWNAS_CHECK(!starts_with(s, "table:"), "--fold: target '", spec, "' is a table of measurements made already");
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(expand_cuda_index(s), &opts);
  if (name == "opencv") return s;  // always folded
  opts["fold"] = "1";
  return format_factory_string(name, opts);
}

std::unique_ptr<Target> make_target(const std::string& spec, const std::string& token) {
  const std::string s = trim(spec);
  if (starts_with(s, "remote://")) {
    // remote://HOST:PORT[?token=T&threads=N&batch=B]
    std::string rest = s.substr(9), query;
    const size_t q = rest.find('?');
    if (q != std::string::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    const size_t colon = rest.rfind(':');
    HWNAS_CHECK(colon != std::string::npos && colon > 0, "target '", spec, "': expected remote://HOST:PORT");
    const std::string host = rest.substr(0, colon);
    const int port = parse_int(rest.substr(colon + 1), str_cat("port of target '", spec, "'"));
    HWNAS_CHECK(port >= 1 && port <= 65535, "target '", spec, "': port must be in 1..65535");
    std::string tok = token;
    int threads = 0, batch = 1;
    Clock clock = Clock::kWall;
    bool fold = false;
    Runtime runtime = Runtime::kTorch;
    if (!query.empty()) {
      for (const std::string& kv : split(query, '&')) {
        const size_t eq = kv.find('=');
        HWNAS_CHECK(eq != std::string::npos, "target '", spec, "': query item '", kv, "' is not key=value");
        const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        if (k == "token") tok = v;
        else if (k == "threads") threads = parse_int(v, "threads of target " + spec);
        else if (k == "batch") batch = parse_int(v, "batch of target " + spec);
        else if (k == "clock") clock = parse_clock(v);
        else if (k == "fold") fold = parse_flag(v, "fold of target " + spec);
        else if (k == "runtime") runtime = parse_runtime(v);
        else HWNAS_CHECK(false, "target '", spec, "': unknown query key '", k,
                         "' (token, threads, batch, clock, fold, runtime)");
      }
    }
    HWNAS_CHECK(!tok.empty(), "target '", rest, "': the agent needs a token (--token T or ?token=T)");
    return make_remote_target(host, port, tok, threads, batch, clock, fold, runtime);
  }
  if (starts_with(s, "table:")) {
    const std::string path = s.substr(6);
    HWNAS_CHECK(!path.empty(), "target '", spec, "': expected table:FILE.csv or table:FILE.json");
    return std::make_unique<TableTarget>(path);
  }
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(expand_cuda_index(s), &opts);
  HWNAS_CHECK(name == "local" || name == "opencv" || name == "cuda", "unknown target '", spec,
              "' (local[:threads=N,batch=B,clock=C,fold=1], opencv[:threads=N,batch=B,clock=C], ",
              "cuda[:N,batch=B,fold=1], remote://HOST:PORT, table:FILE)");
  FactoryOptions o("target " + name, opts);
  if (name == "cuda") {
    const int device = o.get_int("device", 0);
    const int batch = o.get_int("batch", 1);
    const bool fold = parse_flag(o.get("fold", "0"), "fold of target " + spec);
    o.finish();
    HWNAS_CHECK(device >= 0, "target '", spec, "': the GPU index must be >= 0");
    return std::make_unique<LocalTarget>(1, batch, Clock::kWall, fold, Runtime::kTorch, device);
  }
  const int threads = o.get_int("threads", 1);
  const int batch = o.get_int("batch", 1);
  const Clock clock = parse_clock(o.get("clock", "wall"));
  const bool fold = name == "opencv" || parse_flag(o.get("fold", "0"), "fold of target " + spec);
  o.finish();
  return std::make_unique<LocalTarget>(threads, batch, clock, fold,
                                       name == "opencv" ? Runtime::kOpenCv : Runtime::kTorch);
}

std::vector<Timing> measure_round_robin(Target& target, const std::vector<SpaceArch>& nets, const ProfileOptions& opt,
                                        int rounds) {
  HWNAS_CHECK(rounds >= 1, "measure: rounds must be at least 1, got ", rounds);
  std::vector<std::optional<Timing>> t(nets.size());
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < nets.size(); ++i) {
      const Timing now = target.measure_arch(*nets[i].first, nets[i].second, opt);
      t[i] = t[i] ? less_disturbed(*t[i], now, opt.statistic) : now;
    }
  std::vector<Timing> out;
  for (const auto& x : t) out.push_back(*x);
  return out;
}

}  // namespace hwnas
