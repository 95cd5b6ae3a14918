// Op kinds are data: names round-trip, unknown kinds are refused with the
// known ones named, and the traits agree with the spaces built on them.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/op_kind.h"
#include "core/op_spec.h"
#include "core/search_space.h"

namespace hwnas {
namespace {

TEST(OpKind, NamesRoundTripInOrder) {
  for (size_t i = 0; i < op_kinds().size(); ++i) {
    const OpKindTraits& t = op_kinds()[i];
    EXPECT_EQ(static_cast<size_t>(t.kind), i);
    EXPECT_EQ(parse_op_kind(t.name), t.kind);
    EXPECT_EQ(&traits(t.kind), &t);
  }
}

TEST(OpKind, UnknownKindInAnOpKeyIsRefusedByName) {
  try {
    parse_op_spec("conv-k3-e0-se0-cin8-cout8-mid4-s1-h8w8-b1");
    FAIL() << "an unknown kind was accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown op kind 'conv'"), std::string::npos) << what;
    EXPECT_NE(what.find("shuffle"), std::string::npos) << what;
  }
  const OpSpec s = parse_op_spec("mb-k5-e6-se1-cin8-cout16-mid48-s2-h8w8-b1");
  EXPECT_EQ(s.kind, OpKind::kMb);
  EXPECT_EQ(s.key(), "mb-k5-e6-se1-cin8-cout16-mid48-s2-h8w8-b1");
}

TEST(OpKind, TraitsGiveEachSpaceItsChannelsAndGroups) {
  for (const char* spec : {"hsconas:ops=k3/k5/k7/x/skip/mb3e6", "hurricane", "nb201"}) {
    const auto space = make_space(spec);
    for (int l = 0; l < space->num_layers(); ++l)
      for (int op : space->layers[l].ops) {
        const OpDef& d = space->ops[op];
        const OpKindTraits& t = traits(d.kind);
        EXPECT_TRUE(t.candidate) << spec << " " << d.name;
        Gene g{op, space->layers[l].widths.empty() ? 0 : space->layers[l].widths.back()};
        // The widest op of a layer has the kind's channels; parameter-free ops none.
        if (t.parameter_free) EXPECT_EQ(space->mid_channels(l, g), 0) << spec << " " << d.name;
        else if (d.scalable && space->width_factors.back() == 1.0)
          EXPECT_EQ(space->mid_channels(l, g),
                    t.max_mid(space->layers[l].cin, space->layers[l].cout, d.expand)) << spec << " " << d.name;
      }
  }
  EXPECT_STREQ(traits(OpKind::kShuffleX).weight_group, traits(OpKind::kShuffle).weight_group);
  EXPECT_EQ(traits(OpKind::kSkip).weight_group, nullptr);
}

}  // namespace
}  // namespace hwnas
