// One measurement procedure for whole networks on a target, used by the
// latency check and the measure stage alike: speed probes beside the
// networks, and more attempts while the machine looks disturbed.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "latency/lut.h"
#include "latency/profiler.h"
#include "latency/target.h"

namespace hwnas {

/// How far two timings of one network by measure_settled, in one fresh
/// process, may part on a quiet 2-core machine (docs/benchmarks/pipeline.md,
/// "Where the two timings of one arch part"). A budget is a limit, so an
/// arch is fitted to T with this much room: a second timing must not land
/// over T.
inline constexpr double kRepeatability = 0.02;

/// A timing taken while the probes ran at 1 + `drift` their profiling time,
/// at the machine's speed when the table was profiled: the speed T and the
/// latency table live at. A shared host drifts by 3 - 8% in minutes, so only
/// this repeats (docs/benchmarks/pipeline.md, "Where the two timings of one
/// arch part"). NaN drift (no probes), or one beyond 15% either way (the
/// probes' own reference is suspect then, e.g. a table profiled under load):
/// the timing as it is.
inline bool drift_applies(double drift) { return !std::isnan(drift) && std::fabs(drift) <= 0.15; }
inline double at_profile_speed(double ms, double drift) { return drift_applies(drift) ? ms / (1 + drift) : ms; }

/// Probes of the machine's speed: the first `n` bias archs the table timed
/// at profiling, timed again beside other networks. Their ratio to the
/// profile time says how much of a difference is the machine's (shared
/// hosts drift by 10% in minutes), not the model's.
struct SpeedProbes {
  const SearchSpace* space;     ///< the table's
  std::vector<Arch> archs;
  std::vector<double> then_ms;  ///< each probe's timing at profiling
  SpeedProbes(const SearchSpace& space, const Lut& lut, uint64_t seed, int n, Statistic statistic);
  /// Median ratio - 1 of the probes' timings now (`now[first + k]` for probe
  /// k) to then; NaN without probes.
  double drift(const std::vector<Timing>& now, size_t first) const;

 private:
  Statistic statistic_;
};

/// Times `nets` (the probes appended after them) and returns one timing per
/// net and probe. `again[i]` true: time net i even when a cached timing
/// exists (empty: every net).
using TimeNetsFn = std::function<std::vector<Timing>(const std::vector<SpaceArch>& nets,
                                                     const std::vector<bool>& again)>;

struct Measurement {
  std::vector<Timing> timings;  ///< one per net, each the least disturbed of its attempts
  double drift = 0;             ///< probes now / at profiling - 1 (NaN: no probes)
  std::string unsettled;        ///< why the last attempt still looked disturbed; empty: settled
};

/// The rule: time the nets with the probes; when the probes run over 5%
/// slower than at profiling (a burst of load), or a net's repetitions spread
/// far above their minimum (disturbed()) while some minimum still dropped by
/// 2% since the attempt before, wait 5 s and time every net again (a slow
/// window can fall on a net that looks quiet), each keeping its least
/// disturbed timing; at most `attempts` in all. The first attempt may take
/// stored timings (`time` decides; a resumed run passes attempts = 1).
Measurement measure_settled(const std::vector<SpaceArch>& nets, const SpeedProbes& probes, const TimeNetsFn& time,
                            Statistic statistic, const std::string& what, int attempts = 3);

}  // namespace hwnas
