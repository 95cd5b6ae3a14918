// A workspace on a tiny synthetic data set for the run-stage tests: random
// 28x28 grey images, labels cycling through 10 classes, the same set as
// search-train and search-valid.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "core/search_space.h"
#include "run/context.h"

namespace hwnas {

inline std::unique_ptr<Workspace> tiny_workspace(const std::string& space, int64_t images) {
  torch::manual_seed(0);
  auto ws = std::make_unique<Workspace>();
  ws->space = make_space(space);
  ImageSet set;
  set.name = "synthetic";
  set.images = torch::randint(0, 256, {images, 1, 28, 28}, torch::kUInt8);
  set.labels = torch::arange(images, torch::kInt64) % 10;
  ws->split.search_train = set;
  ws->split.search_valid = set;
  ws->norm = compute_normalization(set);
  return ws;
}

}  // namespace hwnas
