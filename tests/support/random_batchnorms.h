// Random affine parameters and running statistics in every SlimBatchNorm2d
// of a module, so a fold or an export that dropped a BatchNorm would show.
#pragma once

#include <torch/torch.h>

#include "nn/slim.h"

namespace hwnas {

inline void randomise_batchnorms(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& m : net.modules())
    if (auto* bn = m->as<SlimBatchNorm2dImpl>()) {
      for (auto& p : bn->named_parameters(false)) p.value().uniform_(p.key() == "weight" ? 0.5 : -0.3, p.key() == "weight" ? 1.5 : 0.3);
      for (auto& b : bn->named_buffers(false))
        b.value().uniform_(b.key() == "running_var" ? 0.5 : -0.3, b.key() == "running_var" ? 2.0 : 0.3);
    }
}

}  // namespace hwnas
