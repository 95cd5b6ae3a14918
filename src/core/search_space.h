// SearchSpace: the backbone (stem, L searchable layers, head), the candidate
// ops and width factors per layer; samples, mutates, crosses over, counts and
// validates Archs, and owns their text form. Torch-free: the networks built
// from it live in src/nn.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/arch.h"
#include "core/factory.h"
#include "core/op_spec.h"
#include "core/rng.h"

namespace hwnas {

/// One candidate operator of a space's vocabulary.
struct OpDef {
  std::string name;       ///< text form in arch strings: "k3", "x", "skip", ...
  OpKind kind = OpKind::kSkip;  ///< family: structure, cost, builder, weight sharing (core/op_kind.h)
  int kernel = 0;         ///< spatial kernel (0 where none)
  int expand = 0;         ///< expansion ratio (MB ops)
  bool se = false;        ///< with squeeze-and-excitation
  bool scalable = true;   ///< width factors apply (false for skip / parameter-free ops)
  bool reshapes = true;   ///< can change channels / stride (false for skip)
  /// Ends with the ShuffleNetV2 channel shuffle although the op is not a
  /// shuffle unit (MB / SEP beside Choice ops): see nn/blocks.h.
  bool shuffle_out = false;
};

/// One searchable layer: its fixed context and its candidates.
struct LayerSpec {
  int cin = 0, cout = 0, stride = 1;
  int in_h = 0, in_w = 0;   ///< input resolution
  int stage = 0;            ///< 0-based stage index
  std::vector<int> ops;     ///< allowed indices into SearchSpace::ops
  std::vector<int> widths;  ///< allowed indices into SearchSpace::width_factors
  int out_h() const { return (in_h + stride - 1) / stride; }
  int out_w() const { return (in_w + stride - 1) / stride; }
};

/// The fixed parts around the searchable layers.
struct Backbone {
  int in_channels = 1;     ///< image channels
  int in_size = 28;        ///< square input resolution
  int stem_channels = 16;
  int stem_stride = 1;
  bool stem_pool = false;  ///< 3x3 max-pool stride 2 after the stem conv (ShuffleNetV2)
  int head_channels = 0;   ///< 1x1 conv before global pooling; 0 = none
  int num_classes = 10;
  int stem_out_size() const;
};

/// Space size in log10, two ways.
struct SpaceSize {
  double nominal_log10 = 0;   ///< as papers count it: prod over layers of (#ops x #widths)
  double distinct_log10 = 0;  ///< distinct valid networks: invalid ops dropped, width-free ops counted once
};

class SearchSpace {
 public:
  std::string name;         ///< "hsconas", "hurricane", "nb201", ...
  std::string description;  ///< the factory string that built it (describe())
  std::string family;       ///< network builder family: "chain" (layer after layer) or "nb201"
  Backbone backbone;
  std::vector<OpDef> ops;
  std::vector<double> width_factors;
  std::vector<LayerSpec> layers;

  virtual ~SearchSpace() = default;

  int num_layers() const { return static_cast<int>(layers.size()); }
  int op_index(const std::string& op_name) const;  ///< -1 when unknown

  /// Canonical text form, the cache key and CLI argument; parse(format(a)) == a.
  virtual std::string format(const Arch& arch) const;
  /// Parses and validates; throws hwnas::Error naming the layer and reason.
  virtual Arch parse(const std::string& text) const;
  /// Throws hwnas::Error naming the first bad layer.
  void validate(const Arch& arch) const;
  /// Width of width-free ops set to the largest allowed, so equal networks compare equal.
  Arch canonical(Arch arch) const;

  /// Uniform op per layer among the allowed, then uniform width.
  Arch sample(Rng& rng) const;
  Gene sample_gene(int layer, Rng& rng) const;
  /// An arch of a chosen shape, to spread samples where uniform ones never
  /// go (uniform archs all have ~16-19 layers at mean width ~0.55): each
  /// layer is skip with probability `skip_share` (where allowed), else
  /// `favoured_op` with probability 0.6 (when >= 0 and allowed there), else
  /// a uniform non-skip op; its width is the allowed one nearest
  /// `width_centre` + U(-0.15, 0.15). Not canonical.
  Arch sample_shaped(Rng& rng, double skip_share, double width_centre, int favoured_op = -1) const;
  /// The index among `allowed` width-factor indices nearest to factor `w`.
  int nearest_width(const std::vector<int>& allowed, double w) const;
  /// Each layer resampled with probability `prob` (ops and widths).
  Arch mutate(const Arch& a, double prob, Rng& rng) const;
  /// Each layer taken from `b` with probability `prob`, else from `a`.
  Arch crossover(const Arch& a, const Arch& b, double prob, Rng& rng) const;

  SpaceSize size() const;
  /// A copy whose layer `layer` allows only `ops` (for space shrinking).
  std::unique_ptr<SearchSpace> restricted(int layer, const std::vector<int>& ops) const;
  virtual std::unique_ptr<SearchSpace> clone() const;

  /// Internal channels of a gene at a layer after width scaling (>= 1).
  int mid_channels(int layer, const Gene& gene) const;
  /// The largest arch: per layer the first allowed non-skip op at max width.
  Arch largest(int op_preference = -1) const;
  /// Operator context for latency tables.
  OpSpec op_spec(int layer, const Gene& gene, int batch) const;
};

/// Builds a space from "name" or "name:key=value,key=value"; throws on unknown.
std::unique_ptr<SearchSpace> make_space(const std::string& spec);
/// Names of the built-in spaces with a one-line description each.
std::vector<std::pair<std::string, std::string>> list_spaces();

}  // namespace hwnas
