// Profiler: times a piece of work the way Google Benchmark's runner does.
// Warm up for a while, size the iteration count so one repetition lasts at
// least min_time, keep that count for every repetition, then summarise the
// per-iteration time of each repetition: median, mean, stddev, CV, with
// repetitions far from the median (by MAD) rejected as outliers (a
// compile job on the other core, a page fault). The torch-specific parts
// (building a block, a stem, a head or a whole network and running it under
// NoGradGuard + InferenceMode with pinned threads) are behind profile_op and
// profile_network; this header stays LibTorch-free.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/arch.h"
#include "core/op_spec.h"
#include "core/search_space.h"

namespace hwnas {

/// What a timing counts. kWall is latency as a user sees it. kCpu counts
/// only the CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), so
/// time slices lost to other processes on a shared machine do not count; it
/// needs a single intra-op thread (with more, the work of the other threads
/// would be missed).
enum class Clock { kWall, kCpu };
/// "wall" or "cpu".
std::string to_string(Clock clock);
/// Inverse of to_string(Clock); throws hwnas::Error naming the text.
Clock parse_clock(const std::string& text);

/// The inference engine that runs what is timed: LibTorch, or OpenCV's DNN
/// module on the network exported as ONNX (export/opencv_runtime.h), which
/// always runs BatchNorm folded (the export folds it).
enum class Runtime { kTorch, kOpenCv };
/// "torch" or "opencv".
std::string to_string(Runtime r);
/// Inverse of to_string(Runtime); throws hwnas::Error naming the text.
Runtime parse_runtime(const std::string& text);

/// Which summary of the repetitions is "the latency" a table or model uses.
/// Both are always recorded. The median is the usual choice on a quiet
/// device; the minimum is the least disturbed repetition, the better
/// estimate of unloaded latency on a machine shared with other jobs (with
/// short repetitions, many of them run without being preempted).
enum class Statistic { kMedian, kMin };
/// "median" or "min".
std::string to_string(Statistic s);
/// Inverse of to_string(Statistic); throws hwnas::Error naming the text.
Statistic parse_statistic(const std::string& text);

/// How long and how often to time. Checked by validate(), which the remote
/// agent also uses to refuse absurd requests.
struct ProfileOptions {
  double warmup_ms = 20;     ///< run untimed for this long first
  double min_time_ms = 1;    ///< each repetition runs at least this long
  int repetitions = 101;     ///< timed repetitions (each a sample of the mean time per call)
  double outlier_k = 3.0;    ///< reject repetitions farther than k * 1.4826 * MAD from the median; 0 = keep all
  int max_iterations = 1000000;  ///< cap on calls per repetition
  Clock clock = Clock::kWall;    ///< what is counted (a target sets it from its TargetInfo)
  Statistic statistic = Statistic::kMedian;  ///< which summary consumers read (Timing::value_ms)
  bool fold = false;  ///< BatchNorm folded into the convs before timing, as deployed (a target sets it)
  Runtime runtime = Runtime::kTorch;  ///< the engine that runs the op or network (a target sets it)
  /// -1: run on the CPU; N: on CUDA GPU N, each call followed by a
  /// synchronisation, so a call's time is the GPU's work and its launches
  /// as a caller waiting for the result sees them (a target sets it; agents
  /// time on their CPU and are never sent it).
  int cuda_device = -1;

  /// Throws hwnas::Error naming the bad field (limits: warm-up and min time
  /// up to 10 s, 1..1000 repetitions, total requested time up to 120 s).
  void validate() const;
  nlohmann::json to_json() const;
  /// Missing fields keep their defaults; unknown fields are refused.
  static ProfileOptions from_json(const nlohmann::json& j);
};

/// Summary of one timed piece of work, in milliseconds per call.
struct Timing {
  double median_ms = 0;
  double mean_ms = 0;
  double stddev_ms = 0;
  double cv = 0;          ///< stddev / mean of the kept repetitions
  double min_ms = 0;
  double max_ms = 0;
  int iterations = 0;     ///< calls per repetition
  int repetitions = 0;    ///< repetitions kept
  int rejected = 0;       ///< repetitions rejected as outliers

  /// The summary `s` picks: median_ms or min_ms.
  double value_ms(Statistic s) const { return s == Statistic::kMin ? min_ms : median_ms; }
  nlohmann::json to_json() const;
  /// Accepts a bare number (an imported median) or an object with at least median_ms.
  static Timing from_json(const nlohmann::json& j, const std::string& what);
};

/// Of two timings of the same work, the one with the lower `s` summary. Load
/// from other jobs only ever slows work down, so when a measurement is
/// repeated at another moment the lower one is the less disturbed.
const Timing& less_disturbed(const Timing& a, const Timing& b, Statistic s);

/// Whether the repetitions of `t` spread far above their minimum (median over
/// minimum above `max_spread`): the timing window had a burst of load in it,
/// and even its minimum may read high. Quiet timings on the 2-core
/// development machine: 1.04-1.09.
bool disturbed(const Timing& t, double max_spread = 1.15);

/// Median of `v` (mean of the two middle values for even sizes); 0 for empty.
double median(std::vector<double> v);
/// Median absolute deviation from the median (unscaled).
double median_abs_deviation(const std::vector<double>& v);
/// Summary of per-call samples (one per repetition) with MAD outlier rejection.
Timing summarize(const std::vector<double>& samples_ms, double outlier_k, int iterations);

/// Times `fn`: warm-up, iterations sized to min_time, repetitions, summary.
Timing time_function(const std::function<void()>& fn, const ProfileOptions& opt);

/// A JSON count (iterations, threads, batch) as an int: an integer or a
/// whole number within int's range; throws hwnas::Error naming `what`.
int json_int(const nlohmann::json& v, const std::string& what);

/// Refuses op shapes no device should be asked to build (the agent's guard
/// against absurd requests): batch 1..1024, channels 1..8192, resolution
/// 1..2048, odd kernels up to 15, input tensors up to 2^26 elements.
void check_op_limits(const OpSpec& spec, const std::string& what = "");
/// The same limits for a whole network of `space` at `batch`.
void check_network_limits(const SearchSpace& space, int batch);

/// Builds the module of one op (block, stem or head; eval mode, fresh
/// weights) and times its forward pass on a random [batch, cin, h, w] input
/// with `threads` intra-op threads: under LibTorch with NoGradGuard and
/// InferenceMode (on GPU opt.cuda_device when >= 0), or (opt.runtime
/// opencv) exported and run by OpenCV DNN.
Timing profile_op(const OpSpec& spec, const ProfileOptions& opt, int threads);
/// Times the stand-alone network of `arch` end to end, the same way.
Timing profile_network(const SearchSpace& space, const Arch& arch, int batch,
                       const ProfileOptions& opt, int threads);

}  // namespace hwnas
