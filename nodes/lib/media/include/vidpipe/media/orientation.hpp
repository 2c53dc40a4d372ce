// Autorotation as the ffmpeg CLI does it: which operation turns a decoded picture upright (from
// the stream's display matrix), and that operation applied to an RGB24 frame.
#pragma once

#include <cstdint>

#include <vidpipe/imaging/orient.hpp>
#include <vidpipe/sdk/data.hpp>

extern "C" {
struct AVStream;
}

namespace vidpipe::av {

// How the ffmpeg CLI's autorotate turns a decoded picture upright (the SDK's Orient).
using Orient = vidpipe::Orient;
struct Orientation {
  int rotation = 0;  // clockwise degrees: 0, 90, 180, 270
  Orient op = Orient::None;
};
Orientation orientation_of(const AVStream* st);

// Applies an autorotate operation to an RGB24 frame (src w×h) into dst (h×w for the quarter turns).
using ref::orient_rgb;

}  // namespace vidpipe::av
