#include "latency/measurer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "latency/profile_space.h"
#include "latency/validation.h"
#include "tests/support/synthetic_target.h"

namespace hwnas {
namespace {

const char* kSpace = "hsconas:widths=2,depths=1/1/1/1";

/// A machine whose speed changes while it works: the k-th network timing
/// (k = 0, 1, ...) takes slowdown(k) times the network's true latency.
class ShiftingTarget : public SyntheticTarget {
 public:
  ShiftingTarget(const SearchSpace& space, std::function<double(int)> slowdown)
      : SyntheticTarget(space), slowdown_(std::move(slowdown)) {}
  double true_ms(const SearchSpace& space, const Arch& a) const { return true_arch_ms(space, a); }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions&) override {
    return exact_timing(true_ms(space, arch) * slowdown_(arch_calls++));
  }
  int arch_calls = 0;

 private:
  std::function<double(int)> slowdown_;
};

TEST(Measurer, TheTableKeepsItsArchsAtTheFastestSpeedWhenTheMachineSlowsHalfway) {
  // The machine slows by 40% halfway through the bias archs and stays slow
  // through their second pass: timed as they are, half the archs would read
  // 40% high and B would be far off.
  auto space = make_space(kSpace);
  const std::string out = ::testing::TempDir() + "hwnas_measurer_slowed.json";
  std::remove(out.c_str());
  SpaceProfileOptions o;
  o.bias_archs = 10;
  o.quiet = true;
  o.timing.statistic = Statistic::kMin;
  ShiftingTarget target(*space, [](int k) { return k < 10 ? 1.0 : 1.4; });
  const Lut lut = profile_space(*space, kSpace, target, out, o);
  const std::vector<Arch> archs = fit_archs(*space, 0, 10);
  EXPECT_EQ(lut.reference_arch, space->format(archs[0]));
  EXPECT_DOUBLE_EQ(lut.reference_ms, target.true_ms(*space, archs[0]));
  for (const Arch& a : archs) EXPECT_NEAR(lut.archs.at(space->format(a)).min_ms, target.true_ms(*space, a), 1e-9);
  EXPECT_NEAR(*lut.bias_ms, 0.05, 1e-9);
  // The reference travels with the table, and a resumed profile keeps it.
  const Lut loaded = Lut::load(out);
  EXPECT_EQ(loaded.reference_arch, lut.reference_arch);
  EXPECT_DOUBLE_EQ(loaded.reference_ms, lut.reference_ms);
  const Lut resumed = profile_space(*space, kSpace, target, out, o);
  EXPECT_EQ(resumed.to_json(), lut.to_json());
}

struct Nets {
  std::unique_ptr<SearchSpace> space = make_space(kSpace);
  std::vector<Arch> archs = fit_archs(*space, 3, 4);
  std::vector<SpaceArch> nets;
  SpeedReference reference;
  Nets(const ShiftingTarget& truth) {
    for (size_t i = 1; i < archs.size(); ++i) nets.push_back({space.get(), archs[i]});
    reference.space = space.get();
    reference.arch = archs[0];
    reference.ms = truth.true_ms(*space, archs[0]);
  }
};

TEST(Measurer, TimingsOnASlowerMachineReadAtTheTablesSpeed) {
  ShiftingTarget target(*make_space(kSpace), [](int) { return 1.3; });
  Nets n(target);
  ProfileOptions opt;
  opt.statistic = Statistic::kMin;
  const int calls_per_attempt = 2 * static_cast<int>(n.nets.size()) + 1;  // the reference before the first net and after each
  const Measurement m = measure_settled(target, n.nets, n.reference, opt, 1, "test", 1);
  ASSERT_EQ(m.nets.size(), n.nets.size());
  for (size_t i = 0; i < n.nets.size(); ++i) {
    EXPECT_NEAR(m.ms(i, opt.statistic), target.true_ms(*n.space, n.nets[i].second), 1e-9);
    EXPECT_NEAR(m.raw_ms(i, opt.statistic), 1.3 * target.true_ms(*n.space, n.nets[i].second), 1e-9);
    EXPECT_TRUE(m.nets[i].steady());
  }
  EXPECT_NEAR(m.drift(), 0.3, 1e-9);
  EXPECT_EQ(target.arch_calls, calls_per_attempt);

  // With 3 attempts allowed: the second (5 s later) reads the same
  // slowdown, so a third would not ease it, and the timings are scaled.
  target.arch_calls = 0;
  LastingSlowdown slow;
  const Measurement lasting = measure_settled(target, n.nets, n.reference, opt, 1, "test", 3, &slow);
  EXPECT_TRUE(lasting.unsettled.empty()) << lasting.unsettled;
  EXPECT_EQ(target.arch_calls, 2 * calls_per_attempt);
  for (size_t i = 0; i < n.nets.size(); ++i)
    EXPECT_NEAR(lasting.ms(i, opt.statistic), m.ms(i, opt.statistic), 1e-9);
  EXPECT_NEAR(slow.drift, 0.3, 1e-9);

  // The next measurement reads the slowdown it was told of: no wait.
  target.arch_calls = 0;
  const Measurement next = measure_settled(target, n.nets, n.reference, opt, 1, "test", 3, &slow);
  EXPECT_TRUE(next.unsettled.empty()) << next.unsettled;
  EXPECT_EQ(target.arch_calls, calls_per_attempt);
  EXPECT_NEAR(slow.drift, 0.3, 1e-9);

  // A machine back at its speed clears it.
  ShiftingTarget quiet(*n.space, [](int) { return 1.0; });
  measure_settled(quiet, n.nets, n.reference, opt, 1, "test", 3, &slow);
  EXPECT_TRUE(std::isnan(slow.drift));
}

TEST(Measurer, ASpeedChangeInsideABracketIsTimedAgain) {
  // Calls: ref 0, net1 1, ref 2, net2 3, ref 4, ... The machine runs 1.5x
  // slower from call 4 on, so net 2 (call 3, fast) sits between a fast and a
  // slow reference timing: scaled by their mean it would read 20% low. The
  // reverse round times it steadily, at the slow speed, and that is kept.
  ShiftingTarget target(*make_space(kSpace), [](int k) { return k < 4 ? 1.0 : 1.5; });
  Nets n(target);
  ProfileOptions opt;
  opt.statistic = Statistic::kMin;
  const Measurement one = [&] {
    ShiftingTarget t(*n.space, [](int k) { return k < 4 ? 1.0 : 1.5; });
    return measure_settled(t, n.nets, n.reference, opt, 1, "test", 1);
  }();
  EXPECT_FALSE(one.nets[1].steady());
  EXPECT_LT(one.ms(1, opt.statistic), 0.9 * target.true_ms(*n.space, n.nets[1].second));
  EXPECT_NE(one.unsettled.find("speed moved"), std::string::npos) << one.unsettled;

  const Measurement two = measure_settled(target, n.nets, n.reference, opt, 2, "test", 1);
  for (size_t i = 0; i < n.nets.size(); ++i) {
    EXPECT_TRUE(two.nets[i].steady()) << i;
    EXPECT_NEAR(two.ms(i, opt.statistic), target.true_ms(*n.space, n.nets[i].second), 1e-9) << i;
  }
}

TEST(Measurer, ASteadyTimingBeatsALowerUnsteadyOne) {
  ScaledTiming steady, unsteady;
  steady.timing = exact_timing(2.0);
  unsteady.timing = exact_timing(1.6);
  unsteady.unsteadiness = 0.4;
  EXPECT_EQ(&better_timing(steady, unsteady, Statistic::kMin), &steady);
  EXPECT_EQ(&better_timing(unsteady, steady, Statistic::kMin), &steady);
  ScaledTiming lower = steady;
  lower.timing = exact_timing(1.9);
  EXPECT_EQ(&better_timing(steady, lower, Statistic::kMin), &lower);
  // Scaled timings: the one taken nearest the reference speed, not the lower.
  steady.speed = 1.02;
  lower.speed = 1.3;
  EXPECT_EQ(&better_timing(steady, lower, Statistic::kMin), &steady);
  EXPECT_EQ(&better_timing(lower, steady, Statistic::kMin), &steady);
  ScaledTiming less_unsteady = unsteady;
  less_unsteady.unsteadiness = 0.1;
  EXPECT_EQ(&better_timing(unsteady, less_unsteady, Statistic::kMin), &less_unsteady);
}

TEST(Measurer, WithoutAReferenceTimingsStayAsTimed) {
  ShiftingTarget target(*make_space(kSpace), [](int) { return 1.3; });
  Nets n(target);
  ProfileOptions opt;
  const Measurement m = measure_settled(target, n.nets, SpeedReference(), opt, 1, "test", 1);
  for (size_t i = 0; i < n.nets.size(); ++i)
    EXPECT_NEAR(m.ms(i, opt.statistic), 1.3 * target.true_ms(*n.space, n.nets[i].second), 1e-9);
  EXPECT_TRUE(std::isnan(m.drift()));
  EXPECT_EQ(target.arch_calls, static_cast<int>(n.nets.size()));
}

}  // namespace
}  // namespace hwnas
