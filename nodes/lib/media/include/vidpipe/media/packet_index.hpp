// The packet index: what demuxing a video stream (no decoding) tells, used by the probe to count
// frames and by the decoder to map presentation indices to timestamps and keyframes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <vidpipe/sdk/packet_index.hpp>

#include <vidpipe/media/limits.hpp>

extern "C" {
struct AVFormatContext;
}

namespace vidpipe::av {

// One entry per frame (vidpipe/sdk/packet_index.hpp): the prober builds it, the decoder reuses it.
using PacketIndex = vidpipe::PacketIndex;

// Demuxes the video stream `stream` of an opened input to the end (never decodes). Stops with a
// LimitError as soon as the packets span more than lim.max_duration (an endless live stream has
// no duration in its header), when the input's byte cap, stall rule or deadline stopped the
// reading (input_source.hpp), or past lim.deadline. Packets the demuxer marks discarded (before an
// edit list's start: decoded as references, never shown) are no frames. When the pts never go back
// in decode order although the codec reorders frames (pts = dts), they give decode order, not
// presentation order: output_order is set (frame i = the decoder's i-th output).
PacketIndex build_index(AVFormatContext* fmt, int stream, const Limits& lim,
                        const std::string& input);

}  // namespace vidpipe::av
