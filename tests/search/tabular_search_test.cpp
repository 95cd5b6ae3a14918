// Latency budgets of a table search: in time units, or as the share of the
// archs that fit, checked against the source's range.
#include "search/tabular_search.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hwnas {
namespace {

SearchSource ten_archs() {
  SearchSource src;
  src.latency_name = "ten archs";
  for (int i = 1; i <= 10; ++i) src.sorted_latencies_ms.push_back(i);  // 1 .. 10 ms
  return src;
}

TEST(Budgets, TimeUnitsAndListsAreMilliseconds) {
  EXPECT_EQ(parse_budgets({"2ms,5000us", "0.009s"}, ten_archs()), (std::vector<double>{2, 5, 9}));
}

TEST(Budgets, AShareIsTheLatencyWithinWhichThatShareOfTheArchsFits) {
  EXPECT_EQ(parse_budgets({"30%"}, ten_archs()), std::vector<double>{3});
  EXPECT_EQ(parse_budgets({"25%"}, ten_archs()), std::vector<double>{3});  // 2 archs are 20%: a third is needed
  EXPECT_EQ(parse_budgets({"0.5%,99.5%"}, ten_archs()), (std::vector<double>{1, 10}));
}

TEST(Budgets, OutsideTheRangeOrAnImpossibleShareIsAClearError) {
  EXPECT_THROW(parse_budgets({"0.5ms"}, ten_archs()), Error);
  EXPECT_THROW(parse_budgets({"11ms"}, ten_archs()), Error);
  EXPECT_THROW(parse_budgets({"0%"}, ten_archs()), Error);
  EXPECT_THROW(parse_budgets({"100%"}, ten_archs()), Error);
  EXPECT_THROW(parse_budgets({"x%"}, ten_archs()), Error);
  SearchSource none = ten_archs();
  none.sorted_latencies_ms.clear();
  EXPECT_THROW(parse_budgets({"30%"}, none), Error);
}

}  // namespace
}  // namespace hwnas
