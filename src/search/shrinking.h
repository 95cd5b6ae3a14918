// Progressive space shrinking (HSCoNAS section III-C, Definition 1, Eq. 5):
// for each layer in order, score the subspace of every candidate op by the
// mean objective Q of N uniformly sampled archs, keep the best op, and fix it
// before scoring the next (earlier) layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/latency_model.h"
#include "core/search_space.h"
#include "search/objective.h"

namespace hwnas {

/// Q of one candidate subspace.
struct SubspaceQuality {
  int op = 0;          ///< op index the layer is restricted to
  double quality = 0;  ///< Eq. 5: mean objective over the samples
  double mean_accuracy = 0;
  double mean_latency_ms = 0;
};

/// One layer's decision.
struct ShrinkStep {
  int layer = 0;  ///< 0-based
  std::vector<SubspaceQuality> candidates;
  int chosen_op = 0;
};

/// One shrinking stage (e.g. layers 20, 19, 18, 17).
struct ShrinkStage {
  std::vector<ShrinkStep> steps;
  std::unique_ptr<SearchSpace> space;  ///< the shrunk space after this stage
  double log10_size_before = 0, log10_size_after = 0;  ///< distinct archs
};

/// Shrinks `space` over `layers` (0-based, in the order given). Each subspace
/// is scored on `samples` archs; all candidates of a layer share the same
/// samples of the other layers (common random numbers), so Q differences come
/// from the op, not from sampling noise. Reproducible from `seed`.
ShrinkStage shrink_layers(const SearchSpace& space, const std::vector<int>& layers,
                          Evaluator& evaluator, const LatencyModel& latency,
                          const Objective& objective, int samples, uint64_t seed);

/// shrink.json text for the stages done so far.
std::string shrink_json(const SearchSpace& space, const std::vector<const ShrinkStage*>& stages);

}  // namespace hwnas
