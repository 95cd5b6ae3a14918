// A second runtime for exported models: OpenCV's DNN module (CPU backend),
// the engine many edge deployments ship with. It checks an export (its
// outputs against LibTorch's) and times networks for the `opencv` target
// (latency/target.h). This header includes neither OpenCV nor LibTorch.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace hwnas {

/// "opencv 4.6.0".
std::string opencv_version();

/// An ONNX model loaded into OpenCV DNN.
class OpenCvModel {
 public:
  /// Parses `onnx_bytes`; throws hwnas::Error naming `origin` with OpenCV's
  /// first line when it cannot import the model.
  OpenCvModel(const std::string& onnx_bytes, const std::string& origin);
  ~OpenCvModel();
  OpenCvModel(const OpenCvModel&) = delete;
  OpenCvModel& operator=(const OpenCvModel&) = delete;

  /// Runs the model on `input` (row-major, `shape` [N, C, H, W]); returns the
  /// output row-major, its shape in *out_shape when given.
  std::vector<float> run(const std::vector<float>& input, const std::vector<int64_t>& shape,
                         std::vector<int64_t>* out_shape = nullptr);
  /// Sets the input once for timing; forward() then runs the net on it.
  void set_input(const std::vector<float>& input, const std::vector<int64_t>& shape);
  void forward();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// OpenCV's worker threads, process-wide (cv::setNumThreads); returns the
/// previous count. Restored by the caller, as torch's are by ThreadScope.
int set_opencv_threads(int threads);

}  // namespace hwnas
