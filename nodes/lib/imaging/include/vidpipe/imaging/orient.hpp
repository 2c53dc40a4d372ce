// Turning an RGB24 picture upright: the ffmpeg CLI's autorotate operations (Orient, data.hpp)
// applied to a packed frame.
#pragma once

#include <vidpipe/sdk/data.hpp>

namespace vidpipe::ref {

// Applies `op` to an RGB24 frame (src w×h) into dst (h×w for the quarter turns, swaps_axes).
void orient_rgb(Orient op, const Frame& src, const FrameBuffer& dst);

}  // namespace vidpipe::ref
