// Re-ranking a search's best candidates by stand-alone training. A supernet
// trained for minutes ranks archs poorly (Kendall tau 0.2 on the default
// preset, docs/benchmarks/supernet.md), and the search's top archs are near
// copies of one another, so the candidates are the best-scoring ones that
// differ from each other in several layers' operators.
#pragma once

#include <vector>

#include "core/latency_model.h"
#include "core/rng.h"
#include "core/search_space.h"
#include "search/objective.h"
#include "search/strategy.h"

namespace hwnas {

/// Number of layers whose operator differs (widths ignored).
int operators_apart(const Arch& a, const Arch& b);

/// Indices into `h` of up to `k` candidates, best first: feasible records
/// by score, each at least `min_apart` operators away from every earlier
/// pick; when too few are that far apart, the next best feasible records
/// fill the rest. With no feasible record, the best-scoring ones.
std::vector<int> rerank_candidates(const History& h, int k, int min_apart);

/// Up to `n` distinct archs drawn uniformly from `space` (canonical) among
/// those `model` predicts within [lo_ms, hi_ms], in at most `max_draws`
/// draws: a table sum each, and near the ends of the space only one in
/// 10^4 - 10^5 lands in a 5% window. `draws` receives how many were made.
/// The random baseline's archs, and the re-ranking's uniform candidates.
std::vector<Arch> uniform_within(const SearchSpace& space, const LatencyModel& model, double lo_ms, double hi_ms,
                                 int n, Rng& rng, int* draws = nullptr, int max_draws = 2'000'000);

/// Index of the candidate that the objective picks given each one's
/// accuracy and latency: the best score among those within the budget, or
/// the best score when none is (ties: the earlier). The re-ranking stage
/// (stand-alone accuracy) and the latency check (measured latency) both pick
/// with it.
int pick_by_objective(const std::vector<double>& accuracy, const std::vector<double>& latency_ms,
                      const Objective& objective);

}  // namespace hwnas
