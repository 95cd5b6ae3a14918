// LightNAS's scalar rules: lambda's ascent with sign truncation, the
// temperature and phi schedules, the logits' learning rate.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "search/lightnas.h"

namespace hwnas {
namespace {

TEST(LatencyMultiplier, AscendsWhileSlowerThanTarget) {
  LatencyMultiplier m;
  m.lr = 0.1;
  m.update(12.0, 10.0);
  EXPECT_NEAR(m.lambda, 0.02, 1e-12);
  m.update(11.0, 10.0);
  EXPECT_NEAR(m.lambda, 0.03, 1e-12);
}

TEST(LatencyMultiplier, SignTruncationResetsAWrongWayLambda) {
  LatencyMultiplier m;
  m.lr = 0.1;
  m.lambda = 0.5;
  m.update(9.0, 10.0);  // faster than T with lambda still pushing latency down
  EXPECT_EQ(m.lambda, 0.0);
  m.update(9.0, 10.0);  // under T, lambda goes negative: latency is rewarded
  EXPECT_NEAR(m.lambda, -0.01, 1e-12);
  m.update(10.5, 10.0);  // over T with lambda < 0: reset
  EXPECT_EQ(m.lambda, 0.0);
  m.update(10.0, 10.0);  // on target: unchanged
  EXPECT_EQ(m.lambda, 0.0);
}

// A toy search: the "arch" is a latency x, accuracy prefers large x
// (loss -log x), and x follows gradient descent on -log x + lambda (x/T - 1)
// with the logits' schedule (90 epochs of 100 steps, halved every 20,
// damped near T in the last 10) while lambda ascends. Sign truncation
// alone leaves x oscillating about T; with the damping it lands within 1%,
// from either side.
TEST(LatencyMultiplier, ConvergesToTheTargetOnASyntheticLatency) {
  AlphaLrSchedule schedule;
  schedule.lr = 2.0;
  schedule.tolerance = 0.01;
  for (double x0 : {4.0, 25.0}) {
    LatencyMultiplier m;
    m.lr = 0.05;
    const double T = 10.0;
    double x = x0;
    for (int epoch = 0; epoch < 90; ++epoch)
      for (int step = 0; step < 100; ++step) {
        const double grad = -1.0 / x + m.lambda / T;
        x = std::max(0.5, x - schedule.at(epoch, 90, 0, x, T) * grad);
        m.update(x, T);
      }
    EXPECT_NEAR(x / T, 1.0, 0.01) << "from x0 = " << x0;
  }
}

TEST(Schedules, LightnasTemperatureFollowsTheCodesCurveAtAnyLength) {
  EXPECT_DOUBLE_EQ(lightnas_temperature(0.0), 5.0);
  EXPECT_DOUBLE_EQ(lightnas_temperature(-1.0), 5.0);  // frozen epochs
  // Epoch 20 of the code's 90, 10 frozen: 5 exp(-0.1 * 10).
  EXPECT_NEAR(lightnas_temperature(10.0 / 80), 5.0 * std::exp(-1.0), 1e-12);
  EXPECT_NEAR(lightnas_temperature(1.0), 5.0 * std::exp(-8.0), 1e-12);
}

TEST(Schedules, PhiFallsLinearlyFromTwoToZero) {
  EXPECT_DOUBLE_EQ(linear_schedule(2.0, 0.0, 0.0), 2.0);
  EXPECT_DOUBLE_EQ(linear_schedule(2.0, 0.0, 0.25), 1.5);
  EXPECT_DOUBLE_EQ(linear_schedule(2.0, 0.0, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(linear_schedule(2.0, 0.0, 3.0), 0.0);  // clamped
}

TEST(Schedules, AlphaLearningRateHalvesAndDampsNearTheTarget) {
  AlphaLrSchedule s;
  s.lr = 1e-3;
  s.halve_every = 20;
  s.final_epochs = 10;
  s.tolerance = 0.01;
  EXPECT_DOUBLE_EQ(s.at(15, 90, 10, 30.0, 25.0), 1e-3);
  EXPECT_DOUBLE_EQ(s.at(30, 90, 10, 30.0, 25.0), 0.5e-3);
  EXPECT_DOUBLE_EQ(s.at(85, 90, 10, 30.0, 25.0), 1e-3 / 8);  // far from T: no damping
  EXPECT_NEAR(s.at(85, 90, 10, 25.1, 25.0), 1e-3 / 8 * 0.004, 1e-15);
}

TEST(TrainingProxies, BteMultipliesRelativeDropsAndSumsOverBatches) {
  // Batch 0: 2 -> 1 -> 0.5 gives (1/2)(1/2) = 0.25; batch 1: 4 -> 3 -> 1.5
  // gives (1/4)(1/2) = 0.125.
  const std::vector<std::vector<double>> losses = {{2.0, 4.0}, {1.0, 3.0}, {0.5, 1.5}};
  EXPECT_NEAR(batch_training_efficiency(losses), 0.375, 1e-12);
  EXPECT_NEAR(training_speed_estimate(losses), 12.0, 1e-12);
  // A network that learns faster scores higher BTE and lower TSE.
  const std::vector<std::vector<double>> slower = {{2.0, 4.0}, {1.8, 3.9}, {1.7, 3.8}};
  EXPECT_GT(batch_training_efficiency(losses), batch_training_efficiency(slower));
  EXPECT_LT(training_speed_estimate(losses), training_speed_estimate(slower));
  // Two epochs: one factor per batch.
  EXPECT_NEAR(batch_training_efficiency({{2.0}, {1.5}}), 0.25, 1e-12);
}

TEST(TrainingProxies, RefuseMalformedLosses) {
  EXPECT_THROW(batch_training_efficiency({{1.0}}), Error);                    // one epoch
  EXPECT_THROW(batch_training_efficiency({{1.0, 2.0}, {1.0}}), Error);        // ragged
  EXPECT_THROW(training_speed_estimate({{1.0}, {std::nan("")}}), Error);      // NaN
  EXPECT_THROW(batch_training_efficiency({{}, {}}), Error);                   // no batches
  EXPECT_THROW(training_speed_estimate({{1.0}, {0.0}}), Error);               // zero loss
}

}  // namespace
}  // namespace hwnas
