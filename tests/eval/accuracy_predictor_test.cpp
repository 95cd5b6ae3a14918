// Domino's MAML accuracy predictor on a synthetic task family: the proxy
// and the real accuracies share which blocks matter but not their scale, so
// meta-training on many proxy pairs should let 6 real pairs go further than
// they go alone.
#include "eval/accuracy_predictor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/predictors/metrics.h"
#include "core/rng.h"

namespace hwnas {
namespace {

/// How much grafting each block costs, in points (a fixed draw).
double true_loss(const Arch& a) {
  static const double cost[] = {3.0, 0.2, 2.5, 0.1, 1.5, 0.3, 2.0};
  double s = 0;
  for (size_t l = 0; l < a.genes.size(); ++l) s += a.genes[l].op == 1 ? cost[l] : 0;
  return s;
}

std::vector<AccuracyPair> pairs(const SearchSpace& space, int n, double base, double scale, double noise, Rng& rng) {
  std::vector<AccuracyPair> out;
  for (int i = 0; i < n; ++i) {
    const Arch a = space.sample(rng);
    out.push_back({a, base - scale * true_loss(a) + noise * (uniform01(rng) - 0.5)});
  }
  return out;
}

double rmse(const std::vector<double>& p, const std::vector<AccuracyPair>& t) {
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) s += (p[i] - t[i].accuracy) * (p[i] - t[i].accuracy);
  return std::sqrt(s / p.size());
}

TEST(MamlAccuracyPredictor, MetaTrainingOnProxiesBeatsTheFewRealPairsAlone) {
  auto space = make_space("domino:depths=1/1/1/1/1/1/1,head=32");
  Rng rng(3);
  const std::vector<AccuracyPair> proxy = pairs(*space, 80, 40, 0.6, 1.0, rng);  // short trainings: lower, compressed
  const std::vector<AccuracyPair> real = pairs(*space, 6, 80, 1.5, 0.3, rng);
  const std::vector<AccuracyPair> held = pairs(*space, 40, 80, 1.5, 0.3, rng);
  std::vector<Arch> held_archs;
  std::vector<double> truth;
  for (const AccuracyPair& p : held) {
    held_archs.push_back(p.arch);
    truth.push_back(p.accuracy);
  }
  MamlOptions o;
  o.meta_iterations = 300;
  o.seed = 1;
  MamlAccuracyPredictor maml(*space, o);
  EXPECT_THROW(maml.predict(held_archs.front()), Error);  // not adapted yet
  maml.meta_train(proxy);
  maml.adapt(real);
  const std::vector<double> meta = maml.predict(held_archs);
  MamlAccuracyPredictor alone(*space, o);
  alone.fit_from_scratch(real);
  const std::vector<double> scratch = alone.predict(held_archs);
  EXPECT_LT(rmse(meta, held), rmse(scratch, held));
  EXPECT_GT(kendall_tau_b(meta, truth), 0.6);
  EXPECT_TRUE(std::isfinite(maml.meta_loss()));
  EXPECT_THROW(maml.meta_train(std::vector<AccuracyPair>(proxy.begin(), proxy.begin() + 5)), Error);
  EXPECT_THROW(maml.adapt({real.front()}), Error);
}

}  // namespace
}  // namespace hwnas
