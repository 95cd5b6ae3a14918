#include "search/lightnas.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hwnas {

void LatencyMultiplier::update(double latency_ms, double target_ms) {
  HWNAS_CHECK(target_ms > 0 && std::isfinite(latency_ms), "latency multiplier: needs T > 0 and a finite latency");
  const double gap = latency_ms / target_ms - 1;
  lambda += lr * gap;
  if ((gap > 0 && lambda < 0) || (gap < 0 && lambda > 0)) lambda = 0;
}

double lightnas_temperature(double progress, double tau0, double decay) {
  return tau0 * std::exp(-decay * std::clamp(progress, 0.0, 1.0));
}

double linear_schedule(double start, double end, double progress) {
  const double t = std::clamp(progress, 0.0, 1.0);
  return start + (end - start) * t;
}

double AlphaLrSchedule::at(int epoch, int epochs, int freeze, double latency_ms, double target_ms) const {
  double out = lr;
  if (halve_every > 0) out *= std::pow(0.5, std::max(0, epoch - freeze) / halve_every);
  const double gap = std::fabs(latency_ms / target_ms - 1);
  if (epoch >= epochs - final_epochs && gap < tolerance) out *= gap;
  return out;
}

}  // namespace hwnas
