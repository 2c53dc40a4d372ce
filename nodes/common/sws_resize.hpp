// "fast" resize: FFmpeg's swscale bicubic scaler on interleaved 8-bit frames. No antialiasing
// filter of torch's kind (swscale widens its filter when downscaling, so it does antialias,
// but with its own kernel and fixed-point arithmetic): measured against torchvision in
// bench/resize.py. Contexts are pooled per size pair; safe to call concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

struct SwsContext;

namespace vidpipe::ref {

class SwsResizer {
 public:
  // channels: 3 (RGB/BGR, handled alike) or 1 (gray).
  SwsResizer(int src_w, int src_h, int dst_w, int dst_h, int channels);
  ~SwsResizer();
  SwsResizer(const SwsResizer&) = delete;
  SwsResizer& operator=(const SwsResizer&) = delete;
  // dst: tightly packed rows.
  void run(const uint8_t* src, int src_stride, uint8_t* dst) const;

 private:
  SwsContext* acquire() const;
  void release(SwsContext* c) const;
  int sw_, sh_, dw_, dh_, channels_;
  mutable std::mutex mutex_;
  mutable std::vector<SwsContext*> free_;
};

}  // namespace vidpipe::ref
