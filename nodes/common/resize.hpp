// Antialiased bicubic resize identical (or within 1 LSB) to
// torchvision.transforms.functional.resize(uint8 tensor, [h, w], BICUBIC, antialias=True) of
// torchvision 0.14 / torch 1.13, which is what qwen-vl-utils uses on decoded video frames.
#pragma once

#include <cstdint>
#include <vector>

namespace vidpipe::ref {

// Filter taps of one axis (in -> out), computed once per size pair and reusable.
struct AxisWeights {
  int in = 0, out = 0, taps = 0;   // taps = stride of `weights` per output sample
  std::vector<int> first, count;   // source window of each output sample
  std::vector<float> weights;      // out * taps, normalised, zero-padded
};
AxisWeights bicubic_aa_weights(int in_size, int out_size);

// Precomputed resizer for one (src size -> dst size) pair; thread-safe to call concurrently.
class BicubicAAResizer {
 public:
  BicubicAAResizer(int src_w, int src_h, int dst_w, int dst_h);
  // src: src_h rows of src_w * channels bytes, `src_stride` bytes apart (interleaved pixels);
  // dst: tightly packed dst_h rows of dst_w * channels bytes. Rows run in parallel (oneTBB).
  void run(const uint8_t* src, int src_stride, uint8_t* dst, int channels) const;
  int src_w() const { return sw_; }
  int src_h() const { return sh_; }
  int dst_w() const { return dw_; }
  int dst_h() const { return dh_; }

 private:
  int sw_, sh_, dw_, dh_;
  AxisWeights horizontal_, vertical_;
};

// One-shot form. Same size -> plain copy.
void resize_antialias_bicubic(const uint8_t* src, int sw, int sh, int src_stride, uint8_t* dst,
                              int dw, int dh, int channels);

}  // namespace vidpipe::ref
