// Analytic cost of networks: multiply-accumulates and parameters per OpSpec
// and per arch, without building anything. Torch-free, so search code can use
// FLOPs as a cheap hardware-agnostic proxy and the FLOPs baseline latency
// model can be fitted without LibTorch. Conventions follow the NAS papers:
// "FLOPs" are multiply-adds of convolutions and fully connected layers (BN
// folds into the conv at inference, ReLU / pooling / shuffles are free);
// parameters are what count_parameters() of the real module returns (conv
// weights without bias, BN weight + bias, FC weight + bias).
#pragma once

#include <cstdint>
#include <vector>

#include "core/arch.h"
#include "core/op_spec.h"
#include "core/search_space.h"

namespace hwnas {

/// Cost of one op or network. Adds up.
struct Cost {
  int64_t macs = 0;    ///< multiply-accumulates for one forward pass of the whole batch
  int64_t params = 0;  ///< trainable parameters (independent of the batch)
  Cost& operator+=(const Cost& o) {
    macs += o.macs;
    params += o.params;
    return *this;
  }
};

/// The stem as an OpSpec: kind "stem" (or "stempool" with the 3x3/s2 max-pool),
/// kernel 3, cin = image channels, cout = stem channels, stride, h = w = input size.
OpSpec stem_op_spec(const SearchSpace& space, int batch);
/// The head as an OpSpec: kind "head", cin = last layer's channels, mid = head
/// conv channels (0 = none, then kernel 0, else kernel 1), cout = classes,
/// h, w = final resolution. Covers head conv, BN, global pooling and the FC.
OpSpec head_op_spec(const SearchSpace& space, int batch);
/// Every op a network of `arch` runs, in order: stem, one per searchable
/// layer (SearchSpace::op_spec), head. The latency table sum (HSCoNAS Eq. 3)
/// and the FLOPs count both walk this list.
std::vector<OpSpec> network_op_specs(const SearchSpace& space, const Arch& arch, int batch);

/// Cost of one op in its context; throws hwnas::Error for a kind it cannot count.
/// Kinds: stem, stempool, head, shuffle, shufflex, mb, sep (each with or without SE), skip.
Cost op_cost(const OpSpec& spec);
/// Cost of the stand-alone network of `arch` (sum over network_op_specs).
Cost arch_cost(const SearchSpace& space, const Arch& arch, int batch = 1);

}  // namespace hwnas
