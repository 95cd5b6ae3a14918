// Evaluator: accuracy of a candidate. Strategies receive one and never know
// whether it is backed by a supernet, a table, a proxy or training from scratch.
#pragma once

#include <string>
#include <vector>

#include "core/arch.h"

namespace hwnas {

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  /// Accuracy (or proxy score; higher is better) of `arch`, in percent where
  /// it is an accuracy. May be expensive; callers cache by arch text.
  virtual double accuracy(const Arch& arch) = 0;
  /// accuracy() of each arch, in order. Strategies hand over a generation at
  /// once, so an evaluator whose evaluations are independent trainings can
  /// run them side by side; this default evaluates one after another.
  virtual std::vector<double> accuracies(const std::vector<Arch>& archs) {
    std::vector<double> out;
    out.reserve(archs.size());
    for (const Arch& a : archs) out.push_back(accuracy(a));
    return out;
  }
  /// What this evaluator is, e.g. "supernet(bn-recal=20x256)" or "table(accuracy.csv:cifar100_test)".
  virtual std::string describe() const = 0;
};

}  // namespace hwnas
