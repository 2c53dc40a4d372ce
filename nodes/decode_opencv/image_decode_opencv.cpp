#include "image_decode_opencv.hpp"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vidpipe/sdk/error.hpp>

namespace vidpipe::imgseq {

DecodedImage decode_with_opencv(const std::string& path, int width, int height) {
  quiet_opencv();  // imread prints nothing for these formats once OpenCV's own log is off
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  if (bgr.empty() || bgr.cols != width || bgr.rows != height || bgr.type() != CV_8UC3)
    throw Error(path + ": cannot decode the image", "check that the file is a complete image");
  DecodedImage out{make_frame(width, height), {}};
  cv::Mat rgb(height, width, CV_8UC3, out.frame.pixels, static_cast<std::size_t>(out.frame.frame->stride));
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return out;
}

void quiet_opencv() {
  static const bool once = [] {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    return true;
  }();
  (void)once;
}

}  // namespace vidpipe::imgseq
