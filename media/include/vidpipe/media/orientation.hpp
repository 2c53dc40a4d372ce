// Autorotation as the ffmpeg CLI does it: which operation turns a decoded picture upright (from
// the stream's display matrix), and that operation applied to an RGB24 frame.
#pragma once

#include <cstdint>

#include <vidpipe/sdk/data.hpp>

extern "C" {
struct AVStream;
}

namespace vidpipe::av {

// How the ffmpeg CLI's autorotate turns a decoded picture upright.
enum class Orient : uint8_t { None, Clock, CClock, ClockFlip, CClockFlip, HFlip, VFlip, Rot180 };
struct Orientation {
  int rotation = 0;  // clockwise degrees: 0, 90, 180, 270
  Orient op = Orient::None;
};
Orientation orientation_of(const AVStream* st);

// Applies an autorotate operation to an RGB24 frame (src w×h) into dst (h×w for the quarter turns).
void orient_rgb(Orient op, const Frame& src, const FrameBuffer& dst);

}  // namespace vidpipe::av
