// Decoded AVFrame -> packed RGB24, optionally resized in the same pass.
//
// At the frame's own size the conversion is imaging's YuvToRgb (yuv_convert.hpp): the one the
// ffmpeg 5.1 CLI does for `-pix_fmt rgb24`, byte for byte.
//
// At another size it is the fused "fast" path (decode.ffmpeg fused_resize), which never builds
// a full-size RGB frame: 8-bit planar YUV (4:2:0, 4:2:2, 4:4:4) is resized plane by plane with
// the antialiased bicubic kernel and converted at output size (yuv_resize.hpp); other formats
// (10-bit, NV12 ...) go through one swscale bicubic convert+resize pass. Speed and difference
// to the exact path: bench/resize.py. process.convert_scale does the same on planar frames.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/imaging/yuv_convert.hpp>
#include <vidpipe/imaging/yuv_resize.hpp>

namespace vidpipe::av {

class RgbConverter {
 public:
  // matrix: "auto" (honour the frame's tags as the CLI does), "bt601" or "bt709".
  explicit RgbConverter(std::string matrix);

  // Writes f as RGB24 rows of dst_w x dst_h pixels (0 x 0 = the frame's size) into dst.
  // `input` names the video in errors.
  void convert(const AVFrame* f, uint8_t* dst, int dst_stride, const std::string& input,
               int dst_w = 0, int dst_h = 0);

  // The matrix applied to the last frame: bt601, bt709, bt2020 ...
  const std::string& used() const { return used_; }

 private:
  bool planar_resize(const ref::YuvPicture& p, uint8_t* dst, int dst_stride, int dst_w, int dst_h);

  ref::YuvToRgb rgb_;
  std::string used_;
  std::unique_ptr<ref::YuvResizer> planar_;
  int w_ = -1, h_ = -1, fmt_ = -1, dw_ = -1, dh_ = -1;
};

}  // namespace vidpipe::av
