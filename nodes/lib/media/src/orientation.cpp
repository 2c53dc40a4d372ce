// Autorotation. See orientation.hpp.
#include <vidpipe/media/orientation.hpp>

#include <cmath>

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

}  // namespace vidpipe::av
