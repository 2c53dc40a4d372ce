// Autorotation. See orientation.hpp.
#include <vidpipe/media/orientation.hpp>

#include <cmath>
#include <cstring>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/display.h>
}

namespace vidpipe::av {

Orientation orientation_of(const AVStream* st) {
  // Mirrors fftools 5.1 get_rotation() + configure_input_video_filter(): the display matrix
  // gives a counter-clockwise angle; the CLI negates it, wraps to [0, 360) and picks
  // transpose/flip filters, looking at matrix signs for mirrored files.
  const auto* m = reinterpret_cast<const int32_t*>(
      av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
  Orientation o;
  if (!m) return o;
  double theta = -std::round(av_display_rotation_get(m));
  if (std::isnan(theta)) return o;
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  if (std::fabs(theta - 90) < 1.0) {
    o = {90, m[3] > 0 ? Orient::CClockFlip : Orient::Clock};
  } else if (std::fabs(theta - 180) < 1.0) {
    bool h = m[0] < 0, v = m[4] < 0;
    o = {180, h && v ? Orient::Rot180 : h ? Orient::HFlip : v ? Orient::VFlip : Orient::None};
  } else if (std::fabs(theta - 270) < 1.0) {
    o = {270, m[3] < 0 ? Orient::ClockFlip : Orient::CClock};
  } else if (std::fabs(theta) < 1.0) {
    if (m[4] < 0) o.op = Orient::VFlip;
  }
  // Other angles: the CLI uses the `rotate` filter (with black corners); we leave them as is.
  return o;
}

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

}  // namespace vidpipe::av
