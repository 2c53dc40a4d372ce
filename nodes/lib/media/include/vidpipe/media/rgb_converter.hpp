// Decoded AVFrame -> packed RGB24 at its own size: imaging's YuvToRgb (yuv_convert.hpp), the
// conversion the ffmpeg 5.1 CLI does for `-pix_fmt rgb24`, byte for byte. Resizing is not the
// decoder's: process.convert_scale converts and resizes planar frames (pixel_format: native).
#pragma once

#include <cstdint>
#include <string>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/imaging/yuv_convert.hpp>

namespace vidpipe::av {

class RgbConverter {
 public:
  // matrix: "auto" (honour the frame's tags as the CLI does), "bt601" or "bt709".
  explicit RgbConverter(std::string matrix);

  // Writes f as RGB24 rows into dst. `input` names the video in errors.
  void convert(const AVFrame* f, uint8_t* dst, int dst_stride, const std::string& input);

  // The matrix applied to the last frame: bt601, bt709, bt2020 ...
  const std::string& used() const { return rgb_.used(); }

 private:
  ref::YuvToRgb rgb_;
};

}  // namespace vidpipe::av
