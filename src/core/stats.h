// Mean and sample standard deviation of repeated results (seeds, runs).
#pragma once

#include <cmath>
#include <vector>

namespace hwnas {

/// NaN for no values.
inline double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / v.size();
}

/// Sample standard deviation (n - 1); 0 for a single value, NaN for none.
inline double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return v.empty() ? std::nan("") : 0.0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / (v.size() - 1));
}

}  // namespace hwnas
