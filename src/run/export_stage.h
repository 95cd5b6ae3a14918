// Shipping what was found: a trained stand-alone network written as ONNX
// (nn/onnx_export.h), loaded by a second runtime (OpenCV DNN) and checked
// against LibTorch on test images, and every final of a run timed on the
// runtime its target did not use, so the report shows both engines.
#pragma once

#include <string>
#include <vector>

#include "latency/target.h"
#include "run/context.h"
#include "run/finals.h"
#include "run/stage.h"

namespace hwnas {

class NetworkImpl;

/// `net` (trained, stand-alone) exported to `path` with the input's
/// normalisation, the arch and `extra` in the metadata, then run by OpenCV
/// DNN on the first `images` test images (batch 1) beside LibTorch.
ExportCheck export_and_check(NetworkImpl& net, const SearchSpace& space, const Arch& arch, const Workspace& ws,
                             const std::string& path, int images,
                             const std::vector<std::pair<std::string, std::string>>& extra = {});

/// The target of the other runtime on this machine with `t`'s threads,
/// batch and clock: OpenCV DNN for a LibTorch target, folded LibTorch for an
/// OpenCV one; empty for remote and imported targets (nothing to run here).
std::string other_runtime_target(const TargetInfo& t);

/// The export stage: each final's first-seed weights (<name>.pt) exported
/// as <name>.onnx and checked (export_and_check), and the finals timed on
/// other_runtime_target(target) in a fresh process. Fills each net's
/// `exported`; a resumed run reuses exported.json.
void export_stage(StageRunner& stages, const Workspace& ws, const PipelineOptions& o, const TargetInfo& target,
                  std::vector<FinalNet>* nets);

}  // namespace hwnas
