// Evaluator: accuracy of a candidate. Strategies receive one and never know
// whether it is backed by a supernet, a table, a proxy or training from scratch.
#pragma once

#include <string>

#include "core/arch.h"

namespace hwnas {

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  /// Accuracy (or proxy score; higher is better) of `arch`, in percent where
  /// it is an accuracy. May be expensive; callers cache by arch text.
  virtual double accuracy(const Arch& arch) = 0;
  /// What this evaluator is, e.g. "supernet(bn-recal=20x256)" or "table(accuracy.csv:cifar100_test)".
  virtual std::string describe() const = 0;
};

}  // namespace hwnas
