// Arch: one candidate network, as per-layer {op, width} indices into its
// SearchSpace. The text form lives on the space (SearchSpace::format/parse)
// because op names and the notation depend on the space.
#pragma once

#include <tuple>
#include <vector>

namespace hwnas {

/// The choice made at one searchable layer.
struct Gene {
  int op = 0;     ///< index into SearchSpace::ops
  int width = 0;  ///< index into SearchSpace::width_factors
  bool operator==(const Gene& o) const { return op == o.op && width == o.width; }
  bool operator!=(const Gene& o) const { return !(*this == o); }
  bool operator<(const Gene& o) const { return std::tie(op, width) < std::tie(o.op, o.width); }
};

/// One candidate: a gene per searchable layer.
struct Arch {
  std::vector<Gene> genes;
  bool operator==(const Arch& o) const { return genes == o.genes; }
  bool operator!=(const Arch& o) const { return genes != o.genes; }
  bool operator<(const Arch& o) const { return genes < o.genes; }
};

}  // namespace hwnas
