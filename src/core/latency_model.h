// LatencyModel: predict(arch) -> milliseconds on one target. Implementations:
// LUT + bias (HSCoNAS Eq. 3, 4), learned predictors (HURRICANE App. D,
// LightNAS MLP), FLOPs-proportional baseline, tables, on-device measurement.
#pragma once

#include <string>

#include "core/arch.h"

namespace hwnas {

class LatencyModel {
 public:
  virtual ~LatencyModel() = default;
  /// Predicted latency of `arch` in milliseconds.
  virtual double predict_ms(const Arch& arch) const = 0;
  /// Name and parameters, e.g. "lut+bias(B=-0.12ms)".
  virtual std::string describe() const = 0;
};

}  // namespace hwnas
