#include "common/sws_resize.hpp"

#include <cstring>
#include <string>

extern "C" {
#include <libswscale/swscale.h>
}

#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

SwsResizer::SwsResizer(int src_w, int src_h, int dst_w, int dst_h, int channels)
    : sw_(src_w), sh_(src_h), dw_(dst_w), dh_(dst_h), channels_(channels) {
  if (src_w <= 0 || src_h <= 0 || dst_w <= 0 || dst_h <= 0) throw Error("resize: sizes must be positive");
  if (channels != 3 && channels != 1) throw Error("resize: fast mode needs 1 or 3 channels");
}

SwsResizer::~SwsResizer() {
  for (SwsContext* c : free_) sws_freeContext(c);
}

SwsContext* SwsResizer::acquire() const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      SwsContext* c = free_.back();
      free_.pop_back();
      return c;
    }
  }
  const AVPixelFormat fmt = channels_ == 3 ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_GRAY8;
  SwsContext* c = sws_getContext(sw_, sh_, fmt, dw_, dh_, fmt,
                                 SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP,
                                 nullptr, nullptr, nullptr);
  if (!c)
    throw Error("swscale cannot resize " + std::to_string(sw_) + "x" + std::to_string(sh_) + " to " +
                std::to_string(dw_) + "x" + std::to_string(dh_), "use mode exact");
  return c;
}

void SwsResizer::release(SwsContext* c) const {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(c);
}

void SwsResizer::run(const uint8_t* src, int src_stride, uint8_t* dst) const {
  if (sw_ == dw_ && sh_ == dh_) {
    for (int y = 0; y < sh_; ++y)
      std::memcpy(dst + static_cast<std::size_t>(y) * dw_ * channels_, src + static_cast<std::ptrdiff_t>(y) * src_stride,
                  static_cast<std::size_t>(dw_) * channels_);
    return;
  }
  SwsContext* c = acquire();
  const uint8_t* in[4] = {src, nullptr, nullptr, nullptr};
  int in_stride[4] = {src_stride, 0, 0, 0};
  uint8_t* out[4] = {dst, nullptr, nullptr, nullptr};
  int out_stride[4] = {dw_ * channels_, 0, 0, 0};
  sws_scale(c, in, in_stride, 0, sh_, out, out_stride);
  release(c);
}

}  // namespace vidpipe::ref
