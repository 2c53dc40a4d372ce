// The "fast" resize mode: where the downscale along an axis is 2x or more, a 2-sample box
// along it first, then the antialiased kernel of resize.hpp on the smaller image (Pillow's
// `reducing_gap` idea: the box does the coarse part of the antialiasing at a fraction of the
// cost). Used by process.smart_resize / process.resize mode fast on RGB frames, and on luma by
// the fused YUV path (yuv_resize.hpp). Speed and difference to exact: bench/resize.py.
#pragma once

#include <cstdint>

#include <vidpipe/imaging/resize.hpp>

namespace vidpipe::ref {

// Averages pairs of neighbouring pixels along x (rx), y (ry) or both (2x2), rounding half up;
// an odd last column/row is averaged with itself. src: h rows of w pixels of `channels` (1 or 3)
// interleaved bytes; dst: ceil-halved size, tightly packed. Rows run in parallel (oneTBB).
void box_reduce(const uint8_t* src, int w, int h, int stride, int channels, bool rx, bool ry, uint8_t* dst);

class FastResizer {
 public:
  FastResizer(int src_w, int src_h, int dst_w, int dst_h, Filter filter = Filter::Bicubic);
  // Same contract as SeparableResizer::run. Thread-safe.
  void run(const uint8_t* src, int src_stride, uint8_t* dst, int channels, int dst_stride = 0) const;

 private:
  int sw_, sh_;
  bool reduce_x_, reduce_y_;
  SeparableResizer inner_;  // from the reduced size
};

}  // namespace vidpipe::ref
