#include "search/widen.h"

#include <gtest/gtest.h>

#include "core/latency_model.h"

namespace hwnas {
namespace {

/// Latency: 0.1 ms per non-skip layer plus (l + 1) * 0.01 ms per unit of its
/// width factor, so a width step costs more the later the layer.
class LayeredLatency : public LatencyModel {
 public:
  explicit LayeredLatency(const SearchSpace& s) : space_(s) {}
  double predict_ms(const Arch& a) const override {
    double ms = 0;
    for (int l = 0; l < space_.num_layers(); ++l) {
      const Gene& g = a.genes[l];
      if (!space_.ops[g.op].scalable) continue;
      ms += 0.1 + 0.01 * (l + 1) * space_.width_factors[g.width];
    }
    return ms;
  }
  std::string describe() const override { return "layered"; }

 private:
  const SearchSpace& space_;
};

int op_index(const SearchSpace& s, const std::string& name) {
  for (size_t i = 0; i < s.ops.size(); ++i)
    if (s.ops[i].name == name) return static_cast<int>(i);
  return -1;
}

/// Every layer k3 at the narrowest width, except every fourth one skips.
Arch narrow_arch(const SearchSpace& s) {
  Arch a;
  for (int l = 0; l < s.num_layers(); ++l)
    a.genes.push_back({l % 4 == 3 ? op_index(s, "skip") : op_index(s, "k3"), s.layers[l].widths.front()});
  return s.canonical(a);
}

TEST(Widen, SpendsTheBudgetOnWidthAndKeepsOperators) {
  auto space = make_space("hsconas");
  const LayeredLatency latency(*space);
  const Arch a = narrow_arch(*space);
  const double T = latency.predict_ms(a) + 0.5;
  const Arch w = widen_to_budget(*space, a, latency, T);
  EXPECT_LE(latency.predict_ms(w), T);
  EXPECT_GT(latency.predict_ms(w), latency.predict_ms(a));
  for (int l = 0; l < space->num_layers(); ++l) {
    EXPECT_EQ(w.genes[l].op, a.genes[l].op) << "layer " << l;
    EXPECT_GE(space->width_factors[w.genes[l].width], space->width_factors[a.genes[l].width]);
  }
  // Maximal: no further single step fits the budget.
  for (int l = 0; l < space->num_layers(); ++l) {
    if (!space->ops[w.genes[l].op].scalable || w.genes[l].width == space->layers[l].widths.back()) continue;
    Arch more = w;
    ++more.genes[l].width;
    EXPECT_GT(latency.predict_ms(more), T) << "layer " << l << " could still widen";
  }
}

TEST(Widen, TakesTheCheapestStepsFirst) {
  auto space = make_space("hsconas");
  const LayeredLatency latency(*space);
  const Arch a = narrow_arch(*space);
  // Room for three width steps of the first layer (0.001 ms each), not one of the second (0.002 ms).
  const Arch w = widen_to_budget(*space, a, latency, latency.predict_ms(a) + 0.0035);
  EXPECT_GT(w.genes[0].width, a.genes[0].width);
  for (int l = 1; l < space->num_layers(); ++l) EXPECT_EQ(w.genes[l].width, a.genes[l].width) << "layer " << l;
}

TEST(Widen, LeavesAnArchOverTheBudgetOrAtFullWidthAlone) {
  auto space = make_space("hsconas");
  const LayeredLatency latency(*space);
  const Arch a = narrow_arch(*space);
  EXPECT_EQ(widen_to_budget(*space, a, latency, latency.predict_ms(a) - 0.1), a);
  const Arch full = widen_to_budget(*space, a, latency, 1e9);
  for (int l = 0; l < space->num_layers(); ++l) EXPECT_EQ(full.genes[l].width, space->layers[l].widths.back());
  EXPECT_EQ(widen_to_budget(*space, full, latency, 1e9), full);
}

TEST(Widen, AnchoredLatencyStartsFromTheMeasuredArchAndScalesItsSteps) {
  auto space = make_space("hsconas");
  const LayeredLatency table(*space);
  const Arch a = narrow_arch(*space);
  Arch b = a;
  b.genes[0].width = space->layers[0].widths.back();
  const double step = table.predict_ms(b) - table.predict_ms(a);
  ASSERT_GT(step, 0);
  // The table misses the anchor by 0.5 ms: the anchored model reads it as measured.
  const AnchoredLatency anchored(table, a, table.predict_ms(a) + 0.5);
  EXPECT_DOUBLE_EQ(anchored.predict_ms(a), table.predict_ms(a) + 0.5);
  EXPECT_DOUBLE_EQ(anchored.predict_ms(b), table.predict_ms(b) + 0.5);
  // The wider arch measured a step twice the table's: the scale is 2, and
  // widening by the refitted model stops at half the width the table would.
  const double a_ms = table.predict_ms(a) + 0.5;
  EXPECT_DOUBLE_EQ(AnchoredLatency::fitted_scale(table, a, a_ms, b, a_ms + 2 * step), 2);
  const AnchoredLatency scaled(table, a, a_ms, 2);
  EXPECT_DOUBLE_EQ(scaled.predict_ms(b), a_ms + 2 * step);
  const double room = 0.2;
  const Arch by_table = widen_to_budget(*space, a, AnchoredLatency(table, a, a_ms), a_ms + room);
  const Arch by_scaled = widen_to_budget(*space, a, scaled, a_ms + room);
  EXPECT_LE(table.predict_ms(by_table) - table.predict_ms(a), room + 1e-12);
  EXPECT_LE(table.predict_ms(by_scaled) - table.predict_ms(a), room / 2 + 1e-12);
  EXPECT_GT(mean_width(*space, by_table), mean_width(*space, by_scaled));
  // A try that measured no wider than the anchor, or one no wider by the
  // table, leaves the scale within bounds.
  EXPECT_DOUBLE_EQ(AnchoredLatency::fitted_scale(table, a, a_ms, b, a_ms - 0.1), 0.5);
  EXPECT_DOUBLE_EQ(AnchoredLatency::fitted_scale(table, a, a_ms, b, a_ms + 100), 3);
  EXPECT_DOUBLE_EQ(AnchoredLatency::fitted_scale(table, a, a_ms, a, a_ms + 1), 1);
}

TEST(Widen, WidensAgainWhateverIsOverTheBudgetAndWhatFallsFarUnder) {
  EXPECT_TRUE(widen_again(3.03, 3.0));   // 1% over: the re-ranking would drop it
  EXPECT_FALSE(widen_again(3.0, 3.0));
  EXPECT_FALSE(widen_again(2.96, 3.0));  // 1.3% under
  EXPECT_TRUE(widen_again(2.95, 3.0));   // 1.7% under
}

}  // namespace
}  // namespace hwnas
