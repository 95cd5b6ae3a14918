// HURRICANE operator-level search space reduction (HURRICANE section 3.4,
// Algorithm 1 lines 1-5): every candidate op of every layer is scored on the
// target in that layer's context with Eq. 4,
//     score = (FLOPs x #Params^beta)^alpha x Latency^-1,
// the ops are sorted by score, the top 4 are kept per layer and the last 4
// layers get one more "exploring" op, the one at sorted index e >= 4. The
// result is a shrunk SearchSpace specialised to the target (the paper's
// Table 1). Torch-free: latencies come in through a callback, typically a
// latency table's op_ms (latency/lut.h), so any target works (this CPU, a
// remote agent, an imported table).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/op_spec.h"
#include "core/search_space.h"

namespace hwnas {

/// Latency in ms of one op in one context on the target (e.g. Lut::op_ms).
using OpLatencyFn = std::function<double(const OpSpec&)>;

/// Settings of the reduction. Defaults are the paper's: alpha = 0 (Table 1
/// is scored on latency alone), top 4, an exploring op at e = 10 in the last
/// 4 layers (section 4.1).
struct OpScoringOptions {
  double alpha = 0;        ///< Eq. 4 exponent of the capacity term (>= 0; 0 = latency only)
  double beta = 1;         ///< Eq. 4 exponent of #Params inside the capacity term (>= 0)
  int top = 4;             ///< ops kept per layer (Algorithm 1 line 3: O'[0..3])
  int explore_layers = 4;  ///< the last this many layers get an exploring op (line 4: l > n - 4)
  int explore_index = 10;  ///< e: 0-based rank of the exploring op (line 5: e >= 4; the paper uses 10)
  int batch = 1;           ///< batch of the op contexts (must match the latency table's)
  /// Throws hwnas::Error naming the bad field.
  void validate() const;
};

/// Eq. 4: (flops * params^beta)^alpha / latency_ms. With alpha = 0 this is
/// 1 / latency; FLOPs are multiply-accumulates (the paper's footnote 1).
double operator_score(double flops, double params, double latency_ms, double alpha, double beta);

/// One op scored in one layer's context.
struct OpScore {
  int op = 0;              ///< index into SearchSpace::ops
  double latency_ms = 0;   ///< from the target
  int64_t macs = 0;        ///< core/flops op_cost
  int64_t params = 0;
  double score = 0;        ///< Eq. 4
};

/// The ranking of one layer and what the reduction keeps of it.
struct LayerScores {
  int layer = 0;                ///< 0-based
  std::vector<OpScore> ranked;  ///< every allowed op, best score first (ties: lower op index first)
  std::vector<int> kept;        ///< op indices kept, in rank order (top ones, then the exploring op)
  int explore = -1;             ///< the exploring op's index into SearchSpace::ops, -1 when none
};

/// The scored space.
struct OpScoring {
  OpScoringOptions options;
  std::vector<LayerScores> layers;  ///< one per layer of the space
  /// The top-scored op of each layer: Algorithm 1 line 6's initial a_win.
  Arch initial_arch(const SearchSpace& space) const;
  /// A copy of `space` whose layers allow only their kept ops (A* of Algorithm 1).
  std::unique_ptr<SearchSpace> reduced_space(const SearchSpace& space) const;
  /// JSON form: options and, per layer, every op's latency, MACs, params,
  /// score and rank, and the kept ops by name.
  nlohmann::json to_json(const SearchSpace& space) const;
};

/// Scores every allowed op of every layer of `space` (Algorithm 1 lines 1-5).
/// Ops whose width factor matters are scored at full width. Throws
/// hwnas::Error when a latency is not positive or a layer has fewer ops than
/// `top` + 1 needs.
OpScoring score_operators(const SearchSpace& space, const OpLatencyFn& latency_ms,
                          const OpScoringOptions& options = {});

/// The paper's Table 1 for one target: one row per run of consecutive layers
/// that keep the same ops (a whole stage when its layers agree), with the
/// output shape, the layer range and the kept ops ("+name" marks the
/// exploring op). Markdown.
std::string format_op_table(const SearchSpace& space, const OpScoring& scoring,
                            const std::string& target_name);

/// Why two targets keep different ops: per row of layers (as in
/// format_op_table of `a`), the ops kept on one target only, each with its
/// latency and rank on both targets. Markdown.
std::string format_op_comparison(const SearchSpace& space, const OpScoring& a,
                                 const std::string& a_name, const OpScoring& b,
                                 const std::string& b_name);

}  // namespace hwnas
