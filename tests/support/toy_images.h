// A tiny learnable image set for training tests: 64 grey 1x28x28 images
// whose class (10 of them) is encoded in their mean brightness, fixed by
// torch seed 0.
#pragma once

#include <torch/torch.h>

#include "data/dataset.h"

namespace hwnas {

inline ImageSet brightness_toy_set() {
  torch::manual_seed(0);
  ImageSet s;
  s.name = "toy";
  s.num_classes = 10;
  s.labels = torch::arange(64, torch::kLong) % 10;
  s.images = (torch::rand({64, 1, 28, 28}) * 100 + s.labels.view({64, 1, 1, 1}) * 15).to(torch::kUInt8);
  return s;
}

}  // namespace hwnas
