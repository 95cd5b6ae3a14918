// Pareto fronts of accuracy (higher is better) and latency (lower is
// better): NSGA-II's fast non-dominated sorting and crowding distance (Deb
// et al. 2002), and the hypervolume that scores a front against the true
// one of a table (MODNAS, HW-PR-NAS report it the same way).
#pragma once

#include <vector>

namespace hwnas {

/// One candidate in objective space, every objective minimised (accuracy
/// enters as its negative).
using Objectives = std::vector<double>;

/// Whether `a` dominates `b`: no worse in every objective, better in one.
bool dominates(const Objectives& a, const Objectives& b);

/// NSGA-II's fast non-dominated sorting: fronts of indices into `points`,
/// the first non-dominated, each next one non-dominated once the previous
/// are removed.
std::vector<std::vector<int>> non_dominated_sort(const std::vector<Objectives>& points);

/// Crowding distance of each member of `front` (indices into `points`), in
/// the front's order: infinite at each objective's extremes, else the sum
/// over objectives of the normalised gap between the neighbours.
std::vector<double> crowding_distance(const std::vector<Objectives>& points, const std::vector<int>& front);

/// An (accuracy, latency) pair.
struct AccLat {
  double accuracy = 0;
  double latency_ms = 0;
};

/// Indices of the non-dominated points (max accuracy, min latency), by
/// ascending latency; of equal points, the first.
std::vector<int> pareto_front(const std::vector<AccLat>& points);

/// Area dominated by `points` and bounded by the reference point (accuracy
/// `ref.accuracy` and below, latency `ref.latency_ms` and above count as
/// nothing): the 2-D hypervolume.
double hypervolume(const std::vector<AccLat>& points, const AccLat& ref);

}  // namespace hwnas
