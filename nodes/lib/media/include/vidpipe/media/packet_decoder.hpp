// One FFmpeg decoder on one opened input, for the FFmpeg backend (ffmpeg_backend.cpp): packets in,
// frames out, with seeking and a per-packet choice of what to decode. Every loop consumes a
// packet or ends, so it is bounded by the file.
//
// Damage under frame threading: FFmpeg's frame threads mark a picture's rows done before its
// error concealment has run, so later pictures may read rows concealed or not, and the damage
// flag a frame comes out with may be copied before it is set. Decoded frames and counts then
// vary from run to run (the ffmpeg CLI shows the same). What is in order is what the decoder
// logs: a frame thread logs a picture's errors before any picture decoded after it comes out.
// So a frame-threaded Decoder watches its log lines (library_logs.hpp), and `troubled()` says
// whether anything it has let out may already depend on damage; the walk then
// decodes again with one thread (sdk/src/decode_walk.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include <vidpipe/media/ffmpeg_reader.hpp>

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
  bool strict = false;      // throw on a decode error (on_decode_error=fail), else count it
  int64_t errors = 0;       // decode errors returned by FFmpeg
  std::atomic<int> logged{0};  // damage the decoder logged (its AVCodecContext's opaque)
  bool watched = false;
  const ReadOptions* opt = nullptr;
  const std::string* input = nullptr;
  ReadStats* stats = nullptr;
  // Decides per packet: 0 = skip it, 1 = decode (skip_frame set by the hook), 2 = decode, then
  // drain the decoder so the frame comes out at once.
  std::function<int(AVPacket*)> choose;

  Decoder();
  ~Decoder();
  // Opens the decoder of stream `s` of `f` (checking the frame size against o.max_pixels).
  void open(AVFormatContext* f, int s, const ReadOptions& o, const std::string& in, int threads);
  // Frame threads decode several pictures at once (and slice threads do not concern damage).
  bool frame_threaded() const;
  // Frame-threaded only: damage may have reached what came out (a decode error or a logged
  // one), or cannot be watched for. Frames that came out before it became true are exact.
  bool troubled() const { return frame_threaded() && (!watched || errors > 0 || logged.load() > 0); }
  // The next packet of the stream into `pkt`; false at the end (read_error says why, if not
  // the end of the input). Throws on a limit (deadline, byte cap, stalled server).
  bool read_packet();
  // 1: a frame is in `frame`; 0: the stream is over; -1: cancelled.
  int next();
  // Drops what the decoder holds and the packet read but not sent (as a seek does, without seeking).
  void flush();
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
