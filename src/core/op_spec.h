// OpSpec: one operator in one context; the key of every latency table.
#pragma once

#include <string>

#include "core/op_kind.h"

namespace hwnas {

/// Everything that decides an operator's cost on a device. key() is readable
/// and greppable (like once-for-all's LUT keys), and parse_op_spec(key())
/// round-trips.
struct OpSpec {
  OpKind kind = OpKind::kSkip;  ///< op family (core/op_kind.h)
  int kernel = 0;    ///< spatial kernel size (0 where none)
  int expand = 0;    ///< MB expansion ratio (0 where none)
  bool se = false;   ///< squeeze-and-excitation attached
  int cin = 0;       ///< input channels
  int cout = 0;      ///< output channels
  int mid = 0;       ///< internal (width-scaled) channels
  int stride = 1;
  int h = 0;  ///< input height
  int w = 0;  ///< input width
  int batch = 1;

  /// e.g. "shuffle-k3-e0-se0-cin48-cout48-mid24-s1-h56w56-b1"
  std::string key() const;
  bool operator==(const OpSpec& o) const { return key() == o.key(); }
};

/// Inverse of OpSpec::key(); throws hwnas::Error naming the bad field.
OpSpec parse_op_spec(const std::string& key);

/// Hidden units of a squeeze-and-excitation module over `channels` channels:
/// reduction ratio 4 (HURRICANE section 3.3, after MobileNetV3), at least 1.
/// Shared by the blocks (src/nn) and the FLOPs count (core/flops).
inline int se_hidden_channels(int channels) { return channels / 4 > 0 ? channels / 4 : 1; }

}  // namespace hwnas
