// Whole networks timed in a process that has never trained. A process that
// has trained for minutes times the same network slower than a fresh one
// (docs/benchmarks/pipeline.md, "Latency: measure in a fresh process"),
// so the latency check, widening and the measure stage time networks in
// one `hwnas agent` child on loopback, started at the first measurement and
// stopped with the target: every timing of a run comes from the same
// process by the same procedure. Archs travel to it as data (HTTP + JSON),
// never through a shell.
#pragma once

#include <memory>
#include <string>

#include "latency/target.h"

namespace hwnas {

/// The target of `spec` for timing whole networks: for a local target
/// (LibTorch or OpenCV DNN), the same target served by an agent child of the hwnas binary
/// (its info() equals the local target's, so stored timings stay valid);
/// any other target as make_target() builds it. Without an hwnas binary to
/// start (a test binary), the local target itself.
std::unique_ptr<Target> make_fresh_process_target(const std::string& spec, const std::string& token = "");

}  // namespace hwnas
