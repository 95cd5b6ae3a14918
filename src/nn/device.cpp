#include "nn/device.h"

#include <ATen/Context.h>
#include <torch/version.h>

#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

bool cuda_usable() { return cuda_unavailable_reason().empty(); }

std::string cuda_unavailable_reason() {
  if (!at::hasCUDA())
    return str_cat("this LibTorch (", TORCH_VERSION, ") was built without CUDA; build hwnas against a CUDA ",
                   "LibTorch (-DCMAKE_PREFIX_PATH=<LibTorch or PyTorch install>, README)");
  if (torch::cuda::device_count() == 0) return "no CUDA GPU is visible (nvidia-smi, CUDA_VISIBLE_DEVICES)";
  return "";
}

torch::Device parse_device(const std::string& spec) {
  const std::string s = trim(spec);
  if (s == "cpu") return torch::kCPU;
  HWNAS_CHECK(s == "cuda" || starts_with(s, "cuda:"), "device '", spec, "': expected cpu, cuda or cuda:N");
  int index = 0;
  if (s != "cuda") {
    index = parse_int(s.substr(5), str_cat("GPU index of device '", spec, "'"));
    HWNAS_CHECK(index >= 0, "device '", spec, "': the GPU index must be >= 0");
  } else if (const char* local = std::getenv("LOCAL_RANK")) {
    index = parse_int(local, "LOCAL_RANK");  // one GPU per rank of `hwnas launch`
  }
  const std::string why = cuda_unavailable_reason();
  HWNAS_CHECK(why.empty(), "device '", spec, "': ", why);
  const int count = static_cast<int>(torch::cuda::device_count());
  HWNAS_CHECK(index < count, "device '", spec, "': this machine has ", count, " CUDA GPU", count == 1 ? "" : "s",
              " (0..", count - 1, "), not GPU ", index);
  return torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
}

torch::Device device_of(const torch::nn::Module& m) {
  for (const torch::Tensor& p : m.parameters()) return p.device();
  for (const torch::Tensor& b : m.buffers()) return b.device();
  return torch::kCPU;
}

torch::Tensor to_device(const torch::Tensor& t, torch::Device device) {
  if (t.device() == device) return t;
  if (device.is_cuda() && t.device().is_cpu()) return t.pin_memory().to(device, /*non_blocking=*/true);
  return t.to(device);
}

std::string cuda_device_name(int index) {
  const std::string cmd =
      str_cat("nvidia-smi --query-gpu=name --format=csv,noheader -i ", index, " 2>/dev/null");
  std::string name;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p) != nullptr) name += buf;
    pclose(p);
  }
  name = trim(name);
  return name.empty() ? str_cat("CUDA GPU ", index) : name;
}

}  // namespace hwnas
