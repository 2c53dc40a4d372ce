// The decoders' safety limits, now in the SDK (vidpipe/sdk/limits.hpp, so backends of any
// plugin use them): the names media and the decode nodes have always used.
#pragma once

#include <vidpipe/sdk/limits.hpp>

namespace vidpipe::av {

using Clock = DecodeLimits::Clock;
using Limits = DecodeLimits;
using vidpipe::check_decoded_frames;
using vidpipe::check_deadline;
using vidpipe::check_duration;
using vidpipe::check_frame_size;
using vidpipe::declare_decode_limits;
using vidpipe::decode_limits;
using vidpipe::kDefaultMaxPixels;
using vidpipe::kRenamedMaxPixels;
using vidpipe::start_deadline;

}  // namespace vidpipe::av
