#include "run/stage.h"

#include <algorithm>
#include <filesystem>

#include <ATen/Parallel.h>

#include "core/error.h"

namespace hwnas {

using nlohmann::json;

StageRunner::StageRunner(const RunDir& run, std::vector<std::string> plan) : run_(run), plan_(std::move(plan)) {
  std::filesystem::create_directories(run_.file("stages"));
  if (run_.has("stages.json")) seconds_ = json::parse(run_.read("stages.json"));
}

json StageRunner::run(const std::string& name, const std::string& title, const json& settings,
                      const std::function<json()>& work) {
  const auto it = std::find(plan_.begin(), plan_.end(), name);
  HWNAS_CHECK(it != plan_.end(), "stage '", name, "' is not in this method's plan");
  std::fprintf(stderr, "\n== [%d/%zu] %s ==\n", static_cast<int>(it - plan_.begin()) + 1, plan_.size(), title.c_str());
  const auto t0 = std::chrono::steady_clock::now();
  // Torch's thread count is process-wide; only ThreadScope may change it,
  // and it restores it (nn/execution.h). Every run checks that at each stage.
  const int threads = at::get_num_threads();
  const json record = work();
  HWNAS_CHECK(at::get_num_threads() == threads, "stage ", name, " left torch at ", at::get_num_threads(),
              " threads, not ", threads, ": a thread count was changed outside ThreadScope");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  seconds_[name] = seconds_.value(name, 0.0) + s;
  run_.write("stages.json", seconds_.dump(2));
  run_.write("stages/" + name + ".json", json{{"stage", name},
                                              {"title", title},
                                              {"settings", settings},
                                              {"seconds", seconds_[name]},
                                              {"record", record}}
                                             .dump(2));
  return record;
}

std::vector<std::pair<std::string, double>> StageRunner::seconds() const {
  std::vector<std::pair<std::string, double>> out;
  for (const std::string& name : plan_)
    if (seconds_.contains(name)) out.emplace_back(name, seconds_[name].get<double>());
  return out;
}

}  // namespace hwnas
