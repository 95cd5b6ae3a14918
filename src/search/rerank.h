// Re-ranking a search's best candidates by stand-alone training. A supernet
// trained for minutes ranks archs poorly (Kendall tau 0.2 on the default
// preset, docs/benchmarks/supernet.md), and the search's top archs are near
// copies of one another, so the candidates are the best-scoring ones that
// differ from each other in several layers' operators.
#pragma once

#include <vector>

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

/// Index of the candidate that the objective picks given each one's
/// accuracy and latency: the best score among those within the budget, or
/// the best score when none is (ties: the earlier). The re-ranking stage
/// (stand-alone accuracy) and the latency check (measured latency) both pick
/// with it.
int pick_by_objective(const std::vector<double>& accuracy, const std::vector<double>& latency_ms,
                      const Objective& objective);

}  // namespace hwnas
