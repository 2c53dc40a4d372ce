// FFmpeg demuxing and decoding shared by the probe.ffmpeg and decode.ffmpeg nodes.
//
// Two jobs: `probe` learns a video's facts without decoding pixels (frame count by demuxing,
// because header counts lie), and `FrameReader` decodes from the start and hands out the
// frames at wanted presentation indices as packed RGB24, converted exactly as
// `ffmpeg -i V -pix_fmt rgb24` converts them (same swscale flags and colour details), and
// rotated the way the CLI's autorotate rotates them.
//
// Inputs are local paths or file:// URLs only; remote inputs are fetched elsewhere, so FFmpeg
// never opens a network protocol or a playlist format (see users-and-security.md §2).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <vidpipe/sdk/data.hpp>
#include <vidpipe/sdk/error.hpp>

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

inline constexpr int64_t kDefaultMaxPixels = 8192LL * 8192;

// av_strerror text for an AVERROR code.
std::string error_text(int err);

// The local file path an input names ("/a/b.mp4", "b.mp4", "file:///a/b.mp4"); throws
// vidpipe::Error for anything else (http, pipes, other protocols) or a missing file.
std::string local_path(const std::string& input);

// Opens a local input with only the file protocol and real container formats allowed, and
// reads the stream headers. Throws vidpipe::Error naming `input`.
FormatPtr open_input(const std::string& input);

// Index of the best video stream; throws "no video stream".
int best_video_stream(AVFormatContext* fmt, const std::string& input);

// How the ffmpeg CLI's autorotate turns a decoded picture upright.
enum class Orient : uint8_t { None, Clock, CClock, ClockFlip, CClockFlip, HFlip, VFlip, Rot180 };
struct Orientation {
  int rotation = 0;  // clockwise degrees: 0, 90, 180, 270
  Orient op = Orient::None;
};
Orientation orientation_of(const AVStream* st);

struct ProbeOptions {
  bool count_packets = true;  // count packets even when the header states nb_frames
  int64_t max_pixels = kDefaultMaxPixels;
};

VideoInfo probe(const std::string& input, const ProbeOptions& opt = {});

struct ReadOptions {
  std::string color_matrix = "auto";  // "auto" (as the CLI: honour tags), "bt601", "bt709"
  bool autorotate = true;
  int threads = 0;  // decoder threads, 0 = auto
  int64_t max_pixels = kDefaultMaxPixels;
  // Polled once per packet; returning true stops reading early without an error (so a sparse
  // plan on a long video can still be abandoned between wanted frames).
  std::function<bool()> cancelled;
};

struct ReadStats {
  int64_t decoded_frames = 0;   // frames the decoder produced
  int64_t returned_frames = 0;  // frames handed to on_frame
  std::string color_matrix;     // matrix applied to the last frame: bt601, bt709, bt2020 ...
};

// Sequential decoder for one input. Not thread-safe; one reader per call.
class FrameReader {
 public:
  explicit FrameReader(std::string input);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  const std::string& input() const { return input_; }
  int width() const;   // coded size, before rotation
  int height() const;
  int rotation() const { return orient_.rotation; }

  // Decodes from the first frame and calls `on_frame` for each of `indices` (ascending,
  // presentation order, duplicates allowed). Stops after the last wanted frame or when
  // on_frame returns false. Throws vidpipe::Error if the video ends first.
  ReadStats read(const std::vector<int64_t>& indices, const ReadOptions& opt,
                 const std::function<bool(FramePtr)>& on_frame);

 private:
  std::string input_;
  FormatPtr fmt_;
  int stream_ = -1;
  Orientation orient_;
  bool used_ = false;  // a second read() reopens the input
};

}  // namespace vidpipe::av
