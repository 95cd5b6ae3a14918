#include "search/calibration.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/predictors/metrics.h"
#include "core/strings.h"
#include "search/widen.h"

namespace hwnas {

std::vector<std::string> calibration_feature_names() { return {"inherited_accuracy", "layers", "mean_width"}; }

std::vector<double> calibration_features(const SearchSpace& space, const Arch& arch, double inherited_accuracy) {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == space.num_layers(), "calibration: arch has ",
              arch.genes.size(), " genes, space ", space.name, " has ", space.num_layers(), " layers");
  int layers = 0;
  for (const Gene& g : arch.genes) layers += !is_skip(space.ops.at(g.op).kind);
  return {inherited_accuracy, static_cast<double>(layers), mean_width(space, arch)};
}

std::vector<Arch> calibration_archs(const SearchSpace& space, const LatencyModel& latency, double target_ms, int n,
                                    Rng& rng) {
  const int kWidthLevels = 3, kTries = 3000;
  const int skip_levels = std::max(1, (n + kWidthLevels - 1) / kWidthLevels);
  std::vector<Arch> out;
  std::set<Arch> seen;
  for (int i = 0; i < n; ++i) {
    const double skip_share = skip_levels > 1 ? 0.6 * (i % skip_levels) / (skip_levels - 1) : 0.3;
    const double width_centre = (0.5 + (i / skip_levels) % kWidthLevels) / kWidthLevels;  // 1/6, 1/2, 5/6
    for (int t = 0; t < 2 * kTries; ++t) {
      const Arch a = space.canonical(t < kTries ? space.sample_shaped(rng, skip_share, width_centre) : space.sample(rng));
      const double ms = latency.predict_ms(a);
      if (ms <= target_ms && ms >= 0.8 * target_ms && seen.insert(a).second) {
        out.push_back(a);
        break;
      }
    }
  }
  return out;
}

Calibration fit_calibration(const std::vector<std::vector<double>>& features, const std::vector<double>& standalone) {
  const int n = static_cast<int>(features.size());
  HWNAS_CHECK(n == static_cast<int>(standalone.size()), "calibration: ", n, " feature rows for ",
              standalone.size(), " accuracies");
  HWNAS_CHECK(n >= 4, "calibration needs at least 4 archs, got ", n);
  Calibration c;
  const Matrix x = matrix_from_rows(features);
  // Leave-one-out: how well would the fit rank an arch it has not seen?
  std::vector<double> loo(n), inherited(n);
  for (int i = 0; i < n; ++i) {
    std::vector<int> rest;
    for (int j = 0; j < n; ++j)
      if (j != i) rest.push_back(j);
    std::vector<double> y;
    for (int j : rest) y.push_back(standalone[j]);
    LinearRegressor m(LinearOptions{0.1});
    m.fit(x(rest, Eigen::all), y);
    loo[i] = m.predict(features[i]);
    inherited[i] = features[i][0];
  }
  c.tau_inherited = kendall_tau_b(inherited, standalone);
  c.tau_leave_one_out = kendall_tau_b(loo, standalone);
  c.model.fit(x, standalone);
  return c;
}

CalibratedEvaluator::CalibratedEvaluator(Evaluator& base, const SearchSpace& space, Calibration calibration)
    : base_(base), space_(space), calibration_(std::move(calibration)) {}

double CalibratedEvaluator::accuracy(const Arch& arch) {
  return calibration_.model.predict(calibration_features(space_, arch, base_.accuracy(arch)));
}

std::string CalibratedEvaluator::describe() const {
  const std::vector<std::string> names = calibration_feature_names();
  const std::vector<double>& w = calibration_.model.coef();
  std::string terms;
  for (size_t i = 0; i < names.size(); ++i) terms += str_cat(",", names[i], "=", format_number(w[i]));
  return str_cat("calibrated(", base_.describe(), terms, ")");
}

}  // namespace hwnas
