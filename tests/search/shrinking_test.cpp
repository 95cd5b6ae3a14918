#include "search/shrinking.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hwnas {
namespace {

/// Accuracy rewards a planted op per layer; latency grows with width.
struct PlantedEvaluator : Evaluator {
  std::vector<int> planted;
  Rng noise{42};
  int calls = 0;
  std::vector<Arch> seen;
  double accuracy(const Arch& a) override {
    ++calls;
    seen.push_back(a);
    double acc = 50;
    for (size_t l = 0; l < a.genes.size(); ++l) acc += a.genes[l].op == planted[l] ? 2.0 : 0.0;
    return acc + std::normal_distribution<double>(0, 0.5)(noise);
  }
  std::string describe() const override { return "planted"; }
};

struct WidthLatency : LatencyModel {
  double predict_ms(const Arch& a) const override {
    double ms = 1;
    for (const Gene& g : a.genes) ms += 0.1 * (g.width + 1);
    return ms;
  }
  std::string describe() const override { return "width"; }
};

TEST(Shrinking, PicksThePlantedOpLayerByLayer) {
  auto space = make_space("hsconas");
  PlantedEvaluator ev;
  for (int l = 0; l < space->num_layers(); ++l) ev.planted.push_back((l * 7) % 4);
  WidthLatency lat;
  const auto obj = make_objective("hsconas", 12.0);
  const ShrinkStage st = shrink_layers(*space, {19, 18, 17, 16}, ev, lat, *obj, 8, 1);
  ASSERT_EQ(st.steps.size(), 4u);
  for (const ShrinkStep& s : st.steps) {
    EXPECT_EQ(s.chosen_op, ev.planted[s.layer]) << "layer " << s.layer + 1;
    EXPECT_EQ(st.space->layers[s.layer].ops, std::vector<int>{ev.planted[s.layer]});
  }
  int subspaces = 0;  // one per allowed op of each shrunk layer (layer 17 opens a stage: no skip)
  for (int l : {19, 18, 17, 16}) subspaces += static_cast<int>(space->layers[l].ops.size());
  EXPECT_EQ(subspaces, 5 + 5 + 5 + 4);
  EXPECT_EQ(ev.calls, subspaces * 8);
  EXPECT_LT(st.log10_size_after, st.log10_size_before);
  // Untouched layers keep every op.
  EXPECT_EQ(st.space->layers[0].ops, space->layers[0].ops);
  // Later layers are fixed before earlier ones are scored: every arch scored
  // for layer 19 (after layer 20's 5 x 8 calls) uses layer 20's chosen op.
  for (int i = 5 * 8; i < 10 * 8; ++i) EXPECT_EQ(ev.seen[i].genes[19].op, st.steps[0].chosen_op);
  EXPECT_NE(shrink_json(*space, {&st}).find("\"chosen\": \"k3\""), std::string::npos);
}

TEST(Shrinking, RejectsBadLayersAndSamples) {
  auto space = make_space("hsconas");
  PlantedEvaluator ev;
  ev.planted.assign(20, 0);
  WidthLatency lat;
  const auto obj = make_objective("hsconas", 5.0);
  EXPECT_THROW(shrink_layers(*space, {20}, ev, lat, *obj, 4, 0), Error);
  EXPECT_THROW(shrink_layers(*space, {3}, ev, lat, *obj, 0, 0), Error);
}

}  // namespace
}  // namespace hwnas
