#include "search/stored_evaluator.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"

namespace hwnas {

StoredEvaluator::StoredEvaluator(Evaluator& inner, const SearchSpace& space, std::string path)
    : inner_(inner), space_(space), path_(std::move(path)) {
  if (!file_exists(path_)) return;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path_));
    HWNAS_CHECK(j.at("evaluator").get<std::string>() == inner_.describe(), path_, " holds scores of ",
                j.at("evaluator").get<std::string>(), ", not of ", inner_.describe(),
                "; remove it or use another run directory");
    scores_ = j.at("scores").get<std::map<std::string, double>>();
  } catch (const nlohmann::json::exception& e) {
    HWNAS_CHECK(false, path_, " is not a score file: ", e.what());
  }
}

std::vector<double> StoredEvaluator::accuracies(const std::vector<Arch>& archs) {
  std::vector<double> out(archs.size());
  std::vector<Arch> fresh;
  std::vector<size_t> where;
  for (size_t i = 0; i < archs.size(); ++i) {
    auto it = scores_.find(space_.format(archs[i]));
    if (it != scores_.end()) {
      out[i] = it->second;
      ++reused_;
    } else {
      fresh.push_back(archs[i]);
      where.push_back(i);
    }
  }
  if (fresh.empty()) return out;
  const std::vector<double> got = inner_.accuracies(fresh);
  for (size_t j = 0; j < fresh.size(); ++j) {
    out[where[j]] = got[j];
    scores_[space_.format(fresh[j])] = got[j];
  }
  save();
  return out;
}

void StoredEvaluator::save() const {
  write_file_atomic(path_, nlohmann::json{{"evaluator", inner_.describe()}, {"scores", scores_}}.dump(1));
}

}  // namespace hwnas
