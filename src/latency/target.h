// Target: where latency is measured. Every measurement and every latency
// table carries its TargetInfo (like benchmark's reporter Context), and
// tables from different targets are never mixed.
//
//   local[:threads=1,batch=1,clock=wall,fold=0]  this CPU through LibTorch (default 1 thread,
//                                  batch 1, wall clock; clock=cpu counts thread CPU time;
//                                  fold=1 times networks with BatchNorm folded, as deployed)
//   opencv[:threads=1,batch=1,clock=wall]  this CPU through OpenCV's DNN module, on the
//                                  network exported as ONNX (BatchNorm always folded)
//   cuda[:N,batch=1,fold=0]        CUDA GPU N (default 0) of this machine through LibTorch,
//                                  every call synchronised (needs a CUDA LibTorch)
//   remote://HOST:PORT[?token=T&threads=N&batch=B&clock=C&fold=1&runtime=opencv]  an `hwnas agent`
//                                  on the device, timing with LibTorch or OpenCV DNN
//   table:FILE.csv | FILE.json     measurements made elsewhere (e.g. TensorRT on a Jetson)
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/arch.h"
#include "core/op_spec.h"
#include "core/search_space.h"
#include "latency/profiler.h"

namespace hwnas {

/// What a latency was measured on. The fields that decide latency (kind,
/// device, threads, batch, library) make up id(); host and endpoint are
/// informational.
struct TargetInfo {
  std::string kind;      ///< "local-torch" / "local-opencv" for LibTorch / OpenCV DNN on a CPU; free text for imported tables ("tensorrt")
  std::string device;    ///< CPU model from /proc/cpuinfo, or the device an imported table names
  int threads = 0;       ///< intra-op threads (0 = unknown / not applicable)
  int batch = 1;         ///< batch size every op and network was run with
  std::string library;   ///< "libtorch 1.13.0", "TensorRT 8.5", ...
  std::string clock = "wall";  ///< "wall", or "cpu" (thread CPU time, see profiler.h)
  bool fold = false;     ///< networks timed with BatchNorm folded into the convs (nn/reparam.h)
  std::string host;      ///< hostname of the measuring machine
  std::string endpoint;  ///< "remote://HOST:PORT" when measured through an agent

  /// "local-torch|AMD EPYC|threads=1|batch=1|libtorch 1.13.0|clock=wall", then "|fold" when
  /// folded: equal ids, comparable latencies.
  std::string id() const;
  nlohmann::json to_json() const;
  /// Throws hwnas::Error naming `origin` and the missing or mistyped field.
  static TargetInfo from_json(const nlohmann::json& j, const std::string& origin);
};

/// The TargetInfo of `runtime` on this machine with `threads`, `batch`,
/// `clock` (OpenCV DNN runs folded networks whatever `fold` says).
TargetInfo local_target_info(int threads, int batch, Clock clock = Clock::kWall, bool fold = false,
                             Runtime runtime = Runtime::kTorch);
/// The TargetInfo of CUDA GPU `index` of this machine through LibTorch, at
/// `batch`; throws hwnas::Error naming why when there is no such GPU.
TargetInfo cuda_target_info(int index, int batch, bool fold = false);
/// The runtime a target's kind names ("local-opencv": OpenCV DNN, else LibTorch).
Runtime runtime_of(const TargetInfo& t);
/// The --target spec that times on this machine, through `runtime`, with the
/// threads, batch and clock `t` names: "local:batch=1,clock=wall,threads=1"
/// (with fold=1 when `t` was folded; OpenCV DNN folds whatever it is told).
std::string local_target_spec(const TargetInfo& t, Runtime runtime);

class Target {
 public:
  virtual ~Target() = default;
  /// What this target measures on (for a remote target: the agent's device).
  virtual const TargetInfo& info() const = 0;
  /// The factory string back, without any token.
  virtual std::string describe() const = 0;
  /// Latency of one op in its context; spec.batch must equal info().batch.
  virtual Timing measure_op(const OpSpec& spec, const ProfileOptions& opt) = 0;
  /// End-to-end latency of the stand-alone network of `arch`.
  virtual Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions& opt) = 0;
};

/// `spec` with BatchNorm folding asked for (fold=1): `--fold` of the
/// commands that take a --target. A table target is refused: its
/// measurements were made already.
std::string target_with_fold(const std::string& spec);
/// Builds a target from its factory string (see the top of this file).
/// `token` authenticates against a remote agent when the string has none.
std::unique_ptr<Target> make_target(const std::string& spec, const std::string& token = "");

/// A network to time: its space (the searched one, or a baseline's) and arch.
using SpaceArch = std::pair<const SearchSpace*, Arch>;
/// Times every net `rounds` times, round-robin, each keeping its least
/// disturbed timing: a burst of load on a shared machine lasts seconds,
/// longer than one net's timing, so it cannot fall on every round of one net.
std::vector<Timing> measure_round_robin(Target& target, const std::vector<SpaceArch>& nets, const ProfileOptions& opt,
                                        int rounds);

}  // namespace hwnas
