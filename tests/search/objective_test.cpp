#include "search/objective.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"

namespace hwnas {
namespace {

TEST(HsconasObjective, Eq2HandComputed) {
  const HsconasObjective f(/*target_ms=*/5.0, /*beta=*/-10.0);
  EXPECT_DOUBLE_EQ(f.score(70.0, 5.0), 70.0);        // on budget: no penalty
  EXPECT_DOUBLE_EQ(f.score(70.0, 5.5), 69.0);        // 10% over: 70 - 10 * 0.1
  EXPECT_DOUBLE_EQ(f.score(70.0, 4.0), 68.0);        // 20% under: 70 - 10 * 0.2 (two-sided)
  EXPECT_DOUBLE_EQ(f.score(60.0, 10.0), 50.0);       // 100% over
  const HsconasObjective g(2.0, -0.5);
  EXPECT_DOUBLE_EQ(g.score(1.0, 3.0), 0.75);         // 1 - 0.5 * |1.5 - 1|
  EXPECT_TRUE(f.feasible(5.0));
  EXPECT_FALSE(f.feasible(5.0001));
  EXPECT_EQ(HsconasObjective(5.0).beta(), HsconasObjective::kDefaultBeta);
}

TEST(HardObjective, RejectsOverBudget) {
  const HardObjective f(5.0);
  EXPECT_DOUBLE_EQ(f.score(70.0, 5.0), 70.0);
  EXPECT_DOUBLE_EQ(f.score(70.0, 0.1), 70.0);
  EXPECT_EQ(f.score(70.0, 5.01), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(f.feasible(4.99));
  EXPECT_FALSE(f.feasible(5.01));
}

TEST(PenaltyObjective, Eq5HandComputed) {
  const PenaltyObjective f(5.0);
  EXPECT_DOUBLE_EQ(f.score(70.0, 4.0), 70.0);   // psi = 0 when within budget
  EXPECT_DOUBLE_EQ(f.score(70.0, 5.0), 70.0);
  EXPECT_DOUBLE_EQ(f.score(70.0, 7.0), 68.0);   // psi = 5 - 7
  EXPECT_DOUBLE_EQ(f.score(0.9, 5.25), 0.65);   // a proxy in [0, 1]: psi = -0.25
  EXPECT_FALSE(f.feasible(7.0));
}

TEST(MakeObjective, DescribeRoundTrips) {
  for (const char* s : {"hsconas:T=5,beta=-10", "hsconas:T=0.8,beta=-0.5", "hard:T=5", "penalty:T=12.5"}) {
    const auto f = make_objective(s);
    EXPECT_EQ(f->describe(), s);
    EXPECT_EQ(make_objective(f->describe())->describe(), s);
  }
  for (const auto& [name, help] : list_objectives()) {
    const auto f = make_objective(name + ":T=3");
    EXPECT_EQ(make_objective(f->describe())->describe(), f->describe()) << name;
  }
}

TEST(MakeObjective, UnitsDefaultsAndErrors) {
  EXPECT_DOUBLE_EQ(make_objective("penalty:T=800us")->target_ms(), 0.8);
  EXPECT_DOUBLE_EQ(make_objective("hard:T=0.5s")->target_ms(), 500.0);
  EXPECT_EQ(make_objective("hsconas", 5.0)->describe(), "hsconas:T=5,beta=-10");
  EXPECT_EQ(make_objective("hard:T=2", 5.0)->describe(), "hard:T=2");  // the string wins
  auto expect_error = [](const std::string& spec, const std::string& needle) {
    try {
      make_objective(spec);
      FAIL() << "accepted " << spec;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("hard", "needs a latency budget");
  expect_error("hsconas:T=5,beta=2", "beta must be < 0");
  expect_error("hsconas:T=5,gamma=2", "unknown option 'gamma'");
  expect_error("reject:T=5", "unknown objective 'reject'");
  expect_error("hard:T=-1", "positive");
}

}  // namespace
}  // namespace hwnas
