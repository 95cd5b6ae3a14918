#include "search/shrinking.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/rng.h"

namespace hwnas {

ShrinkStage shrink_layers(const SearchSpace& space, const std::vector<int>& layers,
                          Evaluator& evaluator, const LatencyModel& latency,
                          const Objective& objective, int samples, uint64_t seed) {
  HWNAS_CHECK(samples >= 1, "space shrinking needs at least one sample per subspace, got ", samples);
  ShrinkStage stage;
  stage.space = space.clone();
  stage.log10_size_before = space.size().distinct_log10;
  for (size_t step_i = 0; step_i < layers.size(); ++step_i) {
    const int layer = layers[step_i];
    HWNAS_CHECK(layer >= 0 && layer < space.num_layers(), "shrinking: layer ", layer + 1,
                " is not in space ", space.name, " (", space.num_layers(), " layers)");
    ShrinkStep step;
    step.layer = layer;
    const std::vector<int> candidates = stage.space->layers[layer].ops;
    // The other layers' samples, shared by every candidate of this layer.
    std::vector<Arch> base;
    Rng rng = derive_rng(seed, Stage::kShrink, static_cast<uint64_t>(layer));
    for (int i = 0; i < samples; ++i) base.push_back(stage.space->sample(rng));
    double best = -std::numeric_limits<double>::infinity();
    for (int op : candidates) {
      std::unique_ptr<SearchSpace> sub = stage.space->restricted(layer, {op});
      SubspaceQuality q;
      q.op = op;
      for (int i = 0; i < samples; ++i) {
        Arch a = base[i];
        Rng wrng = derive_rng(seed, Stage::kShrink, static_cast<uint64_t>(layer), 1000 + i);
        a.genes[layer] = sub->sample_gene(layer, wrng);  // uniform width within the subspace
        const double acc = evaluator.accuracy(a);
        const double lat = latency.predict_ms(a);
        q.quality += objective.score(acc, lat) / samples;
        q.mean_accuracy += acc / samples;
        q.mean_latency_ms += lat / samples;
      }
      if (q.quality > best) {
        best = q.quality;
        step.chosen_op = op;
      }
      step.candidates.push_back(q);
    }
    stage.space = stage.space->restricted(layer, {step.chosen_op});
    stage.steps.push_back(step);
  }
  stage.log10_size_after = stage.space->size().distinct_log10;
  return stage;
}

std::string shrink_json(const SearchSpace& space, const std::vector<const ShrinkStage*>& stages) {
  using nlohmann::json;
  json out = json::array();
  for (const ShrinkStage* st : stages) {
    json steps = json::array();
    for (const ShrinkStep& s : st->steps) {
      json cands = json::array();
      for (const SubspaceQuality& q : s.candidates)
        cands.push_back({{"op", space.ops[q.op].name},
                         {"Q", q.quality},
                         {"mean_accuracy", q.mean_accuracy},
                         {"mean_latency_ms", q.mean_latency_ms}});
      steps.push_back({{"layer", s.layer + 1}, {"chosen", space.ops[s.chosen_op].name}, {"candidates", cands}});
    }
    json allowed = json::array();
    for (const LayerSpec& l : st->space->layers) {
      json names = json::array();
      for (int o : l.ops) names.push_back(space.ops[o].name);
      allowed.push_back(names);
    }
    out.push_back({{"steps", steps},
                   {"log10_size_before", st->log10_size_before},
                   {"log10_size_after", st->log10_size_after},
                   {"allowed_ops", allowed}});
  }
  return json{{"space", space.description}, {"stages", out}}.dump(2);
}

}  // namespace hwnas
