// One FFmpeg decoder on one opened input, for FrameReader (ffmpeg_reader.cpp): packets in,
// frames out, with seeking and a per-packet choice of what to decode. Every loop consumes a
// packet or ends, so it is bounded by the file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/ffmpeg_reader.hpp"

namespace vidpipe::av {

struct Decoder {
  AVFormatContext* fmt = nullptr;
  int si = -1;
  CodecPtr ctx;
  PacketPtr pkt;
  AVFramePtr frame;
  bool pending = false;     // pkt holds a packet read but not yet sent
  bool input_done = false;  // demuxer at its end
  bool eof_sent = false;    // decoder being drained for good
  bool draining = false;    // decoder being drained to resume afterwards (approximate mode)
  std::string read_error;
  const ReadOptions* opt = nullptr;
  const std::string* input = nullptr;
  ReadStats* stats = nullptr;
  // Decides per packet: 0 = skip it, 1 = decode (skip_frame set by the hook), 2 = decode, then
  // drain the decoder so the frame comes out at once.
  std::function<int(AVPacket*)> choose;

  Decoder();
  // Opens the decoder of stream `s` of `f` (checking the frame size against o.max_pixels).
  void open(AVFormatContext* f, int s, const ReadOptions& o, const std::string& in, int threads);
  // The next packet of the stream into `pkt`; false at the end (read_error says why, if not
  // the end of the input). Throws on a limit (deadline, byte cap, stalled server).
  bool read_packet();
  // 1: a frame is in `frame`; 0: the stream is over; -1: cancelled.
  int next();
  // Seeks so that the next packet read is the keyframe with dts/pts `ts` (or one before it).
  bool seek(int64_t ts);
  // Reads the first packet after a seek (kept pending) and returns it, or nullptr at the end.
  AVPacket* peek();
};

// A decoded frame's timestamp (pts, else FFmpeg's best guess).
int64_t frame_pts(const AVFrame* f);
// Whether the decoder flagged the frame as damaged (concealed errors).
bool damaged(const AVFrame* f);

}  // namespace vidpipe::av
