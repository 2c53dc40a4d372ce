// The packet index: what demuxing a video stream (no decoding) tells, used by the probe to count
// frames and by the decoder to map presentation indices to timestamps and keyframes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/limits.hpp"

extern "C" {
struct AVFormatContext;
}

namespace vidpipe::av {

// What demuxing the video stream (no decoding) tells: one entry per packet.
struct PacketIndex {
  std::vector<int64_t> pts;        // presentation order (sorted packet pts), stream time base
  std::vector<int64_t> keyframes;  // presentation indices of key packets, ascending
  std::vector<int64_t> key_dts;    // per keyframe: the timestamp to seek to (its pts)
  int64_t packets = 0;             // video packets read
  int64_t corrupt_packets = 0;     // flagged corrupt or empty by the demuxer
  int64_t start = 0;               // stream start (pts of frame 0 when the stream has none)
  double time_base = 0;            // seconds per tick
  double end_time = 0;             // seconds from start to the end of the last frame
  bool usable = false;             // every packet has a distinct pts: index -> pts is exact
  std::string problem;             // why not usable
  std::string read_error;          // demuxing stopped early with this error

  int64_t size() const { return static_cast<int64_t>(pts.size()); }
  // Presentation index of a pts, or -1.
  int64_t find(int64_t ts) const;
  // The keyframe (presentation index) at or before `index`, or -1.
  int64_t key_at_or_before(int64_t index) const;
  double seconds_at(int64_t index) const { return (pts[index] - start) * time_base; }
};

// Demuxes the video stream `stream` of an opened input to the end (never decodes). Stops with a
// LimitError as soon as the packets span more than lim.max_duration (an endless live stream has
// no duration in its header), when the input's byte cap, stall rule or deadline stopped the
// reading (input_source.hpp), or past lim.deadline.
PacketIndex build_index(AVFormatContext* fmt, int stream, const Limits& lim,
                        const std::string& input);

}  // namespace vidpipe::av
