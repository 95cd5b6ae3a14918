#include "core/spaces/nb201.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/search_space.h"

namespace hwnas {
namespace {

TEST(Nb201Space, ShapeAndSize) {
  auto s = make_space("nb201");
  EXPECT_EQ(s->family, "nb201");
  ASSERT_EQ(s->num_layers(), 6);
  ASSERT_EQ(s->ops.size(), 5u);
  EXPECT_EQ(s->width_factors, std::vector<double>{1.0});
  EXPECT_NEAR(std::pow(10.0, s->size().distinct_log10), 15625.0, 1e-6);
  EXPECT_NEAR(std::pow(10.0, s->size().nominal_log10), 15625.0, 1e-6);
  for (const LayerSpec& l : s->layers) {
    EXPECT_EQ(l.cin, 16);
    EXPECT_EQ(l.cout, 16);
    EXPECT_EQ(l.stride, 1);
    EXPECT_EQ(l.in_h, 32);
    EXPECT_EQ(l.ops.size(), 5u);
  }
  EXPECT_EQ(s->backbone.in_channels, 3);
  EXPECT_EQ(s->backbone.num_classes, 10);
  auto* nb = dynamic_cast<const Nb201Space*>(s.get());
  ASSERT_NE(nb, nullptr);
  EXPECT_EQ(nb->cells_per_stage, 5);
}

TEST(Nb201Space, FashionMnistVariant) {
  auto s = make_space("nb201:in_channels=1,in_size=28,C=8,N=2");
  EXPECT_EQ(s->backbone.in_channels, 1);
  EXPECT_EQ(s->backbone.in_size, 28);
  EXPECT_EQ(s->layers[0].in_h, 28);
  EXPECT_EQ(s->layers[5].cin, 8);
  EXPECT_EQ(dynamic_cast<const Nb201Space&>(*s).cells_per_stage, 2);
  EXPECT_THROW(make_space("nb201:C=0"), Error);
  EXPECT_THROW(make_space("nb201:depth=3"), Error);
}

TEST(Nb201Space, OfficialIndexRoundTripsForAllArchs) {
  auto s = make_space("nb201");
  std::set<std::string> texts;
  for (int i = 0; i < kNb201NumArchs; ++i) {
    const Arch a = nb201_arch(i);
    ASSERT_EQ(nb201_index(a), i);
    const std::string text = s->format(a);
    ASSERT_EQ(s->parse(text), a) << text;
    texts.insert(text);
  }
  EXPECT_EQ(texts.size(), static_cast<size_t>(kNb201NumArchs));
  EXPECT_THROW(nb201_arch(kNb201NumArchs), Error);
  EXPECT_THROW(nb201_arch(-1), Error);
}

TEST(Nb201Space, SpotChecksAgainstAccuracyCsv) {
  // Rows of data/nb201/accuracy.csv (index, arch_str).
  const std::pair<int, const char*> rows[] = {
      {0, "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"},
      {1, "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"},
      {4999, "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"},
      {9930, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"},
      {15624, "|nor_conv_1x1~0|+|none~0|nor_conv_1x1~1|+|none~0|nor_conv_1x1~1|nor_conv_1x1~2|"},
  };
  auto s = make_space("nb201");
  for (const auto& [index, text] : rows) {
    EXPECT_EQ(s->format(nb201_arch(index)), text) << index;
    EXPECT_EQ(nb201_index(s->parse(text)), index) << text;
  }
}

TEST(Nb201Space, ParseErrorsNameEdgeAndReason) {
  auto s = make_space("nb201");
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    try {
      s->parse(text);
      FAIL() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "expected 3 nodes");
  expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
               "node 2 has 1 inputs, expected 2");
  expect_error("|nor_conv_3x3~0|+|conv_5x5~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
               "edge 2 (2<-0): unknown op 'conv_5x5'");
  expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
               "edge 3 (2<-1)");
  expect_error("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3|skip_connect~2|",
               "edge 5 (3<-1): 'nor_conv_3x3' is not op~input");
  expect_error("nor_conv_3x3~0+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
               "must start and end with '|'");
}

TEST(Nb201Space, SamplingMutationAndCloneKeepTheOfficialForm) {
  auto s = make_space("nb201");
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    const Arch a = s->mutate(s->sample(rng), 0.5, rng);
    EXPECT_NO_THROW(s->validate(a));
    EXPECT_EQ(s->parse(s->format(a)), a);
  }
  auto r = s->restricted(0, {3});  // edge 1 only nor_conv_3x3
  EXPECT_EQ(r->format(nb201_arch(9930)), s->format(nb201_arch(9930)));
  EXPECT_THROW(r->parse(s->format(nb201_arch(0))), Error);
}

}  // namespace
}  // namespace hwnas
