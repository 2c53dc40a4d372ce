// A decoder backend for tests (test plugins *_backend.cpp): grey pictures of the probed size, one
// per frame of the input, failing where its plugin says. Frame i is the i-th picture (no index).
#pragma once

#include <cstring>

#include <vidpipe/sdk/plugin.hpp>

namespace vptest {

enum class Fails { AtOpen, AfterOneFrame, WithALimit };

template <Fails kFails>
class TestBackend final : public vidpipe::DecoderBackend {
 public:
  explicit TestBackend(const vidpipe::Params&) {}
  vidpipe::BackendCaps open(const vidpipe::BackendOpen& how) override {
    info_ = how.info;
    if (kFails == Fails::AtOpen) throw vidpipe::Error("this test backend always fails at open", "the test backend's hint");
    if (kFails == Fails::WithALimit) throw vidpipe::LimitError("this test backend hit a limit", "a limit's hint");
    return {};
  }
  void rewind() override { made_ = 0; }
  vidpipe::BackendCaps new_decoder(int) override { return {}; }
  int next(vidpipe::Picture& out) override {
    if (kFails == Fails::AfterOneFrame && made_ >= 1) throw vidpipe::Error("this test backend fails after one frame");
    if (made_ >= info_->frame_count) return 0;
    out.seconds = static_cast<double>(made_++) / (info_->fps > 0 ? info_->fps : 1);
    return 1;
  }
  std::shared_ptr<vidpipe::Frame> frame() override {
    vidpipe::FrameBuffer fb = vidpipe::make_frame(info_->width, info_->height);
    std::memset(fb.pixels, 128, static_cast<std::size_t>(fb.frame->stride) * info_->height);
    return fb.frame;
  }

 private:
  vidpipe::InfoPtr info_;
  int64_t made_ = 0;
};

// Registers TestBackend<kFails> as backend `name` of rank `rank` (any video).
template <Fails kFails>
void add_test_backend(vidpipe::Registry& r, const char* name, int rank) {
  vidpipe::DecoderBackendSpec spec;
  spec.contract = vidpipe::NodeSpec(std::string("decode.") + name, "a decoder backend for tests");
  spec.contract.flag("test_flag", false, "a parameter of the test backend");
  spec.rank = rank;
  r.add_decoder_backend(spec, [](const vidpipe::Params& p) -> std::unique_ptr<vidpipe::DecoderBackend> {
    return std::make_unique<TestBackend<kFails>>(p);
  });
}

}  // namespace vptest
