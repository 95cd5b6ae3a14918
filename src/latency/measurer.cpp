#include "latency/measurer.h"

#include <cmath>
#include <cstdio>
#include <unistd.h>

#include "core/error.h"
#include "core/strings.h"
#include "latency/validation.h"

namespace hwnas {

SpeedProbes::SpeedProbes(const SearchSpace& space, const Lut& lut, uint64_t seed, int n, Statistic statistic)
    : space(&space), statistic_(statistic) {
  for (const Arch& a : fit_archs(space, seed, n)) {
    const auto it = lut.archs.find(space.format(a));
    if (it == lut.archs.end()) continue;
    archs.push_back(a);
    then_ms.push_back(it->second.value_ms(statistic));
  }
}

double SpeedProbes::drift(const std::vector<Timing>& now, size_t first) const {
  std::vector<double> ratios;
  for (size_t k = 0; k < then_ms.size(); ++k) ratios.push_back(now[first + k].value_ms(statistic_) / then_ms[k]);
  return ratios.empty() ? std::nan("") : median(ratios) - 1;
}

Measurement measure_settled(const std::vector<SpaceArch>& nets, const SpeedProbes& probes, const TimeNetsFn& time,
                            Statistic statistic, const std::string& what, int attempts) {
  HWNAS_CHECK(attempts >= 1, what, ": at least one attempt");
  std::vector<SpaceArch> all = nets;
  for (const Arch& a : probes.archs) all.push_back({probes.space, a});
  Measurement m;
  std::vector<Timing> before;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      std::fprintf(stderr, "%s: %s; timing again in 5 s\n", what.c_str(), m.unsettled.c_str());
      sleep(5);
    }
    // The first attempt may take stored timings; later ones time everything again.
    const std::vector<Timing> t = time(all, std::vector<bool>(all.size(), attempt > 0));
    HWNAS_CHECK(t.size() == all.size(), what, ": ", t.size(), " timings for ", all.size(), " networks");
    if (attempt == 0) m.timings = t;
    else
      for (size_t i = 0; i < t.size(); ++i) m.timings[i] = less_disturbed(m.timings[i], t[i], statistic);
    m.drift = probes.archs.empty() ? std::nan("") : probes.drift(m.timings, nets.size());
    std::vector<std::string> spread;
    for (size_t i = 0; i < nets.size(); ++i)
      if (disturbed(m.timings[i])) spread.push_back(str_cat("net ", i + 1, " ", format_ratio(m.timings[i].median_ms / m.timings[i].min_ms)));
    // A spread that stays while no minimum drops by 2% more is the machine's
    // floor: another attempt would not move it.
    const bool settled = !before.empty() && [&] {
      for (size_t i = 0; i < nets.size(); ++i)
        if (m.timings[i].value_ms(statistic) < 0.98 * before[i].value_ms(statistic)) return false;
      return true;
    }();
    m.unsettled.clear();
    if (m.drift > 0.05)
      m.unsettled = str_cat("machine speed: the bias archs take ", format_ratio(1 + m.drift), " their time at profiling");
    else if (!spread.empty() && !settled)
      m.unsettled = str_cat("disturbed timing (median over minimum): ", join(spread, ", "));
    if (m.unsettled.empty()) break;
    before = m.timings;
  }
  if (!m.unsettled.empty() && attempts > 1)
    std::fprintf(stderr, "hwnas: warning: %s: still disturbed after %d attempts (%s); the latencies may read high\n",
                 what.c_str(), attempts, m.unsettled.c_str());
  m.timings.resize(nets.size());
  return m;
}

}  // namespace hwnas
