// Profiling a whole space on a target: every (layer context, op, width) plus
// stem and head, then B of HSCoNAS Eq. 4 from M archs measured end to end.
// Shared by `hwnas profile` and the `hwnas run` pipeline.
#pragma once

#include <string>

#include "core/search_space.h"
#include "latency/lut.h"
#include "latency/measurer.h"
#include "latency/target.h"

namespace hwnas {

struct SpaceProfileOptions {
  ProfileOptions timing;
  int bias_archs = 20;  ///< M end-to-end archs for B; 0 = no bias
  uint64_t seed = 0;    ///< which M archs (validation reuses the same)
  bool fresh = false;   ///< ignore an existing table at `out`
  bool recheck = true;  ///< time every op a second time (repetitions / 5) and keep the less disturbed
  bool quiet = false;   ///< no progress on stderr
  /// Time the bias archs beside this speed reference (another table's, so
  /// that both tables read at one speed); empty: the first bias arch.
  SpeedReference reference;
};

/// What profile_space did.
struct SpaceProfileStats {
  size_t ops_measured = 0, ops_reused = 0;
  int archs_measured = 0;
  double op_seconds = 0, arch_seconds = 0;
};

/// Measures what the table at `out` lacks for `space` on `target` (saving
/// after every measurement, so an interrupted run keeps its work), rechecks
/// every op once, fits B (re-timing bias archs whose gap is an outlier),
/// and returns the table. A table from another target or space is refused
/// unless `fresh`.
Lut profile_space(const SearchSpace& space, const std::string& space_spec, Target& target,
                  const std::string& out, const SpaceProfileOptions& opts,
                  SpaceProfileStats* stats = nullptr);

}  // namespace hwnas
