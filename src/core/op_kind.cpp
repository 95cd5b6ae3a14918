#include "core/op_kind.h"

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {
namespace {

int no_mid(int, int, int) { return 0; }
int half_out(int, int cout, int) { return cout / 2; }  // one branch of a ShuffleNetV2 unit
int expanded_in(int cin, int, int expand) { return cin * expand; }
int in_channels(int cin, int, int) { return cin; }

}  // namespace

const std::vector<OpKindTraits>& op_kinds() {
  //                                          name        group      candidate free   max_mid
  static const std::vector<OpKindTraits> kinds = {
      {OpKind::kShuffle, "shuffle", "shuffle", true, false, half_out},
      {OpKind::kShuffleX, "shufflex", "shuffle", true, false, half_out},
      {OpKind::kMb, "mb", "mb", true, false, expanded_in},
      {OpKind::kMbGraft, "mbgraft", "mb", true, false, expanded_in},
      {OpKind::kSep, "sep", "sep", true, false, in_channels},
      {OpKind::kSkip, "skip", nullptr, true, true, no_mid},
      {OpKind::kMbSkip, "mbskip", nullptr, true, true, no_mid},
      {OpKind::kNone, "none", nullptr, true, true, no_mid},
      {OpKind::kNorConv, "nor_conv", nullptr, true, false, no_mid},
      {OpKind::kAvgPool, "avg_pool", nullptr, true, true, no_mid},
      {OpKind::kStem, "stem", nullptr, false, false, no_mid},
      {OpKind::kStemPool, "stempool", nullptr, false, false, no_mid},
      {OpKind::kHead, "head", nullptr, false, false, no_mid},
  };
  return kinds;
}

const OpKindTraits& traits(OpKind kind) {
  const auto& kinds = op_kinds();
  const size_t i = static_cast<size_t>(kind);
  HWNAS_ASSERT(i < kinds.size() && kinds[i].kind == kind);
  return kinds[i];
}

bool is_skip(OpKind kind) { return kind == OpKind::kSkip || kind == OpKind::kMbSkip; }

const char* to_string(OpKind kind) { return traits(kind).name; }

OpKind parse_op_kind(const std::string& name) {
  std::vector<std::string> names;
  for (const OpKindTraits& t : op_kinds()) {
    if (name == t.name) return t.kind;
    names.push_back(t.name);
  }
  HWNAS_CHECK(false, "unknown op kind '", name, "' (", join(names, ", "), ")");
  return OpKind::kSkip;
}

}  // namespace hwnas
