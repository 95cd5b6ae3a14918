// The scalar rules of LightNAS's one-search latency targeting (thesis
// section 4.1, Eq. 4.10-4.11, and the authors' public code), and the
// schedules the differentiable searches share. Torch-free so the rules are
// tested on their own.
#pragma once

#include <vector>

namespace hwnas {

/// The learnable trade-off lambda of L_valid + lambda * (LAT / T - 1).
/// lambda starts at 0 and follows gradient ascent, dL/dlambda = LAT/T - 1:
/// it grows while the arch is slower than T and shrinks while faster, so
/// the search settles where LAT = T.
struct LatencyMultiplier {
  double lambda = 0;
  double lr = 5e-4;  ///< eta_lambda (the code's 5e-4 over ~80,000 steps; scale with the step count)

  /// One ascent step with the latency of the current argmax arch, then the
  /// code's sign truncation: lambda is reset to 0 when it pushes the wrong
  /// way (LAT > T with lambda < 0, or LAT < T with lambda > 0). So a
  /// negative lambda, which rewards latency, exists only under the target.
  void update(double latency_ms, double target_ms);
};

/// LightNAS's temperature, tau0 * exp(-decay * progress), progress going
/// 0 -> 1 over the steps after the frozen ones (0 before). The code's is
/// 5 * exp(-0.1 * (epoch - 10)) over its 80 unfrozen epochs, so decay = 8:
/// the same curve over a search of any length.
double lightnas_temperature(double progress, double tau0 = 5.0, double decay = 8.0);

/// A value going linearly from `start` to `end` as `progress` goes 0 -> 1
/// (clamped): SurgeNAS's phi (2 -> 0) and its temperature.
double linear_schedule(double start, double end, double progress);

/// The logits' learning rate at `epoch` of `epochs` (LightNAS code): halved
/// every `halve_every` epochs after `freeze`; in the last `final_epochs`,
/// once the arch is within `tolerance` of T (|LAT/T - 1|), scaled by
/// |LAT/T - 1| so the logits stop moving where the target is met.
struct AlphaLrSchedule {
  double lr = 1e-3;
  int halve_every = 20;
  int final_epochs = 10;
  double tolerance = 0.15 / 25;  ///< the code's 0.15 ms at its 20-30 ms targets
  double at(int epoch, int epochs, int freeze, double latency_ms, double target_ms) const;
};

/// LightNAS's training proxy for its second stage (thesis Def. 4.1): a
/// network trained E epochs on N fixed batches (no shuffle, no augmentation),
/// `losses[e][n]` the loss of batch n when epoch e saw it. BTE sums over the
/// batches the product over consecutive epochs of the relative loss drop,
/// (L_e - L_e+1) / L_e; higher is better. Throws on fewer than 2 epochs,
/// ragged or empty rows, or a loss that is not positive and finite.
double batch_training_efficiency(const std::vector<std::vector<double>>& losses);

/// The training-speed estimate of Ru et al. (2021) that the thesis compares
/// BTE with: the sum of every batch's training loss over all epochs; lower
/// is better. Same checks as batch_training_efficiency.
double training_speed_estimate(const std::vector<std::vector<double>>& losses);

}  // namespace hwnas
