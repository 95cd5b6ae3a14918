#include "latency/measurer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <unistd.h>

#include "core/error.h"
#include "core/strings.h"
#include "latency/validation.h"

namespace hwnas {

SpeedReference SpeedReference::of(const SearchSpace& space, const Lut& lut) {
  SpeedReference r;
  if (lut.reference_arch.empty()) return r;
  r.space = &space;
  if (!lut.reference_space.empty() && lut.reference_space != space.description) {
    r.owned = make_space(lut.reference_space);
    r.space = r.owned.get();
  }
  r.arch = r.space->parse(lut.reference_arch);
  r.ms = lut.reference_ms;
  return r;
}

void SpeedReference::store(Lut* lut, const SearchSpace& lut_space) const {
  lut->reference_arch = space->format(arch);
  lut->reference_ms = ms;
  lut->reference_space = space == &lut_space || space->description == lut_space.description ? "" : space->description;
}

Timing at_reference_speed(const Timing& raw, double speed) {
  if (std::isnan(speed)) return raw;
  HWNAS_CHECK(speed > 0, "machine speed must be positive, got ", speed);
  Timing t = raw;
  for (double* ms : {&t.median_ms, &t.mean_ms, &t.stddev_ms, &t.min_ms, &t.max_ms}) *ms /= speed;
  return t;
}

ScaledTiming ScaledTiming::of(const Bracketed& b, double reference_ms) {
  ScaledTiming t;
  t.raw = b.raw;
  t.speed = (b.before_ms + b.after_ms) / 2 / reference_ms;  // NaN without a reference
  t.timing = at_reference_speed(b.raw, t.speed);
  t.unsteadiness = std::isnan(t.speed) ? 0 : std::fabs(b.after_ms / b.before_ms - 1);
  return t;
}

const ScaledTiming& better_timing(const ScaledTiming& a, const ScaledTiming& b, Statistic s) {
  if (a.steady() != b.steady()) return a.steady() ? a : b;
  if (!a.steady()) return a.unsteadiness <= b.unsteadiness ? a : b;
  // Scaled timings err both ways, so the lower is not the better: the one
  // taken nearest the reference speed needed the least scaling.
  if (!std::isnan(a.speed) && !std::isnan(b.speed) && a.speed != b.speed) return a.speed < b.speed ? a : b;
  return &less_disturbed(a.timing, b.timing, s) == &a.timing ? a : b;
}

std::vector<Bracketed> time_bracketed(Target& target, const std::vector<SpaceArch>& nets, const SpaceArch* reference,
                                      const ProfileOptions& opt, bool reverse, std::vector<double>* reference_timings,
                                      const std::function<void(size_t, const Timing&)>& after_each) {
  auto time_reference = [&] {
    const double ms = target.measure_arch(*reference->first, reference->second, opt).value_ms(opt.statistic);
    if (reference_timings) reference_timings->push_back(ms);
    return ms;
  };
  std::vector<Bracketed> out(nets.size());
  double before = reference ? time_reference() : std::nan("");
  for (size_t k = 0; k < nets.size(); ++k) {
    const size_t i = reverse ? nets.size() - 1 - k : k;
    out[i].raw = target.measure_arch(*nets[i].first, nets[i].second, opt);
    if (after_each) after_each(i, out[i].raw);
    if (!reference) continue;
    out[i].before_ms = before;
    out[i].after_ms = before = time_reference();
  }
  return out;
}

double Measurement::drift() const {
  std::vector<double> speeds;
  for (const ScaledTiming& n : nets) speeds.push_back(n.speed);
  return speeds.empty() || std::isnan(speeds.front()) ? std::nan("") : median(speeds) - 1;
}

Measurement measure_settled(Target& target, const std::vector<SpaceArch>& nets, const SpeedReference& reference,
                            const ProfileOptions& opt, int rounds, const std::string& what, int attempts,
                            LastingSlowdown* lasting) {
  HWNAS_CHECK(attempts >= 1 && rounds >= 1, what, ": at least one attempt and one round");
  const SpaceArch ref{reference.space, reference.arch};
  Measurement m;
  std::vector<Timing> before;
  const auto now_s = [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  double before_drift =
      lasting != nullptr && now_s() - lasting->at_s < LastingSlowdown::kKeepsS ? lasting->drift : std::nan("");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      std::fprintf(stderr, "%s: %s; timing again in 5 s\n", what.c_str(), m.unsettled.c_str());
      sleep(5);
    }
    for (int r = 0; r < rounds; ++r) {
      const std::vector<Bracketed> t = time_bracketed(target, nets, reference.empty() ? nullptr : &ref, opt, r % 2 == 1);
      for (size_t i = 0; i < nets.size(); ++i) {
        const ScaledTiming now = ScaledTiming::of(t[i], reference.ms);
        if (m.nets.size() == i) m.nets.push_back(now);
        else m.nets[i] = better_timing(m.nets[i], now, opt.statistic);
      }
    }
    std::vector<std::string> spread, unsteady;
    for (size_t i = 0; i < nets.size(); ++i) {
      const ScaledTiming& n = m.nets[i];
      if (disturbed(n.timing)) spread.push_back(str_cat("net ", i + 1, " ", format_ratio(n.timing.median_ms / n.timing.min_ms)));
      if (!n.steady()) unsteady.push_back(str_cat("net ", i + 1, " ", format_ratio(1 + n.unsteadiness)));
    }
    // A spread that stays while no minimum drops by 2% more is the machine's
    // floor: another attempt would not move it.
    const bool settled = !before.empty() && [&] {
      for (size_t i = 0; i < nets.size(); ++i)
        if (m.ms(i, opt.statistic) < 0.98 * before[i].value_ms(opt.statistic)) return false;
      return true;
    }();
    // A slowdown that an attempt 5 s later does not ease by 2 points is
    // the machine's state for longer than waiting helps (a default run's
    // widening spent 162 s, most of it on third attempts that read the
    // same speed): the timings are scaled as they are.
    const bool slow_lasts = !std::isnan(before_drift) && m.drift() > before_drift - 0.02;
    m.unsettled.clear();
    if (!unsteady.empty())
      m.unsettled = str_cat("the machine's speed moved while timing (the speed reference after over before): ",
                            join(unsteady, ", "));
    else if (m.drift() > 0.05 && !slow_lasts)
      m.unsettled =
          str_cat("machine speed: the speed reference takes ", format_ratio(1 + m.drift()), " its time at profiling");
    else if (!spread.empty() && !settled)
      m.unsettled = str_cat("disturbed timing (median over minimum): ", join(spread, ", "));
    if (m.unsettled.empty()) {
      if (m.drift() > 0.05)
        std::fprintf(stderr, "%s: the speed reference stays %s its time at profiling; the timings are scaled to it\n",
                     what.c_str(), format_ratio(1 + m.drift()).c_str());
      if (lasting != nullptr) *lasting = {m.drift() > 0.05 ? m.drift() : std::nan(""), now_s()};
      break;
    }
    before_drift = m.drift();
    before.clear();
    for (const ScaledTiming& n : m.nets) before.push_back(n.timing);
  }
  if (!m.unsettled.empty() && attempts > 1)
    std::fprintf(stderr, "hwnas: warning: %s: still disturbed after %d attempts (%s); the latencies may read high\n",
                 what.c_str(), attempts, m.unsettled.c_str());
  return m;
}

