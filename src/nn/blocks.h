// Candidate blocks of chain spaces. Each block is built at its maximum
// internal width and runs at any narrower `mid` by slicing; a stand-alone
// network builds the same block with max_mid = mid, so a supernet path and
// the stand-alone network compute the same function once weights are copied.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/search_space.h"

namespace hwnas {

class BlockImpl : public torch::nn::Module {
 public:
  /// x: [N, cin, H, W] -> [N, cout, H/stride, W/stride], using `mid` internal channels.
  virtual torch::Tensor forward(const torch::Tensor& x, int mid) = 0;
};

/// Builds the block for `op` in the context `layer` with `max_mid` internal
/// channels; throws hwnas::Error for an op kind no builder knows.
std::shared_ptr<BlockImpl> make_block(const OpDef& op, const LayerSpec& layer, int max_mid);

}  // namespace hwnas
