// Accuracy of a latency predictor on held-out archs: predicted vs measured
// milliseconds. HURRICANE reports RMSE and mean relative error; LightNAS RMSE;
// search only needs the order right, hence Kendall's tau.
#pragma once

#include <string>
#include <vector>

namespace hwnas {

struct FitMetrics {
  int n = 0;                    ///< number of (predicted, measured) pairs
  double rmse_ms = 0.0;         ///< root mean squared error
  double mape = 0.0;            ///< mean |pred - meas| / meas, in percent
  double max_abs_err_ms = 0.0;  ///< worst absolute error
  double kendall_tau = 0.0;     ///< tau-b of predicted vs measured; NaN if either is constant
  double spearman_rho = 0.0;    ///< rank correlation of predicted vs measured; NaN if either is constant
  double within_5pct = 0.0;     ///< percent of pairs with |pred - meas| <= 5% of meas
  double within_10pct = 0.0;    ///< percent of pairs with |pred - meas| <= 10% of meas
};

/// Metrics of `predicted_ms` against `measured_ms`. Throws hwnas::Error when
/// the lengths differ, are empty, or a measured value is not positive.
FitMetrics fit_metrics(const std::vector<double>& predicted_ms,
                       const std::vector<double>& measured_ms);

/// Kendall's tau-b (ties in either vector handled as in scipy.stats.kendalltau),
/// O(n log n) (Knight's algorithm). NaN when either vector is constant or n < 2.
double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b);
/// Spearman's rho: the Pearson correlation of the ranks (ties share their
/// mean rank, as scipy.stats.spearmanr). NaN when either vector is constant or n < 2.
double spearman_rho(const std::vector<double>& a, const std::vector<double>& b);
/// 1-based ranks of `v`, ties sharing their mean rank.
std::vector<double> ranks(const std::vector<double>& v);

/// One line: "n=400 rmse=0.21ms mape=1.8% max=0.9ms tau=0.93 within5%=96% within10%=100%".
std::string format_fit_metrics(const FitMetrics& m);

}  // namespace hwnas
