// The report's verdict: where the pick came from, on hand-made re-rankings.
#include "run/report.h"

#include <gtest/gtest.h>

namespace hwnas {
namespace {

RerankRow row(double score, bool uniform, bool chosen = false) {
  RerankRow r;
  r.standalone_accuracy = score;
  r.score = score;
  r.uniform = uniform;
  r.chosen = chosen;
  return r;
}

TEST(PickOrigin, SaysNothingWithoutUniformDraws) {
  EXPECT_EQ(pick_origin({}), "");
  EXPECT_EQ(pick_origin({row(77, false, true), row(76, false)}), "");
}

TEST(PickOrigin, NamesTheSearchsCandidateWhenItBeatTheUniformDraws) {
  EXPECT_EQ(pick_origin({row(78, false, true), row(77, true), row(76, true), row(75, true)}),
            "the search's candidate, ahead of 3 uniform draws in the re-ranking");
  EXPECT_EQ(pick_origin({row(78, false, true), row(77, true)}),
            "the search's candidate, ahead of 1 uniform draw in the re-ranking");
}

TEST(PickOrigin, PlacesTheSearchsBestWhenAUniformDrawWon) {
  // A default run's re-ranking (seed 10): the search's candidate second of four.
  EXPECT_EQ(pick_origin({row(77.51, false), row(77.30, true), row(77.68, true, true), row(76.97, true)}),
            "a uniform draw, not the search's: its best candidate placed 2 of 4 in the re-ranking");
  // Its best of two search candidates counts; last of five here.
  EXPECT_EQ(pick_origin({row(70, false), row(71, false), row(79, true, true), row(78, true), row(72, true)}),
            "a uniform draw, not the search's: its best candidate placed 4 of 5 in the re-ranking");
  EXPECT_EQ(pick_origin({row(79, true, true), row(78, true)}),
            "a uniform draw (the re-ranking had no candidate of the search's)");
}

TEST(PickOrigin, EndsTheVerdict) {
  ReportInput in;
  in.latency_budget_ms = 2.7;
  ReportNet pick;
  pick.family = 1;
  pick.measured_ms = 2.6;
  pick.test_accuracies = {83.5};
  in.nets = {pick};
  in.rerank = {row(77.5, false), row(77.7, true, true)};
  EXPECT_EQ(verdict_line(in),
            "Verdict: T hit (-3.7%); the pick: a uniform draw, not the search's: its best candidate placed 2 of 2 in "
            "the re-ranking.");
}

}  // namespace
}  // namespace hwnas
