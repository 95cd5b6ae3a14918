#include "latency/lut.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/flops.h"
#include "core/io.h"
#include "latency/models.h"
#include "latency/target.h"
#include "tests/support/expect_error.h"

namespace hwnas {
namespace {

using json = nlohmann::json;

// Four layers (one per stage), two widths: 4 x (4 ops x 2 widths) + stem + head = 34 ops.
const char* kSpace = "hsconas:widths=2,depths=1/1/1/1";

std::string tmp_path(const std::string& name) { return ::testing::TempDir() + "hwnas_lut_test_" + name; }

TargetInfo fake_target() {
  TargetInfo t;
  t.kind = "tensorrt";
  t.device = "Jetson Xavier NX";
  t.threads = 0;
  t.batch = 1;
  t.library = "TensorRT 8.5";
  return t;
}

/// A hand-made table: stem 0.1 ms, head 0.2 ms, layer l op o width w:
/// 0.01 * (l+1) * (o+1) * (w+1) ms.
Lut hand_made(const SearchSpace& space) {
  Lut lut = Lut::empty(space, fake_target(), ProfileOptions());
  lut.ops[stem_op_spec(space, 1).key()].median_ms = 0.1;
  lut.ops[head_op_spec(space, 1).key()].median_ms = 0.2;
  for (int l = 0; l < space.num_layers(); ++l)
    for (int o : space.layers[l].ops)
      for (int w : space.layers[l].widths)
        lut.ops[space.op_spec(l, Gene{o, w}, 1).key()].median_ms = 0.01 * (l + 1) * (o + 1) * (w + 1);
  return lut;
}

TEST(Lut, SpaceOpSpecsCoverEveryOpOnce) {
  auto space = make_space(kSpace);
  EXPECT_EQ(space_op_specs(*space, 1).size(), 34u);
  auto full = make_space("hsconas");
  // 8 layer contexts x 4 scalable ops x 10 widths, skip in the 4 contexts with
  // equal shapes, stem, head.
  EXPECT_EQ(space_op_specs(*full, 1).size(), 8u * 40 + 4 + 2);
  EXPECT_EQ(space_fingerprint(*full), space_fingerprint(*make_space("hsconas:layout=small")));
  EXPECT_NE(space_fingerprint(*full), space_fingerprint(*space));
}

TEST(Lut, TableSumAndBiasArithmetic) {
  auto space = make_space(kSpace);
  const Lut lut = hand_made(*space);
  EXPECT_TRUE(lut.missing_keys(*space).empty());
  const Arch a = space->parse("k3@0.5,k5@1,k7@0.5,x@1");
  const Arch b = space->parse("k3@0.5,k3@0.5,k3@0.5,k3@0.5");
  // 0.1 + 0.01*1*1*1 + 0.01*2*2*2 + 0.01*3*3*1 + 0.01*4*4*2 + 0.2
  EXPECT_NEAR(lut.sum_ms(*space, a), 0.8, 1e-12);
  EXPECT_NEAR(lut.sum_ms(*space, b), 0.1 + 0.01 + 0.02 + 0.03 + 0.04 + 0.2, 1e-12);
  MeasuredArchs m;
  m.archs = {a, b};
  m.ms = {1.0, 0.5};
  // HSCoNAS Eq. 4: B = ((1.0 + 0.5) - (0.8 + 0.4)) / 2
  const double bias = LutBiasModel::fit_bias(*space, lut, m);
  EXPECT_NEAR(bias, 0.15, 1e-12);
  LutBiasModel model(*space, lut, bias);
  EXPECT_NEAR(model.predict_ms(a), 0.95, 1e-12);
  EXPECT_NEAR(model.predict_ms(b), 0.55, 1e-12);
  EXPECT_EQ(model.describe(), "lut+bias(B=0.15ms)");
  LatencyModelContext ctx;
  ctx.space = space.get();
  ctx.lut = &lut;
  ctx.fit = &m;
  EXPECT_NEAR(make_latency_model("lut+bias", ctx)->predict_ms(a), 0.95, 1e-12);
  EXPECT_NEAR(make_latency_model("lut", ctx)->predict_ms(a), 0.8, 1e-12);
}

TEST(Lut, TheProfileStatisticPicksMedianOrMin) {
  auto space = make_space(kSpace);
  Lut lut = hand_made(*space);
  for (auto& [key, t] : lut.ops) t.min_ms = t.median_ms / 2;
  const Arch a = space->parse("k3@0.5,k5@1,k7@0.5,x@1");
  EXPECT_NEAR(lut.sum_ms(*space, a), 0.8, 1e-12);
  lut.profile.statistic = Statistic::kMin;
  EXPECT_NEAR(lut.sum_ms(*space, a), 0.4, 1e-12);
  const Lut back = Lut::from_json(lut.to_json(), "memory");
  EXPECT_EQ(back.profile.statistic, Statistic::kMin);
  EXPECT_THROW(parse_statistic("mean"), Error);
}

TEST(Lut, JsonRoundTripKeepsEverything) {
  auto space = make_space(kSpace);
  Lut lut = hand_made(*space);
  lut.archs["k3@0.5,k3@0.5,k3@0.5,k3@0.5"].median_ms = 0.5;
  lut.bias_ms = 0.15;
  lut.bias_archs = 2;
  const std::string path = tmp_path("roundtrip.json");
  lut.save(path);
  const Lut back = Lut::load(path);
  EXPECT_EQ(back.to_json(), lut.to_json());
  EXPECT_NO_THROW(back.check_space(*space));
  EXPECT_NO_THROW(back.check_target(fake_target()));
}

TEST(Lut, BadTablesAreRefusedWithTheReason) {
  auto space = make_space(kSpace);
  const Lut lut = hand_made(*space);
  const std::string path = tmp_path("bad.json");

  write_file_atomic(path, "{\"target\": {\"kind\": \"x\"},\n \"ops\": {,}}");
  expect_error([&] { Lut::load(path); }, "line 2");
  write_file_atomic(path, "{\"ops\": {}}");
  expect_error([&] { Lut::load(path); }, "missing \"target\"");
  write_file_atomic(path, "{\"target\": {\"kind\": \"x\"}, \"ops\": {\"shuffle-k3\": 1.0}}");
  expect_error([&] { Lut::load(path); }, "bad op key 'shuffle-k3'");
  write_file_atomic(path, "{\"target\": {\"kind\": \"x\", \"batch\": 2}, \"ops\": "
                          "{\"stem-k3-e0-se0-cin1-cout16-mid0-s2-h28w28-b1\": 1.0}}");
  expect_error([&] { Lut::load(path); }, "has batch 1 but the target's batch is 2");
  write_file_atomic(path, "{\"target\": {\"kind\": \"x\"}, \"ops\": "
                          "{\"stem-k3-e0-se0-cin1-cout16-mid0-s2-h28w28-b1\": -1}}");
  expect_error([&] { Lut::load(path); }, ">= 0");
  expect_error([&] { Lut::load(tmp_path("does_not_exist.json")); }, "does not exist");

  expect_error([&] { lut.check_space(*make_space("hsconas")); }, "was profiled for space");
  Lut holey = lut;
  holey.ops.erase(head_op_spec(*space, 1).key());
  expect_error([&] { holey.check_space(*space); }, "lacks 1 of the ops");
  expect_error([&] { holey.sum_ms(*space, space->parse("k3@0.5,k3@0.5,k3@0.5,k3@0.5")); }, "has no op head-");
  expect_error([&] { lut.check_target(local_target_info(1, 1)); }, "was measured on");
}

TEST(Lut, ImportedCsvLoadsAsTableAndTarget) {
  auto space = make_space(kSpace);
  const Lut lut = hand_made(*space);
  std::string csv = "# kind: tensorrt\n# device: Jetson Xavier NX\n# threads: 0\n# batch: 1\n"
                    "# library: TensorRT 8.5\n# space: hsconas:widths=2,depths=1/1/1/1\n"
                    "# measured with trtexec, fp16\n"
                    "type,key,ms,stddev_ms\n";
  for (const auto& [key, t] : lut.ops) csv += "op," + key + "," + std::to_string(t.median_ms) + ",0.001\n";
  csv += "arch,\"k3@0.5,k5@1,k7@0.5,x@1\",0.9,\n";
  const std::string path = tmp_path("import.csv");
  write_file_atomic(path, csv);
  const Lut imported = Lut::load(path);
  EXPECT_EQ(imported.target.id(), fake_target().id());
  EXPECT_NO_THROW(imported.check_space(*space));
  const Arch a = space->parse("k3@0.5,k5@1,k7@0.5,x@1");
  EXPECT_NEAR(imported.sum_ms(*space, a), 0.8, 1e-5);
  EXPECT_EQ(imported.archs.size(), 1u);

  auto target = make_target("table:" + path);
  EXPECT_EQ(target->info().device, "Jetson Xavier NX");
  EXPECT_NEAR(target->measure_arch(*space, a, ProfileOptions()).median_ms, 0.9, 1e-12);
  EXPECT_NEAR(target->measure_op(stem_op_spec(*space, 1), ProfileOptions()).median_ms, 0.1, 1e-5);
  expect_error([&] { target->measure_arch(*space, space->parse("k3@1,k3@1,k3@1,k3@1"), ProfileOptions()); },
               "no end-to-end measurement");

  // The JSON import form: bare numbers are medians.
  json j{{"target", fake_target().to_json()}, {"ops", {{stem_op_spec(*space, 1).key(), 0.25}}}};
  write_file_atomic(tmp_path("import.json"), j.dump());
  EXPECT_NEAR(Lut::load(tmp_path("import.json")).op_ms(stem_op_spec(*space, 1)), 0.25, 1e-12);

  write_file_atomic(path, "# batch: 1\nkey,latency\nx,1\n");
  expect_error([&] { Lut::load(path); }, "needs columns 'key' and 'ms'");
  write_file_atomic(path, "# space: hsconas:widths=2,depths=1/1/1/1\ntype,key,ms\narch,\"k3@0.3,k5@1,k7@0.5,x@1\",1\n");
  expect_error([&] { Lut::load(path); }, "arch row");
}

}  // namespace
}  // namespace hwnas
