// Autorotation of RGB24 frames. See orient.hpp.
#include <vidpipe/imaging/orient.hpp>

#include <cstring>

namespace vidpipe::ref {

void orient_rgb(Orient op, const Frame& src, const FrameBuffer& dst) {
  const int w = src.width, h = src.height, dw = dst.frame->width, dh = dst.frame->height;
  for (int y = 0; y < dh; ++y) {
    uint8_t* out = dst.pixels + static_cast<std::size_t>(y) * dst.frame->stride;
    for (int x = 0; x < dw; ++x, out += 3) {
      int sx = x, sy = y;  // source column and row
      switch (op) {
        case Orient::Clock: sx = y, sy = h - 1 - x; break;           // transpose=clock
        case Orient::CClock: sx = w - 1 - y, sy = x; break;          // transpose=cclock
        case Orient::CClockFlip: sx = y, sy = x; break;              // transpose=cclock_flip
        case Orient::ClockFlip: sx = w - 1 - y, sy = h - 1 - x; break;  // transpose=clock_flip
        case Orient::HFlip: sx = w - 1 - x; break;
        case Orient::VFlip: sy = h - 1 - y; break;
        case Orient::Rot180: sx = w - 1 - x, sy = h - 1 - y; break;
        case Orient::None: break;
      }
      std::memcpy(out, src.row(sy) + static_cast<std::size_t>(sx) * 3, 3);
    }
  }
}

}  // namespace vidpipe::ref
