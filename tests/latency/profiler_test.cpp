#include "latency/profiler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"

namespace hwnas {
namespace {

TEST(ProfilerStats, MedianAndMad) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({}), 0);
  EXPECT_DOUBLE_EQ(median_abs_deviation({1, 2, 3, 4, 100}), 1);  // deviations 2,1,0,1,97
}

TEST(ProfilerStats, SummaryRejectsOutliersByMad) {
  const std::vector<double> s{1.0, 1.1, 0.9, 1.05, 0.95, 9.0};
  const Timing t = summarize(s, 3.0, 7);
  EXPECT_EQ(t.rejected, 1);
  EXPECT_EQ(t.repetitions, 5);
  EXPECT_EQ(t.iterations, 7);
  EXPECT_DOUBLE_EQ(t.median_ms, 1.0);
  EXPECT_NEAR(t.mean_ms, 1.0, 1e-12);
  EXPECT_NEAR(t.stddev_ms, std::sqrt(0.025 / 4), 1e-12);
  EXPECT_DOUBLE_EQ(t.max_ms, 1.1);
  const Timing all = summarize(s, 0.0, 7);  // k = 0 keeps everything
  EXPECT_EQ(all.rejected, 0);
  EXPECT_DOUBLE_EQ(all.max_ms, 9.0);
}

TEST(ProfilerStats, ATimingSpreadFarAboveItsMinimumIsDisturbed) {
  Timing quiet;
  quiet.min_ms = 4.0;
  quiet.median_ms = 4.3;
  EXPECT_FALSE(disturbed(quiet));
  Timing burst = quiet;
  burst.median_ms = 5.8;  // a 6 ms net timed in a burst of load: 6.17 ms minimum, 8.9 ms median
  EXPECT_TRUE(disturbed(burst));
  EXPECT_FALSE(disturbed(burst, 1.5));
  EXPECT_FALSE(disturbed(Timing{}));  // nothing timed
}

TEST(ProfilerOptions, AbsurdValuesAreRefused) {
  ProfileOptions o;
  EXPECT_NO_THROW(o.validate());
  o.repetitions = 100000;
  EXPECT_THROW(o.validate(), Error);
  o = ProfileOptions();
  o.min_time_ms = 5000;
  o.repetitions = 100;  // 500 s in total
  EXPECT_THROW(o.validate(), Error);
  EXPECT_THROW(ProfileOptions::from_json(nlohmann::json{{"repeats", 3}}), Error);
  const ProfileOptions back = ProfileOptions::from_json(ProfileOptions().to_json());
  EXPECT_EQ(back.to_json(), ProfileOptions().to_json());
}

TEST(Profiler, TimesASleepAndSizesIterations) {
  ProfileOptions o;
  o.warmup_ms = 1;
  o.min_time_ms = 4;
  o.repetitions = 3;
  int calls = 0;
  const Timing t = time_function(
      [&] {
        ++calls;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      },
      o);
  EXPECT_GE(t.median_ms, 0.5);
  EXPECT_LT(t.median_ms, 5.0);
  EXPECT_GE(t.iterations, 2);  // 0.5 ms calls need several per 4 ms repetition
  EXPECT_GE(calls, 3 * t.iterations);
}

TEST(Profiler, CpuClockIgnoresTimeSpentOffTheCpu) {
  ProfileOptions o;
  o.warmup_ms = 0;
  o.min_time_ms = 1;
  o.repetitions = 3;
  o.clock = Clock::kCpu;
  // A sleeping thread uses no CPU: the wall clock sees 0.5 ms, the cpu clock ~0.
  const Timing t = time_function([] { std::this_thread::sleep_for(std::chrono::microseconds(500)); }, o);
  EXPECT_LT(t.median_ms, 0.2);
  EXPECT_EQ(ProfileOptions::from_json(o.to_json()).clock, Clock::kCpu);
  EXPECT_THROW(profile_op(parse_op_spec("skip-k0-e0-se0-cin8-cout8-mid0-s1-h4w4-b1"), o, 2), Error);
  EXPECT_THROW(parse_clock("cycles"), Error);
}

TEST(Profiler, ProfilesARealBlockAndRefusesAbsurdShapes) {
  ProfileOptions o;
  o.warmup_ms = 1;
  o.min_time_ms = 2;
  o.repetitions = 3;
  const Timing t = profile_op(parse_op_spec("shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"), o, 1);
  EXPECT_GT(t.median_ms, 0);
  EXPECT_EQ(t.repetitions + t.rejected, 3);
  const Timing stem = profile_op(parse_op_spec("stem-k3-e0-se0-cin1-cout16-mid0-s2-h28w28-b1"), o, 1);
  EXPECT_GT(stem.median_ms, 0);
  const Timing head = profile_op(parse_op_spec("head-k1-e0-se0-cin64-cout10-mid128-s1-h2w2-b1"), o, 1);
  EXPECT_GT(head.median_ms, 0);
  EXPECT_THROW(check_op_limits(parse_op_spec("shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h100000w14-b1")), Error);
  EXPECT_THROW(check_op_limits(parse_op_spec("shuffle-k3-e0-se0-cin4096-cout4096-mid8-s1-h1024w1024-b64")), Error);
  EXPECT_THROW(check_op_limits(parse_op_spec("shuffle-k4-e0-se0-cin32-cout32-mid8-s1-h14w14-b1")), Error);
}

}  // namespace
}  // namespace hwnas
