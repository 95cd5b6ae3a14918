#include "core/tables.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>

#include "core/error.h"
#include "core/io.h"
#include "core/spaces/nb201.h"

namespace hwnas {
namespace {

// The NB201 tables committed in data/nb201 (tests run from the repository root).
const std::string kNb201Dir = "data/nb201";

class TablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hwnas_tables_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    space_ = make_space("nb201");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    write_file_atomic(p, text);
    return p;
  }
  std::string arch(int index) const { return space_->format(nb201_arch(index)); }
  void expect_error(const std::string& ref, const std::string& needle) {
    try {
      ArchTable t(ref, *space_);
      FAIL() << "accepted " << ref;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  std::filesystem::path dir_;
  std::unique_ptr<SearchSpace> space_;
};

TEST_F(TablesTest, ReadsColumnKeyedByArchString) {
  const std::string p = write("acc.csv", "index,arch_str,acc,lat\n0," + arch(0) + ",52.5,10\n1," +
                                             arch(1) + ",70.25,54.5\r\n");
  TableEvaluator eval(p + ":acc", *space_);
  TableLatency lat(p + ":lat", *space_);
  EXPECT_DOUBLE_EQ(eval.accuracy(nb201_arch(1)), 70.25);
  EXPECT_DOUBLE_EQ(lat.predict_ms(nb201_arch(0)), 10.0);
  EXPECT_EQ(eval.describe(), "table(" + p + ":acc)");
  EXPECT_EQ(eval.table().entries().size(), 2u);
  EXPECT_EQ(eval.table().entries()[1].first, nb201_arch(1));
  EXPECT_TRUE(lat.table().contains(nb201_arch(0)));
  EXPECT_FALSE(lat.table().contains(nb201_arch(2)));
}

TEST_F(TablesTest, KeysNb201ByIndexWithoutArchColumn) {
  const std::string p = write("idx.csv", "index,ms\n9930,80.5\n0,10.25\n");
  TableLatency lat(p + ":ms", *space_);
  EXPECT_DOUBLE_EQ(lat.predict_ms(nb201_arch(9930)), 80.5);
  EXPECT_DOUBLE_EQ(lat.predict_ms(space_->parse(arch(0))), 10.25);
}

TEST_F(TablesTest, QuotedFields) {
  const CsvTable t = CsvTable::parse("a,\"b,c\",d\n1,\"x \"\"y\"\"\",3\n", "q.csv");
  ASSERT_EQ(t.columns().size(), 3u);
  EXPECT_EQ(t.columns()[1], "b,c");
  EXPECT_EQ(t.cell(0, 1), "x \"y\"");
  EXPECT_DOUBLE_EQ(t.number(0, 2), 3.0);
}

TEST_F(TablesTest, ClearErrors) {
  const std::string good = "index,arch_str,acc\n0," + arch(0) + ",52.5\n";
  const std::string p = write("good.csv", good);
  expect_error((dir_ / "nope.csv").string() + ":acc", "does not exist");
  expect_error(p + ":accuracy", "no column 'accuracy' (available: index, arch_str, acc)");
  expect_error(p, "must be FILE:COLUMN");
  expect_error(write("bad_value.csv", good + "1," + arch(1) + ",abc\n") + ":acc",
               "bad_value.csv:3: column acc: 'abc' is not a number");
  expect_error(write("bad_arch.csv", good + "1,|conv~0|,1\n") + ":acc", "bad_arch.csv:3: nb201 arch");
  expect_error(write("short.csv", good + "1,2\n") + ":acc", "short.csv:3: 2 fields, the header has 3");
  expect_error(write("dup.csv", good + "1," + arch(0) + ",3\n") + ":acc", "listed twice");
  expect_error(write("nokey.csv", "x,acc\n1,2\n") + ":acc", "need an 'arch_str' column");
  ArchTable t(p + ":acc", *space_);
  try {
    t.at(nb201_arch(1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("arch " + arch(1) + " is not in " + p), std::string::npos)
        << e.what();
  }
}

TEST_F(TablesTest, LoadsTheNb201Tables) {
  const std::string acc = kNb201Dir + "/accuracy.csv";
  const std::string lat = kNb201Dir + "/latency.csv";
  ASSERT_TRUE(file_exists(acc) && file_exists(lat)) << "no NB201 tables in " << kNb201Dir;
  // The load time is printed, not asserted: tests check results, benchmarks speed.
  const std::clock_t t0 = std::clock();
  TableEvaluator eval(acc + ":cifar100_test", *space_);
  TableLatency latency(lat + ":raspi4_ms", *space_);
  const double ms = 1000.0 * (std::clock() - t0) / CLOCKS_PER_SEC;
  std::printf("[nb201 tables] accuracy + latency loaded in %.1f ms of CPU\n", ms);
  EXPECT_EQ(eval.table().entries().size(), static_cast<size_t>(kNb201NumArchs));
  EXPECT_NEAR(eval.accuracy(nb201_arch(9930)), 73.5133, 1e-4);  // the best arch (README)
  EXPECT_NEAR(latency.predict_ms(nb201_arch(0)), 10.48198, 1e-5);
  EXPECT_NEAR(latency.predict_ms(nb201_arch(9930)), 80.40009, 1e-5);
  for (int i = 0; i < kNb201NumArchs; ++i) ASSERT_EQ(eval.table().entries()[i].first, nb201_arch(i));
}

}  // namespace
}  // namespace hwnas
