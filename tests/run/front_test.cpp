// The front of picks at several budgets against the baselines, on hand cases.
#include "run/front.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/expect_error.h"

namespace hwnas {
namespace {

FrontNet net(const std::string& label, int family, double ms, std::vector<double> acc, double budget = 0) {
  FrontNet n;
  n.label = label;
  n.family = family;
  n.measured_ms = ms;
  n.accuracies = std::move(acc);
  n.budget_ms = budget;
  return n;
}

TEST(Front, ParsesBudgetsInTimeOrAsMultiplesOfTheMedian) {
  EXPECT_DOUBLE_EQ(parse_budget("1.5ms").ms, 1.5);
  EXPECT_DOUBLE_EQ(parse_budget(" 800us ").ms, 0.8);
  EXPECT_EQ(parse_budget(" 800us ").text, "800us");
  const Budget b = parse_budget("0.9x");
  EXPECT_EQ(b.ms, 0);
  EXPECT_DOUBLE_EQ(b.of_median, 0.9);
  expect_error([] { parse_budget("-1x"); }, "positive");
  expect_error([] { parse_budget("fastx"); }, "multiple of the median");
  expect_error([] { parse_budget("3 parsecs"); }, "latency");
  expect_error([] { parse_budget(""); }, "empty");
}

TEST(Front, ComparesEachBaselineAtEqualLatencyAndAtEqualAccuracy) {
  const std::vector<FrontNet> picks = {net("a", 1, 1.0, {70, 72}, 1.1), net("b", 1, 2.0, {75, 77}, 2.1),
                                       net("c", 1, 3.0, {74}, 3.1)};
  // Slower than every pick: the most accurate of them (b), not the slowest (c).
  // 73% is first reached by b: 4 / 2 = 2x faster.
  // Faster than every pick: nothing at equal latency; b and c are as accurate, b is faster.
  // Between a and b, more accurate than all: a at equal latency, none as accurate.
  const std::vector<FrontNet> baselines = {net("slow", 2, 4.0, {73}), net("fast", 0, 0.5, {74}),
                                           net("mid", 0, 1.5, {80})};
  const std::vector<FrontVerdict> v = compare_front(picks, baselines);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].within, 1);
  EXPECT_DOUBLE_EQ(v[0].lead, 3.0);
  EXPECT_EQ(v[0].as_accurate, 1);
  EXPECT_DOUBLE_EQ(v[0].speedup, 2.0);
  // b's two seeds: standard error 1; the baseline has one seed.
  EXPECT_NEAR(v[0].lead_in_se, 3.0, 1e-12);
  EXPECT_EQ(v[1].within, -1);
  EXPECT_EQ(v[1].as_accurate, 1);
  EXPECT_DOUBLE_EQ(v[1].speedup, 0.25);
  EXPECT_EQ(v[2].within, 0);
  EXPECT_DOUBLE_EQ(v[2].lead, -9.0);
  EXPECT_EQ(v[2].as_accurate, -1);
}

TEST(Front, OneSeedEverywhereHasNoStandardError) {
  const std::vector<FrontVerdict> v = compare_front({net("a", 1, 1.0, {70}, 1.0)}, {net("x", 0, 1.0, {69})});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].within, 0);  // equal latency counts as no slower
  EXPECT_TRUE(std::isnan(v[0].lead_in_se));
}

}  // namespace
}  // namespace hwnas
