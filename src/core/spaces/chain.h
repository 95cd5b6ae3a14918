// Helpers for "chain" spaces: stem, stages of searchable layers, head
// (hsconas, hurricane). Shared so every chain space lays out layers alike.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/factory.h"
#include "core/search_space.h"

namespace hwnas {

/// Stage layout of a chain backbone.
struct ChainLayout {
  std::vector<int> channels;  ///< output channels per stage
  std::vector<int> depths;    ///< searchable layers per stage
  std::vector<int> strides;   ///< stride of each stage's first layer
};

/// Fills space->layers from the layout: resolutions follow the strides, every
/// op is allowed except non-reshaping ones (skip) where shape changes.
void build_chain_layers(SearchSpace* space, const ChainLayout& layout);

/// Applies the options every chain space shares (channels, depths, strides,
/// in_channels, in_size, stem, stem_stride, head, classes) over a layout's
/// defaults and checks them; `owner` names the space in errors.
void read_chain_options(const std::string& owner, FactoryOptions& o, Backbone* bb, ChainLayout* chain);

/// MobileNetV2's inverted residual with kernel k and expansion e, its
/// expansion scaled by the width factors: one definition for the baseline
/// space and the spaces that search over it.
OpDef mb_op(int k, int e);

/// The MobileNetV2-style baseline space of a chain space: the same backbone
/// and layers, every layer an inverted residual (MB, kernel 3, expansion 6)
/// whose expansion is scaled by the space's width factors, and by `widths`
/// too where the space lacks them (a space searched at one width still has
/// width-scaled MobileNetV2 baselines).
/// Domino's grafted MB_k_e (OpKind::kMbGraft): the same block with linear
/// inner activations and a ReLU6 after it, "g<k>e<e>".
OpDef graft_op(int k, int e);

/// The layer-wise MobileNetV2 layouts (mbv2.cpp): `layout=small` (28x28,
/// the default) or `paper` (224x224), then the options every chain space
/// shares; `owner` names the space in errors.
void read_mbv2_layout(const std::string& owner, FactoryOptions& o, Backbone* bb, ChainLayout* chain);
/// `widths=a/b/...`: factors of the inner channels, each in (0, 4]; default 1.
std::vector<double> read_width_factors(const std::string& owner, FactoryOptions& o);

std::unique_ptr<SearchSpace> mobilenetv2_space(const SearchSpace& like, const std::vector<double>& widths = {});
/// The description of mobilenetv2_space(like, widths) is this, then
/// "widths=a/b " when widths were added, then like's: make_space builds it
/// again from that text (an agent times the baseline from it).
inline constexpr const char* kMobilenetv2Of = "mobilenetv2-of ";

}  // namespace hwnas
