// NAS-Bench-201 as a trainable network (Dong & Yang, ICLR 2020, the
// "infer.tiny" TinyNetwork): stem conv3x3 + BN to C channels, three stages
// of N cells at C, 2C, 4C channels with a residual reduction block (ResNet
// basic block, stride 2) between stages, then BN-ReLU, global average pooling
// and a linear classifier. The cell has 4 nodes; node j is the sum over i < j
// of op_{i->j}(node i), the cell's output is node 3. The 6 edges are the
// space's searchable layers (see core/spaces/nb201.h).
//
// The supernet holds every allowed op on every edge of every cell (one set of
// op weights per edge per cell, as NB201's weight-sharing baselines do) and
// runs the chosen op per edge; a stand-alone network holds only the chosen
// ops, under the same module names, so inherit_from() copies them by name.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "nn/network.h"

namespace hwnas {

/// Logits plus the three feature maps that the RMI proxy compares
/// (HW-EvRSNAS Eq. 2; see eval/rmi.h for why these three).
struct Nb201Output {
  torch::Tensor logits;                 ///< [N, classes]
  std::vector<torch::Tensor> features;  ///< last cell of stage 1, of stage 2, BN-ReLU after stage 3
};

class Nb201CellImpl;
class Nb201ReductionImpl;

/// The NB201 network (supernet when built without an arch).
class Nb201NetImpl : public NetworkImpl {
 public:
  /// `single` = nullptr builds the supernet, else the stand-alone network of
  /// *single. Throws hwnas::Error when the space is not an nb201 space or
  /// holds an op kind this network cannot build.
  Nb201NetImpl(const SearchSpace& space, const Arch* single);
  using NetworkImpl::forward;
  /// x: [N, in_channels, H, W] -> [N, classes] logits along `arch`.
  torch::Tensor forward(const torch::Tensor& x, const Arch& arch) override;
  /// The logits and the stage feature maps along `arch`.
  Nb201Output forward_features(const torch::Tensor& x, const Arch& arch);
  OnnxValue write_onnx(OnnxGraph& g, const OnnxValue& x) const override;
  /// Number of feature maps forward_features returns (the number of stages).
  static constexpr int kNumFeatureMaps = 3;

 private:
  std::shared_ptr<const SearchSpace> space_;
  int cells_per_stage_ = 0;
  SlimConv2d stem_conv_{nullptr};
  SlimBatchNorm2d stem_bn_{nullptr};  ///< foldable (nn/reparam.h)
  std::vector<std::shared_ptr<Nb201CellImpl>> cells_;            ///< 3N cells, stage-major
  std::vector<std::shared_ptr<Nb201ReductionImpl>> reductions_;  ///< 2 blocks
  torch::nn::BatchNorm2d last_bn_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

/// The supernet (`arch` = nullptr) or the stand-alone network of *arch for an
/// nb201-family space; make_supernet / make_network dispatch here.
std::shared_ptr<NetworkImpl> make_nb201_network(const SearchSpace& space, const Arch* arch);

}  // namespace hwnas
