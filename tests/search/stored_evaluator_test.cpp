// Scores stored in a file are not evaluated again, so a killed search that
// runs again resumes where it stopped.
#include "search/stored_evaluator.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/io.h"

namespace hwnas {
namespace {

class CountingEvaluator : public Evaluator {
 public:
  explicit CountingEvaluator(std::string name = "counting") : name_(std::move(name)) {}
  double accuracy(const Arch& a) override {
    ++calls;
    return 0.1 + a.genes[0].op + 0.01 * a.genes[1].width;
  }
  std::string describe() const override { return name_; }
  int calls = 0;

 private:
  std::string name_;
};

TEST(StoredEvaluator, ScoresSurviveTheProcess) {
  auto space = make_space("hsconas:depths=1/1/1/1,widths=2");
  const std::string path = (std::filesystem::temp_directory_path() / "hwnas_stored_evaluator.json").string();
  std::filesystem::remove(path);
  Rng rng(1);
  std::vector<Arch> archs;
  for (int i = 0; i < 5; ++i) archs.push_back(space->canonical(space->sample(rng)));
  CountingEvaluator inner;
  std::vector<double> first;
  {
    StoredEvaluator ev(inner, *space, path);
    first = ev.accuracies({archs[0], archs[1], archs[2]});
    EXPECT_EQ(inner.calls, 3);
  }
  // A second process: the three stored scores are read, two are new.
  CountingEvaluator again;
  StoredEvaluator ev(again, *space, path);
  EXPECT_EQ(ev.stored(), 3);
  const std::vector<double> all = ev.accuracies(archs);
  EXPECT_EQ(again.calls, 2);
  EXPECT_EQ(ev.reused(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(all[i], first[i]);
  EXPECT_DOUBLE_EQ(ev.accuracy(archs[4]), all[4]);
  EXPECT_EQ(again.calls, 2);

  // Scores of another evaluator, or a damaged file, are refused.
  CountingEvaluator other("other");
  EXPECT_THROW(StoredEvaluator(other, *space, path), Error);
  write_file_atomic(path, "{\"evaluator\": \"counting\", \"scores\": [1, 2");
  EXPECT_THROW(StoredEvaluator(inner, *space, path), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace hwnas
