// Frames as picture files, shared by format.images and format.jsonl: the file name of a frame
// (index and timestamp, docs/outputs.md) and its JPEG / PNG bytes (OpenCV's encoders).
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {

// "000012_0.480s.jpg": sorts in presentation order, and says where the frame is in the video.
inline std::string picture_name(const Frame& f, const std::string& ext) {
  return fmt::format("{:06d}_{:.3f}s.{}", f.index, f.timestamp, ext);
}

// JPEG (quality 1..100) or PNG (lossless) bytes of a packed 8-bit frame.
inline std::vector<uchar> encode_picture(const FramePtr& frame, bool png, int quality) {
  const FramePtr host = host_frame(frame);
  const Frame& f = *host;
  const int c = channels(f.format);
  if (!f.packed() || (c != 1 && c != 3))
    throw Error("frames in " + std::string(to_string(f.format)) + " cannot be written as pictures",
                "convert to rgb24 before the writer (process.smart_resize does)");
  cv::Mat src(f.height, f.width, c == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t*>(f.data.get()), f.stride);
  cv::Mat bgr;
  if (f.format == PixelFormat::RGB24) cv::cvtColor(src, bgr, cv::COLOR_RGB2BGR);
  else bgr = src;
  std::vector<uchar> out;
  const std::vector<int> opts = png ? std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, 3} : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, quality};
  if (!cv::imencode(png ? ".png" : ".jpg", bgr, out, opts)) throw Error(std::string(png ? "PNG" : "JPEG") + " encoding failed");
  return out;
}

inline std::string base64(const std::vector<uchar>& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = in[i] << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace vidpipe::nodes
