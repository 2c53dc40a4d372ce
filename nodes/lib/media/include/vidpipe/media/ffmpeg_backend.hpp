// The FFmpeg decoder backend (decoder_backend.hpp): the codec work of decode.ffmpeg. Pictures
// are found by the prober's packet index (VideoInfo::index; built here by demuxing once when
// the prober did not), handed out as decoded when opened `native` (native_frame.hpp), else
// converted to packed RGB24 exactly as `ffmpeg -pix_fmt rgb24` converts
// them (rgb_converter.hpp) and turned upright as the CLI's autorotate turns them
// (orientation.hpp). The walk (vidpipe/sdk decode_frames) decides what to decode.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <vidpipe/sdk/decoder_backend.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>

namespace vidpipe::av {

class InputData;
class RgbConverter;
struct Decoder;

class FfmpegBackend final : public DecoderBackend {
 public:
  // decode.ffmpeg's own parameters: color_matrix, skip_nonref, pixel_format and how inputs are read
  // (input_source.hpp: declare_input_params). Rank primary, any video container.
  static DecoderBackendSpec backend_spec();
  explicit FfmpegBackend(const Params& p);
  // `settings`: color_matrix, skip_nonref and input
  // (how inputs are opened, deadline and cancel hook included, kept as given); the rest comes
  // from open().
  explicit FfmpegBackend(ReadOptions settings);
  ~FfmpegBackend() override;

  // Opens `input` now, so that a bad input fails here (FrameReader's constructor). open() then
  // uses it for its first walk. `index`, `bytes`: as in VideoInfo (null: built / read here).
  void attach(const std::string& input, std::shared_ptr<const PacketIndex> index,
              std::shared_ptr<const InputBytes> bytes);
  // Settings for the next walk (FrameReader::read): color_matrix, skip_nonref, max_pixels.
  void configure(const ReadOptions& settings);
  int width() const;   // coded size, before rotation (after attach or open)
  int height() const;
  int rotation() const { return orient_.rotation; }
  const std::string& color_matrix_used() const;  // the matrix applied to the last frame

  BackendCaps open(const BackendOpen& how) override;
  std::shared_ptr<const PacketIndex> index() const override { return index_; }
  void want(const std::vector<int64_t>& targets, bool keyframes_only) override;
  int64_t seek(int64_t key) override;
  void rewind() override;
  BackendCaps new_decoder(int threads) override;
  int next(Picture& out) override;
  std::shared_ptr<Frame> frame() override;
  bool troubled() const override;
  DecoderCounters counters() const override;
  void restore(const DecoderCounters& c) override;
  std::string stop_reason() const override;
  json note() const override;

 private:
  void reopen();
  int choose(AVPacket* p);

  ReadOptions opt_;       // settings + what open() was given
  std::string input_;
  FormatPtr fmt_;
  int stream_ = -1;
  Orientation orient_;
  Orient op_ = Orient::None;
  std::shared_ptr<const PacketIndex> index_;
  std::shared_ptr<InputData> data_;  // non-file inputs: their bytes (input_data.hpp)
  bool used_ = false;                // a second open() reopens the input
  bool from_params_ = false;         // open() sets how inputs are read (else: as constructed)
  std::unique_ptr<Decoder> d_;
  ReadStats counts_;                 // what the Decoder counts (its stats)
  std::unique_ptr<RgbConverter> rgb_;
  FrameBuffer scratch_;              // the converter's output before it is turned upright
  bool native_ = false;              // pixel_format native: planar frames as decoded
  std::array<int64_t, 2> native_counts_{0, 0};  // native frames handed out zero-copy, copied
  // Facts of the stream for the current walk.
  bool usable_ = false, approximate_ = false, intra_only_ = false, nonref_ok_ = false;
  std::unordered_set<int64_t> want_pts_;
  int64_t start_ = 0, ordinal_ = 0;  // ordinal_: pictures out since the start or a seek
  double time_base_ = 0, rate_ = 0;  // seconds per tick, frames per second (0: unknown)
};

}  // namespace vidpipe::av
