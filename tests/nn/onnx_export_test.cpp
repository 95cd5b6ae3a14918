// Export round trip: a stand-alone network of every block type written as
// ONNX (nn/onnx_export.h), passed by onnx's checker, loaded by OpenCV DNN
// (the second runtime) and run on random inputs, gives LibTorch's logits:
// max |difference| < 1e-4.
#include "nn/onnx_export.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/rng.h"
#include "export/opencv_runtime.h"
#include "nn/network.h"
#include "nn/reparam.h"
#include "nn/slim.h"
#include "tests/support/random_batchnorms.h"

namespace hwnas {
namespace {

constexpr double kTol = 1e-4;

/// Random BatchNorm statistics (a dropped fold would show) and a classifier
/// of unit gain, so the logits are far from zero.
void randomise_weights(torch::nn::Module& net) {
  randomise_batchnorms(net);
  torch::NoGradGuard no_grad;
  for (auto& m : net.modules())
    if (auto* fc = m->as<torch::nn::LinearImpl>()) {
      fc->weight.normal_(0, 1.0 / std::sqrt(static_cast<double>(fc->weight.size(1))));
      fc->bias.uniform_(-0.1, 0.1);
    }
}

/// LibTorch's logits and OpenCV's on the exported file for one random batch.
double round_trip_diff(NetworkImpl& net, const SearchSpace& space, int batch, int64_t seed,
                       OnnxSummary* summary = nullptr) {
  const Backbone& b = space.backbone;
  const std::string bytes = export_onnx(net, b, "test");
  if (summary) *summary = summarize_onnx(bytes, "export");
  torch::manual_seed(seed);
  const torch::Tensor x = torch::randn({batch, b.in_channels, b.in_size, b.in_size});
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net.forward(x);
  }
  OpenCvModel model(bytes, "export");
  std::vector<int64_t> out_shape;
  const std::vector<float> got = model.run(std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel()),
                                           {batch, b.in_channels, b.in_size, b.in_size}, &out_shape);
  EXPECT_EQ(out_shape, (std::vector<int64_t>{batch, b.num_classes}));
  const torch::Tensor y = torch::from_blob(const_cast<float*>(got.data()), {batch, b.num_classes}).clone();
  EXPECT_GT(expected.abs().max().item<double>(), 1e-2) << "logits near zero compare nothing";
  return (y - expected).abs().max().item<double>();
}

/// Archs in which every op of every layer appears at least once.
std::vector<Arch> covering_archs(const SearchSpace& space, uint64_t seed) {
  size_t most = 1;
  for (const LayerSpec& l : space.layers) most = std::max(most, l.ops.size());
  Rng rng(seed);
  std::vector<Arch> archs;
  for (size_t i = 0; i < most; ++i) {
    Arch a = space.sample(rng);
    for (int l = 0; l < space.num_layers(); ++l) a.genes[l].op = space.layers[l].ops[(i + l) % space.layers[l].ops.size()];
    archs.push_back(a);
  }
  return archs;
}

// Every block type of every built-in space: ShuffleNetV2 units (split,
// projection, shuffle), ChoiceX, MB (expansions, kernels, residual), SEP,
// SE, the MobileNetV2 skip, Domino's grafted MB and the NB201 cell.
TEST(OnnxExport, EveryBlockTypeRoundTripsThroughOpenCv) {
  for (const char* spec : {"hsconas:depths=1/1/2/1,channels=16/32/48/64,stem=8,head=32,ops=k3/k5/k7/x/skip/mb3e6",
                           "hurricane:channels=8/16/24/32,stem=4,head=32", "mbv2:depths=1/1/1/1/1/1/1,head=32",
                           "domino:depths=1/2/1/1/1/1/1,head=32"}) {
    auto space = make_space(spec);
    for (const Arch& arch : covering_archs(*space, 3)) {
      try {
        space->validate(arch);
      } catch (const Error&) {
        continue;  // skip where the layer changes shape
      }
      SCOPED_TRACE(std::string(spec) + " " + space->format(arch));
      torch::manual_seed(1);
      auto net = make_network(*space, arch);
      randomise_weights(*net);
      net->eval();
      // OpenCV 4.6 cannot broadcast an SE gate [N, C, 1, 1] over a batch
      // above 1 (its Scale layer); networks with SE round-trip at batch 1.
      bool se = false;
      for (const Gene& gene : arch.genes) se = se || space->ops[gene.op].se;
      OnnxSummary s;
      EXPECT_LT(round_trip_diff(*net, *space, se ? 1 : 2, 7, &s), kTol) << spec << " " << space->format(arch);
      EXPECT_EQ(s.opset, kOnnxOpset);
      EXPECT_EQ(s.input, kOnnxInputName);
      EXPECT_EQ(s.output, kOnnxOutputName);
      EXPECT_EQ(s.input_shape, (std::vector<int64_t>{-1, 1, 28, 28}));
      for (const auto& [op, n] : s.op_counts) EXPECT_NE(op, "BatchNormalization") << "BatchNorm left unfolded";
    }
  }
}

TEST(OnnxExport, Nb201CellsWithEveryEdgeOpAndZeroNodes) {
  auto space = make_space("nb201:C=4,N=1,in_channels=1,in_size=28");
  // The last one leaves node 1 without input: its conv edges see x * 0.
  for (const char* text : {"|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
                           "|avg_pool_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|",
                           "|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|"}) {
    const Arch arch = space->parse(text);
    torch::manual_seed(2);
    auto net = make_network(*space, arch);
    randomise_weights(*net);
    net->eval();
    EXPECT_LT(round_trip_diff(*net, *space, 3, 5), kTol) << text;
  }
}

// Export writes BatchNorm folded whether or not the network was folded
// first, and grafted blocks as one conv either way.
TEST(OnnxExport, FoldedAndUnfoldedNetworksExportAlike) {
  auto space = make_space("domino:depths=1/2/1/1/1/1/1,head=32");
  const Arch arch = space->parse("g3e6,mb3e6,g3e6,g3e6,mb3e6,g3e6,g3e6,mb3e6");
  torch::manual_seed(4);
  auto net = make_network(*space, arch);
  randomise_weights(*net);
  net->eval();
  OnnxSummary before, after;
  EXPECT_LT(round_trip_diff(*net, *space, 1, 9, &before), kTol);
  fold_network(*net);
  EXPECT_LT(round_trip_diff(*net, *space, 1, 9, &after), kTol);
  EXPECT_EQ(before.nodes, after.nodes);
  EXPECT_EQ(before.parameters, after.parameters);
}

TEST(OnnxExport, RefusesWhatItCannotWrite) {
  auto space = make_space("mbv2:depths=1/1/1/1/1/1/1,head=32");
  auto super = make_supernet(*space);
  EXPECT_THROW(export_onnx(*super, space->backbone, "s"), Error);
  EXPECT_THROW(summarize_onnx("not a model", "x.onnx"), Error);
  EXPECT_THROW(OpenCvModel("not a model", "x.onnx"), Error);
  OnnxGraph g("empty");
  EXPECT_THROW(g.serialize(), Error);  // no input, no output
  const OnnxValue x = g.input("image", {3, 8, 8});
  EXPECT_THROW(g.conv(x, OnnxWeights{{4, 2, 3, 3}, std::vector<float>(72)}, {}, 1, 1), Error);  // 2 != 3 inputs
  EXPECT_THROW(g.split_channels(g.input("again", {4, 8, 8})), Error);  // a second input
}

}  // namespace
}  // namespace hwnas
