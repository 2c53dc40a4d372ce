// FFmpeg demuxing and decoding shared by the probe.ffmpeg and decode.ffmpeg nodes.
//
// Two jobs: `probe` learns a video's facts without decoding pixels (frame count by demuxing,
// because header counts lie; one GOP is decoded when the count is in doubt: tail_check.hpp), and
// `FrameReader` decodes from the start and hands out the
// frames at wanted presentation indices as packed RGB24, converted exactly as
// `ffmpeg -i V -pix_fmt rgb24` converts them (same swscale flags and colour details), and
// rotated the way the CLI's autorotate rotates them.
//
// Inputs are opened by input_source.cpp (every kind, with protocol and format whitelists, size
// caps, a stall rule and an interrupt callback for deadlines; see docs/input-safety.md §2).
// Safety limits (limits.hpp) throw LimitError.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <vidpipe/sdk/data.hpp>
#include <vidpipe/sdk/error.hpp>

#include <vidpipe/media/limits.hpp>
#include <vidpipe/media/orientation.hpp>
#include <vidpipe/media/packet_index.hpp>

extern "C" {
struct AVFormatContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct AVStream;
struct SwsContext;
}

namespace vidpipe::av {

// RAII owners for the libav* objects.
struct FormatCloser { void operator()(AVFormatContext* p) const; };
struct CodecCloser { void operator()(AVCodecContext* p) const; };
struct FrameCloser { void operator()(AVFrame* p) const; };
struct PacketCloser { void operator()(AVPacket* p) const; };
struct SwsCloser { void operator()(SwsContext* p) const; };
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecCloser>;
using AVFramePtr = std::unique_ptr<AVFrame, FrameCloser>;
using PacketPtr = std::unique_ptr<AVPacket, PacketCloser>;
using SwsPtr = std::unique_ptr<SwsContext, SwsCloser>;

// The fix to name when FFmpeg cannot read or convert an input.
inline constexpr const char* kHint = "check that the file is a complete, playable video (ffprobe shows its streams)";

// av_strerror text for an AVERROR code.
std::string error_text(int err);

// The local file path an input names ("/a/b.mp4", "b.mp4", "file:///a/b.mp4"); throws
// vidpipe::Error for anything else (http, pipes, other protocols) or a missing file.
std::string local_path(const std::string& input);

// How an input may be read (docs/input-safety.md §2). Set per node by the parameters
// `net_timeout`, `max_input_bytes`, `allow_playlists` and `tls_verify` of probe.ffmpeg and
// decode.ffmpeg (decode.auto forwards them); the node's deadline is copied in per input.
struct InputOptions {
  double net_timeout = 5.0;                      // s, connect/read timeout and stall rule of http(s)
  int64_t max_input_bytes = int64_t{1} << 30;    // downloaded or held in memory per input
  bool allow_playlists = false;                  // hls/dash (concat, tee ... never)
  bool tls_verify = true;                        // https: verify the server's certificate
  int64_t max_pixels = kDefaultMaxPixels;        // for headers checked before FFmpeg allocates
  // Blocked I/O is abandoned (AVIOInterruptCB on the format and I/O contexts) once the
  // deadline passes, `cancelled` returns true, or an http(s) server stalls (input_io.hpp).
  // Epoch / empty = never.
  Clock::time_point deadline{};
  double deadline_s = 0;  // the same, as configured (for messages)
  std::function<bool()> cancelled;
};

// Opens any input (local, file://, http(s), base64, stdin) with the rules of input_source.hpp:
// protocol and format whitelists, timeouts, size caps, interrupt on deadline. Reads the stream
// headers. Throws vidpipe::Error naming `input`.
// An http(s), base64 or stdin input is read once per job: pass the same `data` to every open
// (input_data.hpp; null: loaded by this open).
class InputData;
FormatPtr open_input(const std::string& input, const InputOptions& opt = {},
                     std::shared_ptr<InputData> data = nullptr);

// Index of the best video stream; throws "no video stream".
int best_video_stream(AVFormatContext* fmt, const std::string& input);

struct ProbeOptions {
  bool count_packets = true;  // count packets even when the header states nb_frames (false: a
                              // header count is taken when the end of the stream confirms it)
  int64_t max_pixels = kDefaultMaxPixels;
  double max_duration = 3600;  // seconds, 0 = no limit
  double deadline_s = 0;       // seconds for the whole probe, 0 = no limit
  InputOptions input;          // how the input may be read (its deadline is set from deadline_s)
};

// (ffmpeg_probe.cpp) frame_count is the number of frames that decode. Counting packets also fills
// VideoInfo::index (cut to the frames that decode) and keyframes/frame_times; extra records the
// header count and whether it disagrees, read_error when demuxing stopped early (a damaged
// input), and end_check when the tail was decoded to count. Limits throw LimitError (limits.hpp).
VideoInfo probe(const std::string& input, const ProbeOptions& opt = {});

struct ReadOptions {
  std::string color_matrix = "auto";  // "auto" (as the CLI: honour tags), "bt601", "bt709"
  bool autorotate = true;
  int threads = 0;  // decoder threads, 0 = auto (what results may depend on it: sdk/src/decode_walk.cpp)
  int64_t max_pixels = kDefaultMaxPixels;
  // "exact": frame i is the i-th presented frame (seek to the keyframe at or before each target
  // and decode forward). "approximate": each target is answered with the keyframe at or before
  // it (one keyframe decoded per distinct keyframe; Frame::index says which frame it is).
  std::string seek_mode = "exact";
  bool skip_nonref = true;             // do not decode non-reference frames that are not wanted
  std::string on_decode_error = "skip";  // "skip": count damage and go on; "fail": throw
  double max_corrupt_ratio = 0.5;        // skip mode: throw when damaged/decoded exceeds this
  Limits limits;                         // max_frames, deadline (max_pixels above wins)
  InputOptions input;                    // what decode.ffmpeg gives FrameReader's constructor
  // Polled once per packet; returning true stops reading early without an error (so a sparse
  // plan on a long video can still be abandoned between wanted frames).
  std::function<bool()> cancelled;
};

struct ReadStats {
  int64_t decoded_frames = 0;   // frames the decoder produced
  int64_t returned_frames = 0;  // frames handed to on_frame
  int64_t packets_sent = 0;     // packets given to the decoder
  int64_t packets_skipped = 0;  // non-reference / intra packets not decoded (not wanted)
  int64_t seeks = 0;
  int64_t corrupt_packets = 0;  // packets the decoder rejected
  int64_t corrupt_frames = 0;   // frames the decoder flagged as damaged (concealed)
  int64_t missing_frames = 0;   // wanted frames that never came out (answered by a neighbour)
  int64_t unmapped_frames = 0;  // decoded frames whose pts is not in the packet index
  std::string strategy;         // "seek", "sequential", "keyframes" (approximate), "output order"
  std::string color_matrix;     // matrix applied to the last frame: bt601, bt709, bt2020 ...
  std::vector<int64_t> approximate_from;  // approximate mode: requested index per frame
  // Damage showed under frame threads (sdk/src/decode_walk.cpp): the read went on with one thread from
  // this frame (a keyframe, or 0: from the start), and why. -1: it did not.
  int64_t restart_from = -1;
  std::string restart_reason;
};

class FfmpegBackend;

// Decodes the wanted frames of one input: the walk (vidpipe/sdk/decoder_backend.hpp:
// decode_frames) over the FFmpeg backend (ffmpeg_backend.hpp). Not thread-safe; one reader per
// call.
class FrameReader {
 public:
  // Opens `input` with `io` (kept for every reopen: whitelists, size cap, deadline). `index`:
  // the prober's packet index of this input, or null: built on first read by demuxing the whole
  // stream once. `bytes`: the input's bytes as the prober read them (VideoInfo::bytes), or null:
  // an http(s), base64 or stdin input is then read once here, for every reopen.
  explicit FrameReader(std::string input, InputOptions io = {},
                       std::shared_ptr<const PacketIndex> index = nullptr,
                       std::shared_ptr<const InputBytes> bytes = nullptr);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  const std::string& input() const { return input_; }
  int width() const;   // coded size, before rotation
  int height() const;
  int rotation() const;

  // Calls `on_frame` for each of `indices` (ascending, presentation order, duplicates allowed),
  // decoding only what they need (see ReadOptions::seek_mode). Stops after the last wanted
  // frame or when on_frame returns false. A wanted frame that does not decode is answered by its
  // nearest decodable neighbour and counted in missing_frames. Throws vidpipe::Error if a wanted
  // index is beyond the index's frames, or on a limit / on_decode_error=fail. Frames, counts and errors are those of
  // a single-threaded decode whatever opt.threads, as far as FFmpeg shows damage (sdk/src/decode_walk.cpp).
  ReadStats read(const std::vector<int64_t>& indices, const ReadOptions& opt,
                 const std::function<bool(FramePtr)>& on_frame);

 private:
  std::string input_;
  std::unique_ptr<FfmpegBackend> backend_;
};

}  // namespace vidpipe::av
