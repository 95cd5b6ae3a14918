#include "search/widen.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

double mean_width(const SearchSpace& space, const Arch& arch) {
  int layers = 0;
  double sum = 0.0;
  for (const Gene& g : arch.genes) {
    const OpDef& op = space.ops.at(g.op);
    if (traits(op.kind).parameter_free) continue;
    ++layers;
    sum += op.scalable ? space.width_factors.at(g.width) : 1.0;
  }
  return layers ? sum / layers : 0.0;
}

Arch widen_to_budget(const SearchSpace& space, const Arch& arch, const LatencyModel& latency, double target_ms) {
  Arch a = space.canonical(arch);
  for (;;) {
    int best_layer = -1, best_width = -1;
    double best_ms = 0;
    for (int l = 0; l < space.num_layers(); ++l) {
      const Gene& g = a.genes[l];
      if (!space.ops[g.op].scalable) continue;
      // The next wider factor this layer allows (allowed lists need not be sorted).
      const std::vector<int>& allowed = space.layers[l].widths;
      int next = -1;
      for (int w : allowed)
        if (space.width_factors[w] > space.width_factors[g.width] &&
            (next < 0 || space.width_factors[w] < space.width_factors[next]))
          next = w;
      if (next < 0) continue;
      Arch wider = a;
      wider.genes[l].width = next;
      const double ms = latency.predict_ms(wider);
      if (ms > target_ms) continue;
      if (best_layer < 0 || ms < best_ms) {
        best_layer = l;
        best_width = next;
        best_ms = ms;
      }
    }
    if (best_layer < 0) return a;
    a.genes[best_layer].width = best_width;
  }
}

AnchoredLatency::AnchoredLatency(const LatencyModel& model, const Arch& anchor, double anchor_ms, double scale)
    : model_(model), anchor_ms_(anchor_ms), anchor_predicted_ms_(model.predict_ms(anchor)), scale_(scale) {}

double AnchoredLatency::predict_ms(const Arch& arch) const {
  return anchor_ms_ + scale_ * (model_.predict_ms(arch) - anchor_predicted_ms_);
}

std::string AnchoredLatency::describe() const {
  return str_cat("anchored(", format_ms(anchor_ms_), " ms measured, steps x",
                 format_number(std::round(scale_ * 100) / 100), " of ", model_.describe(), ")");
}

double AnchoredLatency::fitted_scale(const LatencyModel& model, const Arch& anchor, double anchor_ms, const Arch& tried,
                                     double tried_ms) {
  const double predicted_step = model.predict_ms(tried) - model.predict_ms(anchor);
  if (!(predicted_step > 0)) return 1;
  return std::clamp((tried_ms - anchor_ms) / predicted_step, 0.5, 3.0);
}

}  // namespace hwnas
