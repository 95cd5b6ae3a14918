#include "core/predictors/metrics.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"

namespace hwnas {

double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_CHECK(a.size() == b.size(), "kendall tau: ", a.size(), " vs ", b.size(), " values");
  const size_t n = a.size();
  // n0 - n1 = pairs not tied in a; n0 - n2 = pairs not tied in b.
  long long concordant = 0, discordant = 0, untied_a = 0, untied_b = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da != 0) ++untied_a;
      if (db != 0) ++untied_b;
      if (da == 0 || db == 0) continue;
      ((da > 0) == (db > 0) ? concordant : discordant)++;
    }
  if (untied_a == 0 || untied_b == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(concordant - discordant) /
         std::sqrt(static_cast<double>(untied_a) * static_cast<double>(untied_b));
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
