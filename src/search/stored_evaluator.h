// An Evaluator whose scores outlive the process: each batch of new scores is
// written atomically to a JSON file (arch text -> score), and archs found
// there are not evaluated again. A search with an expensive evaluator
// (stand-alone trainings) that is killed resumes by running again: the
// strategy is reproducible, so it proposes the same archs and finds their
// scores stored.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/search_space.h"

namespace hwnas {

class StoredEvaluator : public Evaluator {
 public:
  /// Reads `path` when it exists and was written for `inner.describe()`
  /// (a file of another evaluator is refused: hwnas::Error).
  StoredEvaluator(Evaluator& inner, const SearchSpace& space, std::string path);
  double accuracy(const Arch& arch) override { return accuracies({arch})[0]; }
  std::vector<double> accuracies(const std::vector<Arch>& archs) override;
  std::string describe() const override { return inner_.describe(); }
  int stored() const { return static_cast<int>(scores_.size()); }
  int reused() const { return reused_; }  ///< scores read from the file instead of evaluated

 private:
  void save() const;
  Evaluator& inner_;
  const SearchSpace& space_;
  std::string path_;
  std::map<std::string, double> scores_;
  int reused_ = 0;
};

}  // namespace hwnas
