// The stages of a method. A stage is one named step of a run (profile,
// supernet, search, retrain, measure, report, ...). Each leaves a record,
// plain JSON, in the run directory: stages/<name>.json holds the settings
// that decide whether its work can be reused, its wall time summed over
// every invocation of a resumed run, and what it produced. Reporters read
// records; tests assert on them, not on log wording.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/run_dir.h"

namespace hwnas {

class StageRunner {
 public:
  /// `plan`: the method's stage names in order, for the "[i/N]" headers.
  StageRunner(const RunDir& run, std::vector<std::string> plan);

  /// Runs stage `name` (one of the plan): prints its header with `title`,
  /// times `work`, and saves {stage, title, settings, seconds, record} as
  /// stages/<name>.json, the record being what `work` returns.
  nlohmann::json run(const std::string& name, const std::string& title, const nlohmann::json& settings,
                     const std::function<nlohmann::json()>& work);

  /// Seconds of every stage run so far (stages.json), in plan order.
  std::vector<std::pair<std::string, double>> seconds() const;

 private:
  const RunDir& run_;
  std::vector<std::string> plan_;
  nlohmann::json seconds_ = nlohmann::json::object();
};

}  // namespace hwnas
