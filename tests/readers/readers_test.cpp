// The readers of what hwnas did not write (torch-free; also run under ASan +
// UBSan by scripts/fuzz.sh): each case is an input the fuzzers found or one
// next to it, refused with a message that names the problem.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/config_file.h"
#include "core/io.h"
#include "core/strings.h"
#include "data/file_formats.h"
#include "latency/agent.h"
#include "latency/lut.h"
#include "tests/support/expect_error.h"

namespace hwnas {
namespace {

using json = nlohmann::json;

std::string tmp_path(const std::string& name) { return ::testing::TempDir() + "hwnas_readers_test_" + name; }

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

TEST(Utf8, FindsTheFirstBrokenByte) {
  EXPECT_EQ(invalid_utf8_at("plain ascii"), std::string::npos);
  EXPECT_EQ(invalid_utf8_at("Jetson \xE2\x84\xA2 \xF0\x9F\x98\x80"), std::string::npos);  // TM sign, an emoji
  EXPECT_EQ(invalid_utf8_at("ab\xFF"), 2u);
  EXPECT_EQ(invalid_utf8_at("a\x80"), 1u);             // stray continuation byte
  EXPECT_EQ(invalid_utf8_at("a\xE2\x84"), 1u);         // cut short
  EXPECT_EQ(invalid_utf8_at("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(invalid_utf8_at("\xED\xA0\x80"), 0u);      // surrogate
  EXPECT_EQ(invalid_utf8_at("\xF4\x90\x80\x80"), 0u);  // beyond U+10FFFF
}

TEST(IdxReader, HeadersBeyondAnyFileAreRefusedBeforeMemoryIsTaken) {
  const std::string path = tmp_path("huge.idx");
  // rows x columns overflowed 64-bit arithmetic (UBSan).
  write_file_atomic(path, be32(0x803) + be32(0xFFFFFFF0) + be32(0xFF00FFFF) + be32(0xFFFD0000));
  expect_error([&] { read_idx_images_raw(path); }, "implausible header");
  // 12 GB announced by a 16-byte file: refused as truncated, without allocating 12 GB first.
  write_file_atomic(path, be32(0x803) + be32(3000) + be32(2000) + be32(2000) + std::string(10, '\0'));
  expect_error([&] { read_idx_images_raw(path); }, "truncated: header says 3000 images of 2000x2000, file holds 10");
  write_file_atomic(path, be32(0x801) + be32(0xFFFFFFFF));
  expect_error([&] { read_idx_labels_raw(path); }, "truncated");
  write_file_atomic(path, be32(0x803) + be32(2) + be32(1) + be32(2) + "abcd");
  const RawImages ok = read_idx_images_raw(path);
  EXPECT_EQ(ok.count, 2);
  EXPECT_EQ(std::string(ok.pixels.begin(), ok.pixels.end()), "abcd");
}

TEST(LutReader, TextThatJsonCannotHoldAndCountsBeyondIntAreRefused) {
  // A CSV key with bytes that are not UTF-8 loaded, then failed when the table was written.
  expect_error([] { Lut::from_csv("type,key,ms\nop,k\xFF\xFE,1\n", "x.csv"); }, "byte 16 is not UTF-8 text");
  // Iteration counts beyond int were converted without a check (UBSan).
  const json t{{"kind", "tensorrt"}};
  expect_error(
      [&] {
        Lut::from_json(
            json{{"target", t},
                 {"ops",
                  {{"stem-k3-e0-se0-cin1-cout16-mid0-s2-h28w28-b1", {{"median_ms", 1}, {"iterations", 6.8e15}}}}}},
            "x.json");
      },
      "iterations must be a whole number within int's range");
  expect_error(
      [&] {
        Lut::from_json(json{{"target", {{"kind", "x"}, {"threads", 1LL << 40}}}, {"ops", json::object()}}, "x.json");
      },
      "target \"threads\" is out of range");
  // A number beyond double is not a parse error but out_of_range: still "not valid JSON".
  write_file_atomic(tmp_path("big.json"), "{\"target\": 1e999}");
  expect_error([&] { Lut::load(tmp_path("big.json")); }, "is not valid JSON");
}

TEST(AgentRequest, BodiesAreCheckedWithoutMeasuring) {
  AgentOptions opt;
  opt.token = "t";
  const std::string op = "shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1";
  expect_error(
      [&] {
        parse_measure_request(json{{"op", op}, {"threads", 1LL << 40}}, opt);
      },
      "\"threads\" is out of range");
  expect_error([&] { parse_measure_request(json{{"op", op}, {"threads", 2.5}}, opt); }, "whole number");
  expect_error(
      [&] {
        parse_measure_request(json{{"op", op}, {"profile", {{"repetitions", 1e300}}}}, opt);
      },
      "repetitions");
  expect_error([&] { parse_measure_request(json{{"op", op}, {"batch", 2}}, opt); }, "differs from the op key");
  expect_error([&] { parse_measure_request(json{{"op", op}, {"space", "hsconas"}}, opt); }, "either an op");
  expect_error([&] { parse_measure_request(json{{"space", "hsconas"}, {"arch", "k3@1"}}, opt); }, "");
  const MeasureRequest r = parse_measure_request(json{{"op", op}, {"threads", 0}}, opt);
  EXPECT_EQ(r.threads, opt.default_threads);
  EXPECT_EQ(r.op->key(), op);
  EXPECT_EQ(r.space, nullptr);
}

std::vector<CLI::ConfigItem> config(const std::string& text) {
  std::istringstream in(text);
  return parse_config_yaml(in);
}

TEST(ConfigFile, NestingEmptyNamesAndSelfReferencesAreRefused) {
  const auto items = config("threads: 2\nrun:\n  latency: 7ms\n  retrain-seeds: [1, 2]\n  reuse: []\n");
  ASSERT_EQ(items.size(), 3u);  // an empty list is an option left unset
  EXPECT_EQ(items[2].parents, std::vector<std::string>{"run"});
  EXPECT_EQ(items[2].name, "retrain-seeds");
  EXPECT_EQ(items[2].inputs, (std::vector<std::string>{"1", "2"}));
  expect_error([] { config("a: {b: {c: {d: {e: {f: {g: {h: {i: 1}}}}}}}}"); }, "nested deeper than 8 levels");
  expect_error([] { config("\"\": 1"); }, "an empty option name");
  expect_error([] { config("? [a, b]\n: 1"); }, "keys must be option names");
  expect_error([] { config("run:\n  seeds: [[1, 2]]"); }, "'seeds' must be a value or a list of values");
  expect_error([] { config("- a\n- b"); }, "top level must be a mapping");
  EXPECT_THROW(config("a: [1, 2"), YAML::Exception);  // reported by the CLI as "config: ..."
}

}  // namespace
}  // namespace hwnas
