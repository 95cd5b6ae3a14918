// The latency check's timings (time_for_check): cached by arch, and a
// timing far over the model's prediction taken again.
#include "run/hardware_model.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "latency/profile_space.h"
#include "latency/validation.h"
#include "tests/support/synthetic_target.h"

namespace hwnas {
namespace {

const char* kSpace = "hsconas:widths=2,depths=1/1/1/1";

/// A machine that slows some nets (by arch text) on their first timings,
/// while the speed reference around them reads its true time: a burst of
/// load the reference's timings miss.
class BurstTarget : public SyntheticTarget {
 public:
  using SyntheticTarget::SyntheticTarget;
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions&) override {
    const std::string text = space.format(arch);
    ++calls[text];
    const auto b = burst.find(text);
    const bool in_burst = b != burst.end() && calls[text] <= b->second.second;
    return exact_timing(true_arch_ms(space, arch) * (in_burst ? b->second.first : 1.0));
  }
  std::map<std::string, std::pair<double, int>> burst;  ///< arch text -> (slowdown, for how many timings)
  std::map<std::string, int> calls;
};

TEST(LatencyCheck, AnArchTimedFarOverItsPredictionIsTimedAgainAndTheLowerKept) {
  auto space = make_space(kSpace);
  BurstTarget target(*space);
  const std::string out = ::testing::TempDir() + "hwnas_latency_check_lut.json";
  std::remove(out.c_str());
  SpaceProfileOptions po;
  po.bias_archs = 6;
  po.quiet = true;
  po.timing.statistic = Statistic::kMin;
  const Lut lut = profile_space(*space, kSpace, target, out, po);
  const LutBiasModel model(*space, lut, lut.bias_ms.value_or(0.0));

  const std::vector<Arch> archs = fit_archs(*space, 7, 3);
  const std::string spiked = space->format(archs[0]), mild = space->format(archs[1]);
  // Both rounds of the first attempt: 40% high (an outlier) and 10% high
  // (within what the model misses single archs by).
  target.burst[spiked] = {1.4, 2};
  target.burst[mild] = {1.1, 2};
  PipelineOptions o;
  o.profile.statistic = Statistic::kMin;
  nlohmann::json stored = nlohmann::json::object();
  const std::vector<double> ms = time_for_check(target, *space, lut, o, archs, &stored, &model);

  ASSERT_EQ(ms.size(), 3u);
  EXPECT_NEAR(ms[0], target.true_arch_ms(*space, archs[0]), 1e-9);
  EXPECT_NEAR(ms[1], 1.1 * target.true_arch_ms(*space, archs[1]), 1e-9);
  EXPECT_NEAR(ms[2], target.true_arch_ms(*space, archs[2]), 1e-9);
  ASSERT_TRUE(stored.contains("retimed"));
  EXPECT_EQ(stored["retimed"].size(), 1u);
  EXPECT_NEAR(stored["retimed"][spiked]["first_ms"].get<double>(), 1.4 * target.true_arch_ms(*space, archs[0]), 1e-9);
  EXPECT_NEAR(stored["retimed"][spiked]["again_ms"].get<double>(), ms[0], 1e-9);
  EXPECT_NEAR(stored["measured"][spiked].get<double>(), ms[0], 1e-9);
  EXPECT_NEAR(stored["measured_raw"][spiked].get<double>(), ms[0], 1e-9);

  // Stored timings are taken as they are: nothing is timed again.
  const auto calls = target.calls;
  EXPECT_EQ(time_for_check(target, *space, lut, o, archs, &stored, &model), ms);
  EXPECT_EQ(target.calls, calls);

  // Without a model to expect from, the outlier stands.
  BurstTarget plain(*space);
  plain.burst[spiked] = {1.4, 2};
  nlohmann::json none = nlohmann::json::object();
  EXPECT_NEAR(time_for_check(plain, *space, lut, o, {archs[0]}, &none, nullptr)[0],
              1.4 * target.true_arch_ms(*space, archs[0]), 1e-9);
  EXPECT_FALSE(none.contains("retimed"));
}

}  // namespace
}  // namespace hwnas
