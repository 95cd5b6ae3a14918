#include "latency/profile_space.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "core/flops.h"
#include "latency/models.h"
#include "latency/validation.h"
#include "tests/support/synthetic_target.h"

namespace hwnas {
namespace {

// Four layers (one per stage), two widths: 34 ops.
const char* kSpace = "hsconas:widths=2,depths=1/1/1/1";

/// A device measured on a machine with bursts of load: the first timing of
/// every third op is doubled, and the first two timings of the archs in
/// `slowed` are 1 ms late (so the recheck pass alone does not undo them;
/// the outlier re-timing must).
class BurstyTarget : public SyntheticTarget {
 public:
  BurstyTarget(const SearchSpace& space, std::set<std::string> slowed)
      : SyntheticTarget(space), slowed_(std::move(slowed)) {}
  Timing measure_op(const OpSpec& spec, const ProfileOptions&) override {
    ++calls;
    const bool burst = seen_.insert(spec.key()).second && seen_.size() % 3 == 0;
    return exact_timing(true_op_ms(spec) * (burst ? 2 : 1));
  }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions&) override {
    ++calls;
    const std::string text = space.format(arch);
    const bool burst = slowed_.count(text) && ++arch_timings_[text] <= 2;
    return exact_timing(true_arch_ms(space, arch) + (burst ? 1.0 : 0.0));
  }
  int calls = 0;

 private:
  std::set<std::string> slowed_, seen_;
  std::map<std::string, int> arch_timings_;
};

struct Fixture {
  std::unique_ptr<SearchSpace> space = make_space(kSpace);
  std::vector<Arch> bias_archs = fit_archs(*space, 0, 10);
  std::string out;
  SpaceProfileOptions o;
  explicit Fixture(const std::string& name) : out(::testing::TempDir() + "hwnas_profile_space_" + name + ".json") {
    std::remove(out.c_str());
    o.bias_archs = 10;
    o.quiet = true;
    o.timing.statistic = Statistic::kMin;
  }
  std::set<std::string> three_slowed() const {
    return {space->format(bias_archs[1]), space->format(bias_archs[4]), space->format(bias_archs[7])};
  }
};

TEST(ProfileSpace, TheRecheckPassUndoesBurstsOfLoad) {
  Fixture s("recheck");
  BurstyTarget target(*s.space, s.three_slowed());
  const Lut lut = profile_space(*s.space, kSpace, target, s.out, s.o);
  EXPECT_TRUE(lut.ops_rechecked);
  for (const OpSpec& spec : space_op_specs(*s.space, 1))
    EXPECT_DOUBLE_EQ(lut.ops.at(spec.key()).min_ms, BurstyTarget::true_op_ms(spec)) << spec.key();
  // The three late archs were timed a third time; B is the true gap.
  for (const Arch& a : s.bias_archs)
    EXPECT_DOUBLE_EQ(lut.archs.at(s.space->format(a)).min_ms, target.true_arch_ms(*s.space, a));
  EXPECT_NEAR(*lut.bias_ms, 0.05, 1e-9);

  // Resuming from the saved table measures nothing more.
  BurstyTarget again(*s.space, {});
  const Lut resumed = profile_space(*s.space, kSpace, again, s.out, s.o);
  EXPECT_EQ(again.calls, 0);
  EXPECT_NEAR(*resumed.bias_ms, 0.05, 1e-9);
}

TEST(ProfileSpace, WithoutTheRecheckBurstsStayInTheTable) {
  Fixture s("single");
  s.o.recheck = false;
  BurstyTarget target(*s.space, {});
  const Lut lut = profile_space(*s.space, kSpace, target, s.out, s.o);
  EXPECT_FALSE(lut.ops_rechecked);
  int doubled = 0;
  for (const OpSpec& spec : space_op_specs(*s.space, 1))
    doubled += lut.ops.at(spec.key()).min_ms > 1.5 * BurstyTarget::true_op_ms(spec);
  EXPECT_EQ(doubled, 34 / 3);
}

TEST(ProfileSpace, BiasIsTheMedianGapNotTheMean) {
  // Three of ten archs 1 ms late: their mean gap would put B at 0.35 ms.
  auto space = make_space(kSpace);
  BurstyTarget target(*space, {});
  Lut lut = Lut::empty(*space, target.info(), ProfileOptions());
  for (const OpSpec& spec : space_op_specs(*space, 1)) lut.ops[spec.key()] = exact_timing(BurstyTarget::true_op_ms(spec));
  MeasuredArchs m;
  m.archs = fit_archs(*space, 0, 10);
  for (size_t i = 0; i < m.archs.size(); ++i) m.ms.push_back(target.true_arch_ms(*space, m.archs[i]) + (i % 3 == 1 ? 1.0 : 0.0));
  EXPECT_NEAR(LutBiasModel::fit_bias(*space, lut, m), 0.05, 1e-9);
}

}  // namespace
}  // namespace hwnas
