// NAS-Bench-201 cell space (Dong & Yang, ICLR 2020): one cell of 4 nodes and
// 6 edges, each edge one of 5 ops, stacked 3 x N times with residual
// reduction blocks between stages; 5^6 = 15,625 archs. The arch text is the
// benchmark's own string, and nb201_index() maps to its official index so
// tabular results (NAS-Bench-201, HW-NAS-Bench) can be looked up.
#pragma once

#include <memory>
#include <string>

#include "core/search_space.h"

namespace hwnas {

/// Number of archs in NAS-Bench-201 (5 ops on 6 edges).
inline constexpr int kNb201NumArchs = 15625;
/// Number of edges of the cell, in arch-string order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.
inline constexpr int kNb201NumEdges = 6;
/// Input (source) node of each edge.
inline constexpr int kNb201EdgeFrom[kNb201NumEdges] = {0, 0, 1, 0, 1, 2};
/// Output (target) node of each edge.
inline constexpr int kNb201EdgeTo[kNb201NumEdges] = {1, 2, 2, 3, 3, 3};

/// The nb201 space: layers are the 6 edges of the cell (cin = cout = C,
/// stride 1, at the first stage's resolution); the official arch string
/// `|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|...~0|...~1|...~2|` is
/// its text form.
class Nb201Space : public SearchSpace {
 public:
  int cells_per_stage = 5;  ///< N: cells per stage (3 stages, 2 residual reduction blocks between)

  /// The official NAS-Bench-201 arch string.
  std::string format(const Arch& arch) const override;
  /// Parses the official arch string; errors name the edge and the reason.
  Arch parse(const std::string& text) const override;
  std::unique_ptr<SearchSpace> clone() const override;
};

/// Official NAS-Bench-201 index (0..15624) of a 6-edge arch whose op indices
/// follow the nb201 op list (none, skip_connect, nor_conv_1x1, nor_conv_3x3,
/// avg_pool_3x3). Throws hwnas::Error for anything else.
int nb201_index(const Arch& arch);
/// The arch with official index `index`; inverse of nb201_index.
Arch nb201_arch(int index);

}  // namespace hwnas
