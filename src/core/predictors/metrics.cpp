#include "core/predictors/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace hwnas {

namespace {

/// Pairs tied within runs of equal values of `v` at the positions `order` visits.
long long tied_pairs(const std::vector<double>& v, const std::vector<size_t>& order) {
  long long ties = 0, run = 1;
  for (size_t i = 1; i <= order.size(); ++i) {
    if (i < order.size() && v[order[i]] == v[order[i - 1]]) {
      ++run;
    } else {
      ties += run * (run - 1) / 2;
      run = 1;
    }
  }
  return ties;
}

}  // namespace

double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_CHECK(a.size() == b.size(), "kendall tau: ", a.size(), " vs ", b.size(), " values");
  const size_t n = a.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  // Knight's O(n log n) algorithm: sort by (a, b), count the ties, then
  // count the swaps a merge sort by b makes (the discordant pairs).
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t i, size_t j) { return a[i] < a[j] || (a[i] == a[j] && b[i] < b[j]); });
  const long long ties_a = tied_pairs(a, order);
  long long ties_both = 0, run = 1;
  for (size_t i = 1; i <= n; ++i) {
    if (i < n && a[order[i]] == a[order[i - 1]] && b[order[i]] == b[order[i - 1]]) {
      ++run;
    } else {
      ties_both += run * (run - 1) / 2;
      run = 1;
    }
  }
  long long swaps = 0;
  std::vector<size_t> buf(n);
  for (size_t width = 1; width < n; width *= 2)
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (b[order[j]] < b[order[i]]) {
          swaps += static_cast<long long>(mid - i);
          buf[k++] = order[j++];
        } else {
          buf[k++] = order[i++];
        }
      }
      while (i < mid) buf[k++] = order[i++];
      while (j < hi) buf[k++] = order[j++];
      std::copy(buf.begin() + lo, buf.begin() + hi, order.begin() + lo);
    }
  const long long ties_b = tied_pairs(b, order);
  const long long pairs = static_cast<long long>(n) * (n - 1) / 2;
  const long long untied_a = pairs - ties_a, untied_b = pairs - ties_b;
  if (untied_a == 0 || untied_b == 0) return std::numeric_limits<double>::quiet_NaN();
  // concordant - discordant = pairs - ties_a - ties_b + ties_both - 2 * swaps
  const double s = static_cast<double>(pairs - ties_a - ties_b + ties_both - 2 * swaps);
  return s / std::sqrt(static_cast<double>(untied_a) * static_cast<double>(untied_b));
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[order[k]] = 0.5 * static_cast<double>(i + j) + 1;  // ties share the mean rank
    i = j + 1;
  }
  return r;
}

double spearman_rho(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_CHECK(a.size() == b.size(), "spearman rho: ", a.size(), " vs ", b.size(), " values");
  if (a.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double mean = 0.5 * static_cast<double>(a.size() + 1);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (saa == 0 || sbb == 0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}

FitMetrics fit_metrics(const std::vector<double>& predicted_ms,
                       const std::vector<double>& measured_ms) {
  HWNAS_CHECK(predicted_ms.size() == measured_ms.size(), "fit metrics: ", predicted_ms.size(),
              " predictions vs ", measured_ms.size(), " measurements");
  HWNAS_CHECK(!measured_ms.empty(), "fit metrics: no measurements");
  FitMetrics m;
  m.n = static_cast<int>(measured_ms.size());
  double sse = 0.0, rel = 0.0;
  int in5 = 0, in10 = 0;
  for (size_t i = 0; i < measured_ms.size(); ++i) {
    const double meas = measured_ms[i];
    HWNAS_CHECK(meas > 0 && std::isfinite(meas), "fit metrics: measured latency ", i,
                " must be positive, got ", meas);
    const double err = std::fabs(predicted_ms[i] - meas);
    sse += err * err;
    rel += err / meas;
    m.max_abs_err_ms = std::max(m.max_abs_err_ms, err);
    in5 += err <= 0.05 * meas;
    in10 += err <= 0.10 * meas;
  }
  m.rmse_ms = std::sqrt(sse / m.n);
  m.mape = 100.0 * rel / m.n;
  m.within_5pct = 100.0 * in5 / m.n;
  m.within_10pct = 100.0 * in10 / m.n;
  m.kendall_tau = kendall_tau_b(predicted_ms, measured_ms);
  m.spearman_rho = spearman_rho(predicted_ms, measured_ms);
  return m;
}

std::string format_fit_metrics(const FitMetrics& m) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "n=%d rmse=%.4gms mape=%.3g%% max=%.4gms tau=%.3f within5%%=%.1f%% "
                "within10%%=%.1f%%",
                m.n, m.rmse_ms, m.mape, m.max_abs_err_ms, m.kendall_tau, m.within_5pct,
                m.within_10pct);
  return buf;
}

}  // namespace hwnas
