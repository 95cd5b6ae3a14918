// Where training and evaluation run: the CPU, or a CUDA GPU (`--device
// cuda[:N]`). A network is placed once, by the code that trains it
// (TrainOptions::device), and everything else follows it: batches, BN
// recalibration, evaluation and loaded weights go to the device its
// parameters are on, so one code path serves both.
#pragma once

#include <torch/torch.h>

#include <string>

namespace hwnas {

/// The device `spec` names: "cpu", "cuda" (GPU 0, or LOCAL_RANK's GPU in a
/// data-parallel job) or "cuda:N". Throws hwnas::Error naming the text when
/// it is malformed, and when it names a GPU this LibTorch or this machine
/// does not have.
torch::Device parse_device(const std::string& spec);

/// Whether this LibTorch can run on a CUDA GPU here (built with CUDA, and
/// at least one GPU visible).
bool cuda_usable();

/// Why CUDA cannot be used here, in one line ("" when it can).
std::string cuda_unavailable_reason();

/// The device of `m`'s first parameter or buffer (the CPU when it has none).
torch::Device device_of(const torch::nn::Module& m);

/// `t` on `device`. To a GPU it goes through pinned host memory and is
/// copied asynchronously, so the copy overlaps the work queued before it.
torch::Tensor to_device(const torch::Tensor& t, torch::Device device);

/// The name of CUDA GPU `index` as nvidia-smi reports it ("NVIDIA H200"),
/// or "CUDA GPU <index>" when nvidia-smi is not there.
std::string cuda_device_name(int index);

}  // namespace hwnas
