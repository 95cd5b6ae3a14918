#include "export/opencv_runtime.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

namespace {

cv::Mat make_blob(const std::vector<float>& input, const std::vector<int64_t>& shape) {
  HWNAS_CHECK(shape.size() == 4, "opencv: the input must be [N, C, H, W]");
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  HWNAS_CHECK(n == static_cast<int64_t>(input.size()), "opencv: ", input.size(), " input values for a shape of ", n);
  const int sizes[4] = {static_cast<int>(shape[0]), static_cast<int>(shape[1]), static_cast<int>(shape[2]),
                        static_cast<int>(shape[3])};
  cv::Mat blob(4, sizes, CV_32F);
  std::copy(input.begin(), input.end(), blob.ptr<float>());
  return blob;
}

}  // namespace

std::string opencv_version() { return std::string("opencv ") + CV_VERSION; }

struct OpenCvModel::Impl {
  cv::dnn::Net net;
  std::string origin;
  /// One forward pass, OpenCV's error as hwnas's one line.
  cv::Mat forward() {
    try {
      return net.forward();
    } catch (const cv::Exception& e) {
      HWNAS_CHECK(false, origin, ": OpenCV DNN failed to run the model: ", first_line(e.err));
    }
    return {};
  }
};

OpenCvModel::OpenCvModel(const std::string& onnx_bytes, const std::string& origin) : impl_(std::make_unique<Impl>()) {
  impl_->origin = origin;
  // OpenCV logs import warnings to stderr; hwnas reports its own errors.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  try {
    impl_->net = cv::dnn::readNetFromONNX(onnx_bytes.data(), onnx_bytes.size());
  } catch (const cv::Exception& e) {
    HWNAS_CHECK(false, origin, ": OpenCV DNN cannot import the model: ", first_line(e.err));
  }
  HWNAS_CHECK(!impl_->net.empty(), origin, ": OpenCV DNN imported an empty network");
  impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  impl_->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

OpenCvModel::~OpenCvModel() = default;

void OpenCvModel::set_input(const std::vector<float>& input, const std::vector<int64_t>& shape) {
  impl_->net.setInput(make_blob(input, shape));
}

void OpenCvModel::forward() { impl_->forward(); }

std::vector<float> OpenCvModel::run(const std::vector<float>& input, const std::vector<int64_t>& shape,
                                    std::vector<int64_t>* out_shape) {
  set_input(input, shape);
  const cv::Mat out = impl_->forward();
  if (out_shape) {
    out_shape->clear();
    for (int d = 0; d < out.dims; ++d) out_shape->push_back(out.size[d]);
  }
  const cv::Mat c = out.isContinuous() ? out : out.clone();
  return std::vector<float>(c.ptr<float>(), c.ptr<float>() + c.total());
}

int set_opencv_threads(int threads) {
  const int before = cv::getNumThreads();
  cv::setNumThreads(threads);
  return before;
}

}  // namespace hwnas
