// Op kinds as data: every family of operators (a ShuffleNetV2 unit, an
// inverted residual, the stem, ...) is one row of traits, read wherever an
// op's structure matters, instead of comparing kind names. A new family
// is a new row here, a FLOPs count (core/flops.cpp) and a block builder
// (nn/blocks.cpp); both switch over OpKind, so the compiler names any
// place a new kind is missing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hwnas {

enum class OpKind : uint8_t {
  kShuffle,   ///< ShuffleNetV2 unit with a kxk depthwise conv (HSCoNAS Choice_k)
  kShuffleX,  ///< ShuffleNetV2 Xception unit (ChoiceX)
  kMb,        ///< MobileNetV2 inverted residual (MB, kernel k, expansion e)
  kMbGraft,   ///< Domino's grafted MB: linear inside, ReLU6 after; folds into one k x k conv (nn/reparam.h)
  kSep,       ///< depthwise-separable conv (HURRICANE SEP)
  kSkip,      ///< identity with the ShuffleNetV2 channel shuffle (chain spaces of shuffle units)
  kMbSkip,    ///< skip of the MobileNetV2 layer-wise space: identity, or 1x1 conv + BN + ReLU6 where shapes change
  kNone,      ///< NAS-Bench-201 "none": the zero edge
  kNorConv,   ///< NAS-Bench-201 ReLU-conv-BN
  kAvgPool,   ///< NAS-Bench-201 3x3 average pooling
  kStem,      ///< the network's first conv
  kStemPool,  ///< the stem with a 3x3/s2 max-pool after it
  kHead,      ///< 1x1 conv (optional), global pooling, classifier
};

struct OpKindTraits {
  OpKind kind;
  const char* name;  ///< in OpSpec keys and latency tables
  /// Ops of one layer whose kinds name the same group share one block's
  /// weights in a supernet; nullptr: the op's weights are its own.
  const char* weight_group;
  bool candidate;       ///< a searchable op (not the stem or the head)
  bool parameter_free;  ///< no width to scale, and no weights beyond a fixed reshaping projection
  /// The widest internal channels of an op of this kind in a layer mapping
  /// cin to cout with expansion `expand` (width factor 1); 0: none.
  int (*max_mid)(int cin, int cout, int expand);
};

const OpKindTraits& traits(OpKind kind);
/// The kind's name in OpSpec keys ("shuffle", "mb", ...).
const char* to_string(OpKind kind);
/// Inverse of to_string; throws hwnas::Error naming the known kinds.
OpKind parse_op_kind(const std::string& name);
/// A skip op (kSkip, kMbSkip): no computation a search should count as a layer.
bool is_skip(OpKind kind);
/// Every kind, in declaration order.
const std::vector<OpKindTraits>& op_kinds();

}  // namespace hwnas
