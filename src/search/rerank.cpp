#include "search/rerank.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace hwnas {

int operators_apart(const Arch& a, const Arch& b) {
  HWNAS_ASSERT(a.genes.size() == b.genes.size());
  int n = 0;
  for (size_t i = 0; i < a.genes.size(); ++i) n += a.genes[i].op != b.genes[i].op;
  return n;
}

std::vector<int> rerank_candidates(const History& h, int k, int min_apart) {
  std::vector<int> order(h.size());
  std::iota(order.begin(), order.end(), 0);
  const bool any_feasible = std::any_of(order.begin(), order.end(), [&](int i) { return h.at(i).feasible; });
  if (any_feasible)
    order.erase(std::remove_if(order.begin(), order.end(), [&](int i) { return !h.at(i).feasible; }), order.end());
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return h.at(a).score > h.at(b).score; });
  std::vector<int> picked;
  std::vector<bool> taken(h.size(), false);
  for (int i : order) {
    if (static_cast<int>(picked.size()) == k) break;
    const bool far = std::all_of(picked.begin(), picked.end(),
                                 [&](int p) { return operators_apart(h.at(i).arch, h.at(p).arch) >= min_apart; });
    if (far) picked.push_back(i), taken[i] = true;
  }
  for (int i : order) {
    if (static_cast<int>(picked.size()) == k) break;
    if (!taken[i]) picked.push_back(i), taken[i] = true;
  }
  // Best first whichever pass found them.
  std::stable_sort(picked.begin(), picked.end(), [&](int a, int b) { return h.at(a).score > h.at(b).score; });
  return picked;
}

std::vector<Arch> uniform_within(const SearchSpace& space, const LatencyModel& model, double lo_ms, double hi_ms,
                                 int n, Rng& rng, int* draws, int max_draws) {
  std::vector<Arch> out;
  int d = 0;
  for (; d < max_draws && static_cast<int>(out.size()) < n; ++d) {
    const Arch a = space.canonical(space.sample(rng));
    const double ms = model.predict_ms(a);
    if (ms >= lo_ms && ms <= hi_ms && std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  if (draws) *draws = d;
  return out;
}

int pick_by_objective(const std::vector<double>& accuracy, const std::vector<double>& latency_ms,
                      const Objective& objective) {
  HWNAS_ASSERT(!accuracy.empty() && accuracy.size() == latency_ms.size());
  int best = 0;
  for (size_t i = 1; i < accuracy.size(); ++i) {
    const bool feasible = objective.feasible(latency_ms[i]), best_feasible = objective.feasible(latency_ms[best]);
    if (feasible != best_feasible) {
      if (feasible) best = static_cast<int>(i);
    } else if (objective.score(accuracy[i], latency_ms[i]) > objective.score(accuracy[best], latency_ms[best])) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

}  // namespace hwnas