std::vector<size_t> time_table_archs(Target& target, const SearchSpace& space, Lut* lut, const std::vector<Arch>& archs,
                                     const ProfileOptions& opt, bool reuse,
                                     const std::function<void(size_t, double)>& progress,
                                     std::vector<double>* reference_timings_out, const SpeedReference& given) {
  std::vector<size_t> todo;
  std::vector<SpaceArch> nets;
  for (size_t i = 0; i < archs.size(); ++i)
    if (!reuse || !lut->archs.count(space.format(archs[i]))) todo.push_back(i), nets.push_back({&space, archs[i]});
  if (todo.empty()) return todo;
  if (lut->reference_arch.empty() && !given.empty()) given.store(lut, space);
  const bool new_reference = lut->reference_arch.empty();
  const SpeedReference table = SpeedReference::of(space, *lut);
  const SpaceArch ref = new_reference ? SpaceArch{&space, archs[0]} : SpaceArch{table.space, table.arch};
  // Forward, then again in reverse: bursts of load last seconds, longer than one arch.
  std::vector<double> reference_timings;
  const std::vector<Bracketed> first =
      time_bracketed(target, nets, &ref, opt, false, &reference_timings, [&](size_t k, const Timing& t) {
        if (progress) progress(todo[k], t.value_ms(opt.statistic));
      });
  const std::vector<Bracketed> second = time_bracketed(target, nets, &ref, opt, true, &reference_timings);
  if (new_reference) {
    lut->reference_arch = space.format(ref.second);
    lut->reference_ms = *std::min_element(reference_timings.begin(), reference_timings.end());
  }
  for (size_t k = 0; k < nets.size(); ++k)
    lut->archs[space.format(nets[k].second)] =
        better_timing(ScaledTiming::of(first[k], lut->reference_ms), ScaledTiming::of(second[k], lut->reference_ms),
                      opt.statistic)
            .timing;
  if (reference_timings_out) *reference_timings_out = reference_timings;
  return todo;
}

}  // namespace hwnas
