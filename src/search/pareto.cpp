#include "search/pareto.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace hwnas {

bool dominates(const Objectives& a, const Objectives& b) {
  HWNAS_CHECK(a.size() == b.size(), "pareto: ", a.size(), " vs ", b.size(), " objectives");
  bool better = false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k] > b[k]) return false;
    better = better || a[k] < b[k];
  }
  return better;
}

std::vector<std::vector<int>> non_dominated_sort(const std::vector<Objectives>& points) {
  const int n = static_cast<int>(points.size());
  std::vector<std::vector<int>> dominated(n);  // whom i dominates
  std::vector<int> count(n, 0);                // how many dominate i
  std::vector<std::vector<int>> fronts(1);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      if (dominates(points[i], points[j])) dominated[i].push_back(j);
      else if (dominates(points[j], points[i])) ++count[i];
    }
    if (count[i] == 0) fronts[0].push_back(i);
  }
  while (!fronts.back().empty()) {
    std::vector<int> next;
    for (int i : fronts.back())
      for (int j : dominated[i])
        if (--count[j] == 0) next.push_back(j);
    std::sort(next.begin(), next.end());
    fronts.push_back(next);
  }
  fronts.pop_back();
  return fronts;
}

std::vector<double> crowding_distance(const std::vector<Objectives>& points, const std::vector<int>& front) {
  const size_t m = front.size();
  std::vector<double> d(m, 0);
  if (m == 0) return d;
  const size_t k_obj = points[front[0]].size();
  std::vector<size_t> order(m);
  for (size_t k = 0; k < k_obj; ++k) {
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return points[front[a]][k] < points[front[b]][k]; });
    const double lo = points[front[order.front()]][k], hi = points[front[order.back()]][k];
    d[order.front()] = d[order.back()] = std::numeric_limits<double>::infinity();
    if (hi <= lo) continue;
    for (size_t r = 1; r + 1 < m; ++r)
      d[order[r]] += (points[front[order[r + 1]]][k] - points[front[order[r - 1]]][k]) / (hi - lo);
  }
  return d;
}

std::vector<int> pareto_front(const std::vector<AccLat>& points) {
  std::vector<int> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  // By latency, then accuracy best first: a point is on the front when it
  // beats the best accuracy of every faster (or equally fast) point.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return points[a].latency_ms < points[b].latency_ms ||
           (points[a].latency_ms == points[b].latency_ms && points[a].accuracy > points[b].accuracy);
  });
  std::vector<int> front;
  double best = -std::numeric_limits<double>::infinity();
  for (int i : order)
    if (points[i].accuracy > best) {
      front.push_back(i);
      best = points[i].accuracy;
    }
  return front;
}

double hypervolume(const std::vector<AccLat>& points, const AccLat& ref) {
  // Sweep the front by ascending latency: each point adds the strip from its
  // latency to the next point's (or the reference), at its accuracy gain.
  std::vector<AccLat> inside;
  for (const AccLat& p : points)
    if (p.accuracy > ref.accuracy && p.latency_ms < ref.latency_ms) inside.push_back(p);
  const std::vector<int> front = pareto_front(inside);
  double hv = 0;
  for (size_t r = 0; r < front.size(); ++r) {
    const double next = r + 1 < front.size() ? inside[front[r + 1]].latency_ms : ref.latency_ms;
    hv += (next - inside[front[r]].latency_ms) * (inside[front[r]].accuracy - ref.accuracy);
  }
  return hv;
}

}  // namespace hwnas
