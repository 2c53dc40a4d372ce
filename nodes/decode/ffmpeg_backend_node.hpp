// decode.ffmpeg's backend: av::FfmpegBackend (vidpipe/media/ffmpeg_backend.hpp) with the
// fused_resize parameter (ffmpeg_backend_node.cpp); every call is the FFmpeg backend's.
#pragma once

#include <array>

#include <vidpipe/media/ffmpeg_backend.hpp>

namespace vidpipe::nodes::decode {

class FusedFfmpegBackend final : public DecoderBackend {
 public:
  static DecoderBackendSpec backend_spec();  // FfmpegBackend's, plus fused_resize
  explicit FusedFfmpegBackend(const Params& p);

  BackendCaps open(const BackendOpen& how) override { return inner_.open(how); }
  std::shared_ptr<const PacketIndex> index() const override { return inner_.index(); }
  void want(const std::vector<int64_t>& targets, bool keyframes_only) override { inner_.want(targets, keyframes_only); }
  int64_t seek(int64_t key) override { return inner_.seek(key); }
  void rewind() override { inner_.rewind(); }
  BackendCaps new_decoder(int threads) override { return inner_.new_decoder(threads); }
  int next(Picture& out) override { return inner_.next(out); }
  std::shared_ptr<Frame> frame() override { return inner_.frame(); }
  bool troubled() const override { return inner_.troubled(); }
  DecoderCounters counters() const override { return inner_.counters(); }
  void restore(const DecoderCounters& c) override { inner_.restore(c); }
  std::string stop_reason() const override { return inner_.stop_reason(); }
  json note() const override;  // "fused_resize" first, then the FFmpeg backend's facts

 private:
  av::FfmpegBackend inner_;
  std::array<int, 2> fused_{0, 0};  // {height, width} when fused
};

}  // namespace vidpipe::nodes::decode
