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

/// Index into `candidates` of the one whose stand-alone accuracy and
/// predicted latency score best under `objective` (ties: the earlier).
int rerank_pick(const History& h, const std::vector<int>& candidates,
                const std::vector<double>& standalone_accuracy, const Objective& objective);

}  // namespace hwnas
