// The latency check's timings (time_for_check): cached by arch, and a
// timing far over the model's prediction taken again; the measure stage's
// timing of a net far from its check taken again.
#include "run/hardware_model.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "latency/profile_space.h"
#include "latency/validation.h"
#include "run/run_dir.h"
#include "tests/support/synthetic_target.h"

namespace hwnas {
namespace {

const char* kSpace = "hsconas:widths=2,depths=1/1/1/1";

/// A machine whose speed the test sets per timing: slowdown(arch text, k)
/// for the k-th network timing overall (k = 0, 1, ...).
class SlowedTarget : public SyntheticTarget {
 public:
  using SyntheticTarget::SyntheticTarget;
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions&) override {
    const std::string text = space.format(arch);
    ++calls[text];
    return exact_timing(true_arch_ms(space, arch) * (slowdown ? slowdown(text, total++) : 1.0));
  }
  std::function<double(const std::string&, int)> slowdown;
  std::map<std::string, int> calls;
  int total = 0;
};

/// A machine that slows some nets (by arch text) on their first timings,
/// while the speed reference around them reads its true time: a burst of
/// load the reference's timings miss.
class BurstTarget : public SlowedTarget {
 public:
  explicit BurstTarget(const SearchSpace& space) : SlowedTarget(space) {
    slowdown = [this](const std::string& text, int) {
      const auto b = burst.find(text);
      return b != burst.end() && calls[text] <= b->second.second ? b->second.first : 1.0;
    };
  }
  std::map<std::string, std::pair<double, int>> burst;  ///< arch text -> (slowdown, for how many timings)
};

/// A synthetic target's table, with its speed reference and B.
Lut profiled(const SearchSpace& space, Target& target, const std::string& name) {
  const std::string out = ::testing::TempDir() + name;
  std::remove(out.c_str());
  SpaceProfileOptions po;
  po.bias_archs = 6;
  po.quiet = true;
  po.timing.statistic = Statistic::kMin;
  return profile_space(space, kSpace, target, out, po);
}

TEST(LatencyCheck, AnArchTimedFarOverItsPredictionIsTimedAgainAndTheLowerKept) {
  auto space = make_space(kSpace);
  BurstTarget target(*space);
  const Lut lut = profiled(*space, target, "hwnas_latency_check_lut.json");
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

TEST(MeasureStage, ANetFarFromItsCheckIsTimedAgainAndTheBetterTimingKept) {
  auto space = make_space(kSpace);
  SlowedTarget target(*space);
  const Lut lut = profiled(*space, target, "hwnas_measure_stage_lut.json");
  const SpeedReference reference = SpeedReference::of(*space, lut);
  const std::string dir = ::testing::TempDir() + "hwnas_measure_stage_run";
  std::remove((dir + "/measured.json").c_str());
  const RunDir run(dir);
  const Arch arch = fit_archs(*space, 11, 1)[0];
  ASSERT_NE(space->format(arch), lut.reference_arch);
  const double truth = target.true_arch_ms(*space, arch);
  ProfileOptions opt;
  opt.statistic = Statistic::kMin;

  // The first measurement (3 rounds of reference, net, reference: 9
  // timings) runs the machine 4% slow and the net 30% slower again (a burst
  // inside steady brackets): scaled, it reads 30% over its check. Timed
  // again at the table's speed, it reads true, and that timing needed no
  // scaling: it is kept.
  target.total = 0;
  target.calls.clear();
  target.slowdown = [&](const std::string& text, int k) {
    if (k >= 9) return 1.0;
    return text == lut.reference_arch ? 1.04 : 1.04 * 1.3;
  };
  std::vector<FinalNet> nets(1);
  nets[0].name = "final";
  nets[0].label = "pick";
  nets[0].space = space.get();
  nets[0].arch = arch;
  nets[0].checked_ms = truth;
  double drift = 0;
  const nlohmann::json record = measure_finals(run, target, &nets, reference, opt, &drift);
  EXPECT_EQ(target.calls[space->format(arch)], 6);
  EXPECT_NEAR(nets[0].measured.value_ms(opt.statistic), truth, 1e-9);
  ASSERT_EQ(record["timed_again"].size(), 1u);
  EXPECT_NEAR(record["timed_again"][0]["first_ms"].get<double>(), 1.3 * truth, 1e-9);
  EXPECT_EQ(record["timed_again"][0]["kept"], "again");

  // A check far from the truth: the net is timed again, the two timings
  // outvote the check, and of two equal ones the first stays.
  std::remove((dir + "/measured.json").c_str());
  target.total = 0;
  target.calls.clear();
  target.slowdown = nullptr;
  nets[0].checked_ms = 0.8 * truth;
  const nlohmann::json second = measure_finals(run, target, &nets, reference, opt, &drift);
  EXPECT_EQ(target.calls[space->format(arch)], 6);
  EXPECT_NEAR(nets[0].measured.value_ms(opt.statistic), truth, 1e-9);
  EXPECT_EQ(second["timed_again"][0]["kept"], "first");

  // Within twice the room of its check: timed once.
  std::remove((dir + "/measured.json").c_str());
  target.calls.clear();
  nets[0].checked_ms = 1.03 * truth;
  EXPECT_TRUE(measure_finals(run, target, &nets, reference, opt, &drift)["timed_again"].empty());
  EXPECT_EQ(target.calls[space->format(arch)], 3);

  // The first measurement scaled low (the reference slowed more than the
  // net), the second needed more scaling but agrees with the check: of the
  // three timings the median is kept, not the least scaled.
  std::remove((dir + "/measured.json").c_str());
  target.total = 0;
  target.calls.clear();
  target.slowdown = [&](const std::string& text, int k) {
    if (k >= 9) return 1.049;
    return text == lut.reference_arch ? 1.04 : 1.04 * 0.93;
  };
  nets[0].checked_ms = truth;
  const nlohmann::json low = measure_finals(run, target, &nets, reference, opt, &drift);
  EXPECT_EQ(low["timed_again"][0]["kept"], "again");
  EXPECT_EQ(low["timed_again"][0]["held_against"], "check");
  EXPECT_NEAR(nets[0].measured.value_ms(opt.statistic), truth, 1e-9);
}

TEST(MeasureStage, ANetWithoutACheckFarOverItsPredictionIsTimedAgainAndTheLowerKept) {
  auto space = make_space(kSpace);
  SlowedTarget target(*space);
  const Lut lut = profiled(*space, target, "hwnas_measure_predicted_lut.json");
  const SpeedReference reference = SpeedReference::of(*space, lut);
  const std::string dir = ::testing::TempDir() + "hwnas_measure_predicted_run";
  std::remove((dir + "/measured.json").c_str());
  const RunDir run(dir);
  const std::vector<Arch> archs = fit_archs(*space, 13, 2);
  ProfileOptions opt;
  opt.statistic = Statistic::kMin;
  std::vector<FinalNet> nets(2);
  for (size_t i = 0; i < 2; ++i) {
    nets[i].name = str_cat("baseline_", i + 1);
    nets[i].label = nets[i].name;
    nets[i].space = space.get();
    nets[i].arch = archs[i];
  }
  const std::string burst = space->format(archs[0]), mild = space->format(archs[1]);
  ASSERT_NE(burst, lut.reference_arch);
  ASSERT_NE(mild, lut.reference_arch);
  // The first measurement: net 1 40% slow inside steady brackets (a burst),
  // net 2 10% slow (within what a model misses single archs by).
  target.slowdown = [&](const std::string& text, int k) {
    if (k >= 15) return 1.0;
    return text == burst ? 1.4 : text == mild ? 1.1 : 1.0;
  };
  const auto truth = [&](const FinalNet& f) { return target.true_arch_ms(*space, f.arch); };
  double drift = 0;
  const nlohmann::json record = measure_finals(run, target, &nets, reference, opt, &drift, truth);
  ASSERT_EQ(record["timed_again"].size(), 1u);
  EXPECT_EQ(record["timed_again"][0]["name"], "baseline_1");
  EXPECT_EQ(record["timed_again"][0]["held_against"], "prediction");
  EXPECT_NEAR(nets[0].measured.value_ms(opt.statistic), truth(nets[0]), 1e-9);
  EXPECT_NEAR(nets[1].measured.value_ms(opt.statistic), 1.1 * truth(nets[1]), 1e-9);
}

/// A model that reads an arch's op and width indices as its latency.
class IndexLatency : public LatencyModel {
 public:
  double predict_ms(const Arch& a) const override {
    double ms = 0;
    for (const Gene& g : a.genes) ms += 0.1 * (1 + g.op + g.width);
    return ms;
  }
  std::string describe() const override { return "index"; }
};

TEST(RandomBaseline, AnArchTimedOutsideTheWindowGivesWayToTheNextDrawn) {
  auto space = make_space(kSpace);
  const IndexLatency model;
  Rng probe(7);
  double mean = 0;
  for (int i = 0; i < 200; ++i) mean += model.predict_ms(space->canonical(space->sample(probe))) / 200;
  const double T = std::ceil(mean * 10) / 10 + 1e-9;  // the model reads in steps of 0.1 ms

  Finals predicted;
  add_random_finals(&predicted, *space, model, T, 3, 5);
  ASSERT_EQ(predicted.nets.size(), 3u);
  for (const FinalNet& f : predicted.nets) EXPECT_TRUE(std::isnan(f.checked_ms)) << f.name;

  // The first drawn times within T but not its room for a second timing
  // (0.98 T), the second under 0.95 T, the rest at 0.97 T: the third stays,
  // and two more are drawn and timed.
  std::vector<size_t> batches;
  int timed = 0;
  const auto timings = [&](const std::vector<Arch>& archs) {
    batches.push_back(archs.size());
    std::vector<double> ms;
    for (size_t i = 0; i < archs.size(); ++i) {
      const int k = timed++;
      ms.push_back(k == 0 ? 0.99 * T : k == 1 ? 0.94 * T : 0.97 * T);
    }
    return ms;
  };
  Finals held;
  add_random_finals(&held, *space, model, T, 3, 5, timings);
  ASSERT_EQ(held.nets.size(), 3u);
  EXPECT_EQ(batches, (std::vector<size_t>{3, 2}));
  EXPECT_EQ(held.nets[0].arch, predicted.nets[2].arch);
  for (size_t i = 0; i < held.nets.size(); ++i) {
    EXPECT_EQ(held.nets[i].name, str_cat("random_", i + 1));
    EXPECT_DOUBLE_EQ(held.nets[i].checked_ms, 0.97 * T);
  }

  // Every timing outside: those under the window stand in, the nearest
  // first; none over T.
  int k = 0;
  Finals short_of;
  add_random_finals(&short_of, *space, model, T, 3, 5, [&](const std::vector<Arch>& archs) {
    std::vector<double> ms;
    for (size_t i = 0; i < archs.size(); ++i, ++k) ms.push_back(k % 3 == 0 ? 1.1 * T : (0.9 + 0.001 * k) * T);
    return ms;
  });
  ASSERT_EQ(short_of.nets.size(), 3u);
  EXPECT_NEAR(short_of.nets[0].checked_ms, 0.911 * T, 1e-9);  // the 12th of 12 timed
  for (size_t i = 1; i < short_of.nets.size(); ++i)
    EXPECT_LT(short_of.nets[i].checked_ms, short_of.nets[i - 1].checked_ms);

  // A target 6% slower than the model throughout: the first drawn all time
  // over the window, then the model's window follows the timings.
  std::vector<size_t> slow_batches;
  Finals slower;
  add_random_finals(&slower, *space, model, T, 3, 5, [&](const std::vector<Arch>& archs) {
    slow_batches.push_back(archs.size());
    std::vector<double> ms;
    for (const Arch& a : archs) ms.push_back(1.06 * model.predict_ms(a));
    return ms;
  });
  ASSERT_EQ(slower.nets.size(), 3u);
  EXPECT_EQ(slow_batches[0], 3u);
  for (const FinalNet& f : slower.nets) {
    EXPECT_GE(f.checked_ms, 0.95 * T);
    EXPECT_LE(f.checked_ms, 0.98 * T);
  }

  // Every timing over T: the comparison shrinks.
  Finals none;
  add_random_finals(&none, *space, model, T, 3, 5, [&](const std::vector<Arch>& archs) {
    return std::vector<double>(archs.size(), 2 * T);
  });
  EXPECT_TRUE(none.nets.empty());
}

}  // namespace
}  // namespace hwnas
