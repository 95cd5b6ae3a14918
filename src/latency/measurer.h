// One measurement procedure for whole networks on a target, used alike by
// the table's bias archs, the latency check, the measure stage and `hwnas
// latency validate|measure`. A shared host changes speed by 15-40% for a
// minute at a time, longer than any retry can wait out
// (docs/benchmarks/pipeline.md, "A speed reference beside every timing").
// So every network is timed between two timings of one arch of the table,
// its speed reference, and scaled by the reference's time then against its
// fastest time at profiling: every latency of a run, T's included, is at
// one machine speed.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
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

/// How far over its prediction a timing (a latency check's, or a final's
/// without one) may read before it is taken again. The table's model
/// misses single archs by up to about 10% (one widened pick: 2.743 ms
/// measured against 2.5 predicted), while a disturbance that the speed
/// reference's timings around a net miss reads it far higher: in four
/// default runs 11 of 85 check timings read 23 - 71% over their prediction
/// (8 in the check's first round; the cause is not known), and 3% under to
/// 10% over when taken again seconds later (docs/benchmarks/pipeline.md,
/// "Timing outliers taken again").
inline constexpr double kRetimeOver = 0.15;

/// A table's speed reference: an arch and its time at the table's speed.
struct SpeedReference {
  const SearchSpace* space = nullptr;  ///< the arch's; null: no reference, timings stay as timed
  Arch arch;
  double ms = 0;
  std::shared_ptr<const SearchSpace> owned;  ///< `space`, when the reference lives in another table's space
  /// The reference `lut` names (Lut::reference_arch), parsed in `space` or
  /// in the space the table names for it; none when the table has none.
  static SpeedReference of(const SearchSpace& space, const Lut& lut);
  bool empty() const { return space == nullptr; }
  /// Stores this reference in `lut` (naming its space when it is not `lut_space`).
  void store(Lut* lut, const SearchSpace& lut_space) const;
};

/// `raw` timed while the reference took `speed` times its reference time:
/// every time in it divided by `speed` (NaN speed: `raw` as it is).
Timing at_reference_speed(const Timing& raw, double speed);

/// One net's timing with the reference timed just before and just after it.
struct Bracketed {
  Timing raw;
  double before_ms = std::nan(""), after_ms = std::nan("");  ///< the reference's timings (NaN: no reference)
};

/// How far the machine's speed may move across one net's timing (the
/// reference's timings before and after it) for that timing to count as
/// steady: scaling by their mean is then within half of it.
inline constexpr double kSteady = 0.05;

/// A net's timing scaled to the reference speed, and how it was taken.
struct ScaledTiming {
  Timing timing;                ///< at the reference speed (as timed without a reference)
  Timing raw;                   ///< as timed
  double speed = std::nan("");  ///< the reference's mean time around it / its reference time (NaN: none)
  double unsteadiness = 0;      ///< |after / before - 1| of the reference's timings around it
  /// `b` scaled by the mean of its reference timings over `reference_ms`.
  static ScaledTiming of(const Bracketed& b, double reference_ms);
  bool steady() const { return unsteadiness <= kSteady; }
};

/// Of two timings of one net, the one to keep: a steady one over an
/// unsteady one (a speed change inside a bracket scales wrongly, and often
/// low); of two steady ones the one taken nearest the reference speed (the
/// least scaled: keeping the lower of two scaled timings would pick the
/// one the scaling erred low on), then the less disturbed; of two unsteady,
/// the steadier.
const ScaledTiming& better_timing(const ScaledTiming& a, const ScaledTiming& b, Statistic s);

/// Times `nets` one after another (`reverse`: the last first), the
/// reference arch before the first and after every net (null reference:
/// the nets alone). `reference_timings`, when given, receives every timing
/// of the reference; `after_each(i, timing)` follows net i's timing.
std::vector<Bracketed> time_bracketed(Target& target, const std::vector<SpaceArch>& nets, const SpaceArch* reference,
                                      const ProfileOptions& opt, bool reverse,
                                      std::vector<double>* reference_timings = nullptr,
                                      const std::function<void(size_t, const Timing&)>& after_each = nullptr);

struct Measurement {
  std::vector<ScaledTiming> nets;  ///< per net, the best of its timings (better_timing)
  std::string unsettled;           ///< why the last attempt still looked disturbed; empty: settled
  /// The nets' median speed - 1: how much slower than at profiling the
  /// machine ran (NaN: no reference, or no nets).
  double drift() const;
  double ms(size_t i, Statistic s) const { return nets[i].timing.value_ms(s); }
  double raw_ms(size_t i, Statistic s) const { return nets[i].raw.value_ms(s); }
};

/// What one measurement leaves for the next of a run: a slowdown that an
/// attempt 5 s later did not ease. Seconds later the machine is still in
/// it (a default run's widening, 14 timings on a host steady at 1.05 -
/// 1.08x slow, waited 5 s before each: 139 s, against 22 s on a quiet
/// host), so the next measurement does not wait for it again.
struct LastingSlowdown {
  double drift = std::nan("");  ///< the reference's slowdown then (NaN: none seen)
  double at_s = 0;              ///< when, in seconds of a steady clock
  /// How long a lasting slowdown is assumed to stay.
  static constexpr double kKeepsS = 60;
};

/// The rule: time the nets bracketed by the reference in `rounds` passes,
/// alternately forward and in reverse (a burst of load lasts seconds, longer
/// than one net), each net keeping its best timing (better_timing). When a
/// net has no steady timing, or the reference runs over 5% slower than at
/// profiling (scaling is least exact then) and, after the first attempt,
/// at least 2 points less slow than at the attempt before (else the
/// slowdown lasts longer than waiting helps), or a net's repetitions
/// spread far above their minimum (disturbed()) while some minimum still
/// dropped by 2% since the attempt before, wait 5 s and time every net
/// again; at most `attempts` in all. With `lasting`, a slowdown it noted
/// under LastingSlowdown::kKeepsS ago counts as the attempt before, and a
/// slowdown that lasts is noted in it for the next measurement.
Measurement measure_settled(Target& target, const std::vector<SpaceArch>& nets, const SpeedReference& reference,
                            const ProfileOptions& opt, int rounds, const std::string& what, int attempts = 3,
                            LastingSlowdown* lasting = nullptr);

/// Times `archs` into lut->archs at the table's speed: each one the table
/// lacks (each one, without `reuse`) bracketed by the reference, forward and
/// then again in reverse, keeping the better (better_timing). A table without a
/// reference gets one: `reference` when given (another table's, so that both
/// tables' archs read at one speed), else archs[0] at the fastest of its
/// timings now.
/// `progress(i, ms)` follows arch i's first timing (as timed);
/// `reference_timings` receives the reference's timings. Returns the
/// indices of the archs timed now.
std::vector<size_t> time_table_archs(Target& target, const SearchSpace& space, Lut* lut, const std::vector<Arch>& archs,
                                     const ProfileOptions& opt, bool reuse,
                                     const std::function<void(size_t, double)>& progress = nullptr,
                                     std::vector<double>* reference_timings = nullptr,
                                     const SpeedReference& reference = SpeedReference());

}  // namespace hwnas
