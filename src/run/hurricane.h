// The LibTorch side of HURRICANE's coordinate ascent (search/coordinate_ascent.h):
// per iteration a freshly initialised supernet of the active subspace,
// trained with single-path sampling along the latency-budgeted sampler
// (Eq. 3), and a BN-recalibrating evaluator on its weights.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/accuracy.h"
#include "latency/lut.h"
#include "run/context.h"
#include "search/coordinate_ascent.h"
#include "search/op_scoring.h"
#include "train/trainer.h"

namespace hwnas {

/// Settings of the supernets of one ascent.
struct HurricaneRoundOptions {
  TrainOptions train;         ///< per-iteration supernet training (seed, threads, epochs, ...)
  SupernetEvalOptions eval;   ///< accuracy with inherited weights
  bool save_weights = true;   ///< write hurricane_iter<i>.pt into the run directory
  bool quiet = false;         ///< no progress line on stderr
};

/// A TrainRoundFn on real supernets. Iteration i builds the supernet of the
/// subspace A_i only (the fixed layers hold just a_win's block), initialised
/// from a torch seed derived from (train.seed, i) so every iteration starts
/// from fresh random weights (HURRICANE section 4.2: "the supernet is
/// re-initialized randomly before every iteration"), trains it on
/// search-train along the sampler and returns a SupernetEvaluator on
/// search-valid. `ws` must outlive the function and its evaluators.
TrainRoundFn make_supernet_rounds(Workspace& ws, const HurricaneRoundOptions& opts);

/// Operator scoring (Eq. 4, Algorithm 1 lines 1-5) on a latency table, in
/// the table's batch.
OpScoring score_table(const SearchSpace& space, const Lut& lut, OpScoringOptions o);

/// One ascent iteration as a record (hurricane.json).
nlohmann::json iteration_json(const SearchSpace& space, const AscentIteration& it);

/// Algorithm 1 lines 6-11 in ws's run directory: coordinate ascent from
/// `initial` over `reduced` on fresh supernets (make_supernet_rounds); each
/// iteration's search goes to search_iter<i>.csv and its record to
/// hurricane.json before `on_iteration` sees it. `iterations` (optional)
/// receives the records.
AscentResult run_ascent(Workspace& ws, const SearchSpace& reduced, const Arch& initial, const LatencyModel& latency,
                        const HurricaneRoundOptions& ro, const CoordinateAscentOptions& ao,
                        const std::function<void(const AscentIteration&)>& on_iteration,
                        nlohmann::json* iterations = nullptr);

}  // namespace hwnas
