// The analysis pass scores every frame at ~256 px (docs/sampling.md §7). This turns a decoded
// frame into that small picture as 8-bit planar YUV, before any colour conversion. A decoder's
// own 8-bit planar YUV (yuv420p, yuvj422p, yuv444p ...) scaled down at least 2x is box-averaged
// plane by plane: each small sample is the mean of its box's columns in the (up to) 4 middle rows
// of the box, so about half of a 1080p frame's rows are read, the cost that matters there. Smaller
// factors (a 320x240 video at 256 px) and other layouts (10-bit, NV12, RGB ...) go through
// swscale's bilinear filter to small yuv444p, which smooths noise more than a 1-2-sample box.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <vidpipe/media/ffmpeg_reader.hpp>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace vidpipe::analyze {

struct SmallPicture {
  AVPixelFormat format = AV_PIX_FMT_NONE;  // 8-bit planar YUV, 3 planes
  int width = 0, height = 0;
  std::array<int, 3> plane_width{}, plane_height{};
  std::array<std::vector<uint8_t>, 3> planes;  // rows packed, plane_width bytes each

  // Sizes the planes for `format` at width x height (allocates only when they grow).
  void resize(AVPixelFormat format, int width, int height);
};

// The size a w x h frame is scored at: its longer side scaled to max_side (never up).
std::pair<int, int> small_size(int width, int height, int max_side);

// Turns frames of one source layout (width, height, pixel format) into SmallPictures of one
// layout; make a new one when the source layout changes.
class Shrinker {
 public:
  // `format`: the small picture's layout (small_format of the first frame's).
  Shrinker(const AVFrame& like, int width, int height, AVPixelFormat format, const std::string& input);
  void shrink(const AVFrame& frame, SmallPicture& out);
  bool fits(const AVFrame& frame) const {
    return frame.width == src_width_ && frame.height == src_height_ && frame.format == src_format_;
  }

  // The small layout for frames like `frame` at width x height: its own when box averaging
  // applies (8-bit planar YUV scaled down at least 2x), else yuv444p.
  static AVPixelFormat small_format(const AVFrame& frame, int width, int height);

 private:
  struct Boxes {  // small sample (y, x): source columns [cols[x], cols[x + 1]) of rows first[y] .. + count[y]
    std::vector<int> cols, first, count;
    std::vector<double> inverse;  // 1 / the samples in each box, row-major
  };
  int src_width_, src_height_, src_format_;
  int width_, height_;
  AVPixelFormat format_;
  std::array<Boxes, 3> planes_;  // box averaging
  std::vector<uint16_t> row_sum_;
  av::SwsPtr sws_;  // other layouts
};

}  // namespace vidpipe::analyze
