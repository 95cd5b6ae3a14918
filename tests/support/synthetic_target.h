// A synthetic latency target for profiling and measurement tests: ops take
// a time affine in their MACs, and a network takes its ops' sum + 0.05 ms,
// every timing exact. Tests derive from it to disturb the timings.
#pragma once

#include <string>

#include "core/flops.h"
#include "latency/lut.h"
#include "latency/target.h"

namespace hwnas {

/// A timing of exactly `ms` (one repetition).
inline Timing exact_timing(double ms) {
  Timing t;
  t.median_ms = t.mean_ms = t.min_ms = t.max_ms = ms;
  t.iterations = t.repetitions = 1;
  return t;
}

class SyntheticTarget : public Target {
 public:
  explicit SyntheticTarget(const SearchSpace& space) {
    info_.kind = "synthetic";
    info_.batch = 1;
    truth_ = Lut::empty(space, info_, ProfileOptions());
    for (const OpSpec& s : space_op_specs(space, 1)) truth_.ops[s.key()] = exact_timing(true_op_ms(s));
  }
  static double true_op_ms(const OpSpec& s) { return 0.01 + 2e-6 * op_cost(s).macs; }
  double true_arch_ms(const SearchSpace& space, const Arch& a) const { return truth_.sum_ms(space, a) + 0.05; }

  const TargetInfo& info() const override { return info_; }
  std::string describe() const override { return "synthetic"; }
  Timing measure_op(const OpSpec& spec, const ProfileOptions&) override { return exact_timing(true_op_ms(spec)); }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions&) override {
    return exact_timing(true_arch_ms(space, arch));
  }

 private:
  TargetInfo info_;
  Lut truth_;
};

}  // namespace hwnas
