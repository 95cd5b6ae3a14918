// Feature encodings of an Arch for the learned latency predictors.
//
// HURRICANE App. D encodes an arch as a binary vector with one entry per
// (layer, candidate op): 20 layers x 4 ops + 4 extra = 84 dims; LightNAS
// flattens the per-layer one-hot op matrix (21 x 7 = 147 dims). Our spaces
// also choose a width per layer, so the default encoding adds, per layer and
// scalable op, the op indicator times the layer's realised channel fraction
// (mid channels / mid channels at the largest width):
//
//   op+width (default)  [op == o] and [op == o] * width   per layer, allowed op o
//   op                  [op == o]                          (HURRICANE / LightNAS)
//   opxwidth            [op == o and width == w]           per allowed (o, w)
//
// Why op+width: a layer's cost is, to first order, affine in its internal
// channels with an op-specific slope (1x1 convs and depthwise convs scale
// linearly in mid channels), so latency ~ sum_l (a_{l,o} + b_{l,o} * width),
// which a linear model represents exactly with 2 features per (layer, op).
// "op" cannot see widths at all; "opxwidth" can represent any per-layer
// cost but needs |widths| times more weights (10x on hsconas) and so more
// measured samples. Only allowed ops are encoded (skip is absent where it
// cannot be used), and width-free ops (skip) get no width entry.
#pragma once

#include <string>
#include <vector>

#include "core/arch.h"
#include "core/predictors/matrix.h"
#include "core/search_space.h"

namespace hwnas {

enum class OneHotMode {
  kOp,        ///< "op": one-hot op per layer
  kOpWidth,   ///< "op+width": one-hot op plus op-gated channel fraction
  kOpXWidth,  ///< "opxwidth": one-hot over (op, width) pairs
};

/// "op", "op+width" or "opxwidth"; throws hwnas::Error naming the text otherwise.
OneHotMode parse_one_hot_mode(const std::string& text);
std::string to_string(OneHotMode mode);

/// Length of the encoding of any arch of `space` (depends only on the space).
int one_hot_size(const SearchSpace& space, OneHotMode mode = OneHotMode::kOpWidth);
/// One readable name per feature, e.g. "L3:k5", "L3:k5*width", "L3:k5@0.4".
std::vector<std::string> one_hot_names(const SearchSpace& space,
                                       OneHotMode mode = OneHotMode::kOpWidth);
/// The encoding of `arch`; validates it first (throws hwnas::Error on a bad
/// arch). Deterministic; archs equal up to the width of width-free ops encode
/// equally.
std::vector<double> one_hot(const SearchSpace& space, const Arch& arch,
                            OneHotMode mode = OneHotMode::kOpWidth);
/// one_hot() of each arch, as rows of a matrix.
Matrix one_hot_rows(const SearchSpace& space, const std::vector<Arch>& archs,
                    OneHotMode mode = OneHotMode::kOpWidth);

}  // namespace hwnas
