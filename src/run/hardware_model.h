// The profile stage that methods on a trainable chain space start with: the
// operator latency table and the bias B on the target (HSCoNAS Eq. 3, 4),
// the latency range of the space under it, and the budget T.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "latency/lut.h"
#include "latency/models.h"
#include "run/finals.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/stage.h"

namespace hwnas {

struct LastingSlowdown;

struct HardwareModel {
  std::unique_ptr<Lut> lut;
  std::unique_ptr<LutBiasModel> latency;  ///< LUT + the table's B
  double T_ms = 0;                        ///< the budget: --latency, else the median of 1000 random archs
  double lo_ms = 0, hi_ms = 0;            ///< fastest and slowest arch of the space under `latency`
};

/// Runs stage "profile" (profile_space into lut.json, resumable) and
/// derives the budget; a T outside the space's range is refused.
HardwareModel profile_stage(StageRunner& stages, const PipelineOptions& o, const SearchSpace& space, Target& target,
                            const RunDir& run);

/// End-to-end latency of `archs` on `timer` for a latency check: the
/// measure stage's rule (measure_settled), each arch beside the table's
/// speed reference and stated at the table's speed, as T is. Only archs
/// missing from (*stored)["measured"] (by arch text) are timed; they are
/// added to it, their timings as taken to (*stored)["measured_raw"]: the
/// maps latency_check.json keeps for --resume. With `expected`, an arch
/// timed over kRetimeOver above its prediction is timed once more and the
/// lower timing kept (load only ever slows a net), both written to
/// (*stored)["retimed"]. `lasting` carries a lasting slowdown from one
/// call to the next (measure_settled).
std::vector<double> time_for_check(Target& timer, const SearchSpace& space, const Lut& lut, const PipelineOptions& o,
                                   const std::vector<Arch>& archs, nlohmann::json* stored,
                                   const LatencyModel* expected, LastingSlowdown* lasting = nullptr);

/// The finals of a method on a profiled space: its `pick` as `label`, the
/// baselines of make_finals, and o.random_baseline archs drawn within
/// [0.95 T, T] under hw's model.
Finals profiled_finals(const PipelineOptions& o, const SearchSpace& space, const HardwareModel& hw, const Arch& pick,
                       const std::string& label, const std::vector<double>& shufflenet_widths);

/// The retrain stage, the measure stage on a fresh process of o.target
/// beside hw's table's speed reference, then the export stage (ONNX files
/// checked on OpenCV DNN, timed on the other runtime); returns the
/// reference's drift since profiling.
double retrain_measure_export(StageRunner& stages, Workspace& ws, const PipelineOptions& o, const SearchSpace& space,
                           const HardwareModel& hw, std::vector<FinalNet>* nets);

/// The report's fields every method on a profiled space fills alike: the
/// space, target, data, budget and feasible range, the table's model, the
/// measure stage's drift, the retraining seeds, and each layer's LUT entry.
/// `space` and `hw` must outlive the report.
ReportInput hardware_report_input(const PipelineOptions& o, const SearchSpace& space, const TargetInfo& target,
                                  const HardwareModel& hw, double drift);

}  // namespace hwnas
