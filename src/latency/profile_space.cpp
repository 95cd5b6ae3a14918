#include "latency/profile_space.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "core/io.h"
#include "latency/measurer.h"
#include "latency/models.h"
#include "latency/validation.h"

namespace hwnas {
namespace {

std::string fmt_seconds(double s) {
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

}  // namespace

Lut profile_space(const SearchSpace& space_ref, const std::string& space_spec, Target& target_ref,
                  const std::string& out, const SpaceProfileOptions& o, SpaceProfileStats* stats_out) {
  using SteadyClock = std::chrono::steady_clock;
  const SearchSpace* space = &space_ref;
  Target* target = &target_ref;
  const ProfileOptions& popt = o.timing;
  popt.validate();
  HWNAS_CHECK(o.bias_archs >= 0 && o.bias_archs <= 100000, "bias archs must be in 0..100000");
  Lut lut = Lut::empty(*space, target->info(), popt);
  lut.origin = out;
  if (!o.fresh && file_exists(out)) {
    Lut old = Lut::load(out);
    HWNAS_CHECK(old.target.id() == target->info().id(), "table ", out, " was measured on [", old.target.id(),
                "], not on [", target->info().id(), "]; use another --out, or --fresh to replace it");
    HWNAS_CHECK(old.space_fingerprint.empty() || old.space_fingerprint == lut.space_fingerprint, "table ", out,
                " was profiled for space '", old.space, "', not '", space_spec,
                "'; use another --out, or --fresh to replace it");
    lut.ops = old.ops;
    lut.archs = old.archs;
    lut.ops_rechecked = old.ops_rechecked;
    // The archs' timings are at the reference's speed: they go together.
    lut.reference_arch = old.reference_arch;
    lut.reference_ms = old.reference_ms;
    lut.reference_space = old.reference_space;
  }
  const std::vector<OpSpec> specs = space_op_specs(*space, target->info().batch);
  std::vector<OpSpec> todo;
  for (const OpSpec& s : specs)
    if (!lut.ops.count(s.key())) todo.push_back(s);
  if (!o.quiet)
    std::fprintf(stderr, "profiling %zu ops of %s on [%s] (%zu already in %s)\n", todo.size(), space_spec.c_str(),
                 target->info().id().c_str(), specs.size() - todo.size(), out.c_str());
  const auto t0 = SteadyClock::now();
  for (size_t i = 0; i < todo.size(); ++i) {
    const Timing t = target->measure_op(todo[i], popt);
    lut.ops[todo[i].key()] = t;
    lut.save(out);  // atomic: an interrupted run keeps what it measured
    if (!o.quiet) {
      const double el = std::chrono::duration<double>(SteadyClock::now() - t0).count();
      std::fprintf(stderr, "[%4zu/%zu] %-52s %9.4f ms  cv %5.1f%%  rej %d  eta %s\n", i + 1, todo.size(),
                   todo[i].key().c_str(), t.value_ms(popt.statistic), 100 * t.cv, t.rejected,
                   fmt_seconds(el / (i + 1) * (todo.size() - i - 1)).c_str());
    }
  }
  if (!todo.empty()) lut.ops_rechecked = false;
  // Recheck pass. On a shared machine a burst of load (another job, another
  // VM on the host) can slow every repetition of the ops timed during it,
  // and no summary of those repetitions undoes that. A second, shorter pass
  // in reverse order times each op at another moment; the table keeps the
  // less disturbed timing. Done once per table (resumed runs skip it).
  if (o.recheck && !lut.ops_rechecked) {
    ProfileOptions quick = popt;
    quick.repetitions = std::max(11, popt.repetitions / 5);
    int lowered = 0;
    double worst = 0;
    std::string worst_key;
    for (auto it = specs.rbegin(); it != specs.rend(); ++it) {
      const std::string key = it->key();
      const Timing again = target->measure_op(*it, quick);
      const double before = lut.ops[key].value_ms(popt.statistic), after = again.value_ms(popt.statistic);
      if (after < before) {
        ++lowered;
        if (1 - after / before > worst) worst = 1 - after / before, worst_key = key;
      }
      lut.ops[key] = less_disturbed(lut.ops[key], again, popt.statistic);
    }
    lut.ops_rechecked = true;
    lut.save(out);
    if (!o.quiet) {
      std::fprintf(stderr, "rechecked %zu ops (%d repetitions each): %d timed lower the second time", specs.size(),
                   quick.repetitions, lowered);
      if (lowered) std::fprintf(stderr, ", most by %.0f%% (%s)", 100 * worst, worst_key.c_str());
      std::fprintf(stderr, "\n");
    }
  }
  const double op_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();

  // HSCoNAS Eq. 4: B from M archs measured end to end (the first M fit archs
  // of `seed`, which hwnas latency validate reuses).
  double arch_seconds = 0;
  int measured_archs = 0;
  if (o.bias_archs > 0) {
    const auto t1 = SteadyClock::now();
    MeasuredArchs m;
    m.archs = fit_archs(*space, o.seed, o.bias_archs);
    // Each arch between two timings of the speed reference (the first, or
    // o.reference): a shared host's speed moves by 15-40% for a minute at a
    // time, so timings are scaled to the reference's fastest (measurer.h).
    std::vector<double> reference_ms;
    const std::vector<size_t> timed = time_table_archs(
        *target, *space, &lut, m.archs, popt, true,
        [&](size_t i, double ms) {
          if (!o.quiet)
            std::fprintf(stderr, "[arch %3zu/%zu] %9.4f ms as timed, %9.4f ms table sum\n", i + 1, m.archs.size(), ms,
                         lut.sum_ms(*space, m.archs[i]));
        },
        &reference_ms, o.reference);
    const SpeedReference reference = SpeedReference::of(*space, lut);
    std::vector<bool> timed_now(m.archs.size(), false);
    for (size_t i : timed) timed_now[i] = true;
    measured_archs = static_cast<int>(timed.size());
    for (const Arch& a : m.archs) m.ms.push_back(lut.archs.at(space->format(a)).value_ms(popt.statistic));
    if (measured_archs > 0) {
      lut.save(out);
      const auto [lo, hi] = std::minmax_element(reference_ms.begin(), reference_ms.end());
      if (!o.quiet)
        std::fprintf(stderr,
                     "timed %d bias archs twice, each beside the speed reference (%s), which took %.4f - %.4f ms "
                     "(the machine's speed moved by %.0f%%); the table keeps them at %.4f ms\n",
                     measured_archs, lut.reference_space.empty() ? "arch 1" : "the main table's", *lo, *hi,
                     100 * (*hi / *lo - 1), lut.reference_ms);
    }
    // An arch whose gap to its table sum is still far above the others' was
    // most likely timed during a burst both times: once more, keep the lower.
    std::vector<double> gaps;
    for (size_t i = 0; i < m.archs.size(); ++i) gaps.push_back(m.ms[i] - lut.sum_ms(*space, m.archs[i]));
    const double med = median(gaps), spread = 3 * 1.4826 * median_abs_deviation(gaps);
    for (size_t i = 0; i < m.archs.size(); ++i) {
      if (!timed_now[i] || gaps[i] - med <= std::max(spread, 0.05 * m.ms[i])) continue;
      const std::string text = space->format(m.archs[i]);
      const SpaceArch ref{reference.space, reference.arch}, arch{space, m.archs[i]};
      const ScaledTiming t = ScaledTiming::of(time_bracketed(*target, {arch}, &ref, popt, false).front(), reference.ms);
      const Timing& again = t.timing;
      if (t.steady()) lut.archs[text] = less_disturbed(lut.archs[text], again, popt.statistic);
      if (!o.quiet)
        std::fprintf(stderr, "[arch %3zu/%zu] %9.4f ms again (was %.4f ms, %.0f%% above the others' gap)\n", i + 1,
                     m.archs.size(), again.value_ms(popt.statistic), m.ms[i], 100 * (gaps[i] - med) / m.ms[i]);
      m.ms[i] = lut.archs[text].value_ms(popt.statistic);
      lut.save(out);
    }
    lut.bias_ms = LutBiasModel::fit_bias(*space, lut, m);
    lut.bias_archs = static_cast<int>(m.size());
    arch_seconds = std::chrono::duration<double>(SteadyClock::now() - t1).count();
  }
  lut.save(out);
  if (stats_out) {
    stats_out->ops_measured = todo.size();
    stats_out->ops_reused = specs.size() - todo.size();
    stats_out->archs_measured = measured_archs;
    stats_out->op_seconds = op_seconds;
    stats_out->arch_seconds = arch_seconds;
  }
  return lut;
}

}  // namespace hwnas
