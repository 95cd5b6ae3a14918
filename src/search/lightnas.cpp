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

namespace {

void check_losses(const std::vector<std::vector<double>>& losses, const char* what) {
  HWNAS_CHECK(losses.size() >= 2, what, ": needs losses of at least 2 epochs, got ", losses.size());
  HWNAS_CHECK(!losses[0].empty(), what, ": epoch 0 has no batches");
  for (size_t e = 0; e < losses.size(); ++e) {
    HWNAS_CHECK(losses[e].size() == losses[0].size(), what, ": epoch ", e, " has ", losses[e].size(),
                " batches, epoch 0 has ", losses[0].size());
    for (double l : losses[e]) HWNAS_CHECK(std::isfinite(l) && l > 0, what, ": loss ", l, " in epoch ", e, " is not positive");
  }
}

}  // namespace

double batch_training_efficiency(const std::vector<std::vector<double>>& losses) {
  check_losses(losses, "BTE");
  double sum = 0;
  for (size_t n = 0; n < losses[0].size(); ++n) {
    double product = 1;
    for (size_t e = 0; e + 1 < losses.size(); ++e) product *= (losses[e][n] - losses[e + 1][n]) / losses[e][n];
    sum += product;
  }
  return sum;
}

double training_speed_estimate(const std::vector<std::vector<double>>& losses) {
  check_losses(losses, "TSE");
  double sum = 0;
  for (const auto& epoch : losses)
    for (double l : epoch) sum += l;
  return sum;
}

}  // namespace hwnas
