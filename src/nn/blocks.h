// Candidate blocks of chain spaces. Each block is built at its maximum
// internal width and runs at any narrower `mid` by slicing; a stand-alone
// network builds the same block with max_mid = mid, so a supernet path and
// the stand-alone network compute the same function once weights are copied.
//
// Weight sharing across ops: a supernet layer holds one block per weight
// group (weight_group()), not one per op. The ShuffleNetV2 kernels k3/k5/k7
// and ChoiceX of a layer share their pointwise convolutions, and k3/k5 use
// the centre of k7's depthwise kernels (Single-Path NAS's superkernel, OFA's
// elastic kernel); HURRICANE's MB_k_e share one block per layer (kernels as
// above, expansions by channel prefix, as OFA), so do its SEP_k, and an op's
// SE variant adds one SE unit to its base op's block.
//
// Across families (HURRICANE's Choice, MB and SEP) nothing is shared, and a
// uniform single-path supernet of all 32 ops learns far slower than one of a
// single family (docs/benchmarks/supernet.md). MB and SEP there end with the
// channel shuffle the Choice units end with (OpDef::shuffle_out), so an MB
// layer's shortcut leaves channel i where a Choice unit's kept half puts it. With one independent block per op, uniform single-path
// training on Fashion-MNIST stayed at chance for 600 steps
// (docs/benchmarks/supernet.md).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/search_space.h"
#include "export/onnx_graph.h"

namespace hwnas {

class BlockImpl : public torch::nn::Module {
 public:
  /// Runs candidate `op`, one of the ops the block was built for:
  /// x: [N, cin, H, W] -> [N, cout, H/stride, W/stride], using `mid` internal channels.
  virtual torch::Tensor run(const torch::Tensor& x, const OpDef& op, int mid) = 0;
  /// Runs the block's first op (the only one of a single-op block).
  torch::Tensor forward(const torch::Tensor& x, int mid) { return run(x, ops_.front(), mid); }
  /// Writes what run(x, op, mid) computes in eval mode into `g` (nn/onnx_export.h).
  virtual OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, const OpDef& op, int mid) const = 0;
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x, int mid) const { return write_onnx(g, x, ops_.front(), mid); }

 protected:
  std::vector<OpDef> ops_;  ///< the ops this block was built for
};

/// The weight group of an op: ops of one group at one layer share a block.
/// Its kind's (core/op_kind.h: "shuffle" for k3/k5/k7/ChoiceX, "mb", "sep",
/// each with and without SE), else the op's name.
std::string weight_group(const OpDef& op);

/// Builds one block holding `ops` (all of one weight group) in the context
/// `layer` with `max_mid` internal channels; throws hwnas::Error for an op
/// kind no builder knows or ops of different groups.
std::shared_ptr<BlockImpl> make_block(const std::vector<OpDef>& ops, const LayerSpec& layer, int max_mid);
/// The block of a single op.
std::shared_ptr<BlockImpl> make_block(const OpDef& op, const LayerSpec& layer, int max_mid);

}  // namespace hwnas
