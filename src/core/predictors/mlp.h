// Multilayer perceptron latency predictor, as LightNAS (thesis ch. 4.3.2):
// fully connected ReLU layers 128-64-1 on the flattened one-hot encoding,
// trained with Adam on MSE. Here features and targets are standardised, a
// seeded 10% of the rows is held out, and training stops when the held-out
// MSE has not improved for `patience` epochs (the best weights are kept).
// Deterministic for a given seed and data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/predictors/regressor.h"

namespace hwnas {

class FactoryOptions;

struct MlpOptions {
  std::vector<int> hidden = {128, 64};  ///< hidden layer widths ("hidden=128/64")
  double lr = 1e-3;                     ///< Adam step size (LightNAS: 1e-3)
  int batch = 8;                        ///< minibatch size (SurgeNAS predictor training: 8)
  int epochs = 500;                     ///< upper bound on passes over the training rows
  int patience = 30;           ///< early stop after this many epochs without a better val MSE
  double val_frac = 0.1;       ///< held-out fraction; 0 trains all `epochs` on every row
  double weight_decay = 1e-3;  ///< L2 added to weight gradients (curbs overfitting on ~500 archs)
  uint64_t seed = 0;           ///< initialisation, split and batch order

  static MlpOptions from_factory(FactoryOptions* o);
  std::map<std::string, std::string> non_default() const;
};

class MlpRegressor : public Regressor {
 public:
  explicit MlpRegressor(MlpOptions opts = {});
  void fit(const Matrix& x, const std::vector<double>& y) override;
  double predict(const std::vector<double>& x) const override;
  std::string describe() const override;
  std::string summary() const override;

  int best_epoch() const { return best_epoch_; }  ///< 1-based epoch whose weights were kept
  int epochs_run() const { return epochs_run_; }
  double val_rmse() const { return val_rmse_; }  ///< held-out RMSE in y units (0 without val)

  /// One dense layer, out x in weights row-major.
  struct Layer {
    int in = 0, out = 0;
    std::vector<double> w, b;
  };

 private:
  MlpOptions opts_;
  bool fitted_ = false;
  Standardizer x_scale_;
  double y_mean_ = 0.0, y_std_ = 1.0;
  std::vector<Layer> layers_;
  int best_epoch_ = 0, epochs_run_ = 0;
  double val_rmse_ = 0.0;
};

}  // namespace hwnas
