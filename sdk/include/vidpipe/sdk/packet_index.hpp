// The packet index of a video stream: what demuxing it (no decoding) tells, one entry per frame.
// The prober builds it once and hands it to the decoder in VideoInfo::index (since ABI 3.0), so
// the input is not demuxed twice. Which frame is frame i is decided here (docs/frame-identity.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace vidpipe {

struct PacketIndex {
  int stream = -1;                 // the container's stream index it describes
  std::vector<int64_t> pts;        // per frame, presentation order (sorted pts), stream time base
  std::vector<int64_t> keyframes;  // frame indices of key packets, ascending
  std::vector<int64_t> key_dts;    // per keyframe: the timestamp to seek to (its pts)
  int64_t packets = 0;             // video packets read
  int64_t corrupt_packets = 0;     // flagged corrupt or empty by the demuxer
  int64_t discarded_packets = 0;   // decoded as references only, never shown (edit lists): no frame
  int64_t start = 0;               // stream start (pts of frame 0 when the stream has none)
  double time_base = 0;            // seconds per tick
  double end_time = 0;             // seconds from start to the end of the last frame
  bool usable = false;             // every packet has a distinct pts: index -> pts is exact
  // The pts do not give presentation order (a mux that wrote pts = dts while the codec reorders
  // frames, so the pts never go back in decode order): frame i is then the i-th frame the decoder outputs, as `ffmpeg -vf select` and PyAV
  // count; `pts` still gives frame i its time, but decoded frames are not mapped by pts.
  bool output_order = false;
  std::string problem;             // why not usable
  std::string read_error;          // demuxing stopped early with this error

  int64_t size() const { return static_cast<int64_t>(pts.size()); }
  // Frames can be found by pts and reached by seeking to keyframes.
  bool seekable() const { return usable && !output_order && !keyframes.empty(); }
  // Frame index of a pts, or -1.
  int64_t find(int64_t ts) const {
    auto it = std::lower_bound(pts.begin(), pts.end(), ts);
    return it != pts.end() && *it == ts ? static_cast<int64_t>(it - pts.begin()) : -1;
  }
  // The keyframe (frame index) at or before `index`, or -1.
  int64_t key_at_or_before(int64_t index) const {
    auto it = std::upper_bound(keyframes.begin(), keyframes.end(), index);
    return it == keyframes.begin() ? -1 : *(it - 1);
  }
  double seconds_at(int64_t index) const { return static_cast<double>(pts[index] - start) * time_base; }
};

}  // namespace vidpipe
