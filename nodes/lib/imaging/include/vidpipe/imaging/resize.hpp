// Separable antialiased resize kernels.
//
// Filter::Bicubic is identical (or within 1 LSB) to
// torchvision.transforms.functional.resize(uint8 tensor, [h, w], BICUBIC, antialias=True) of
// torchvision 0.14 / torch 1.13, which is what qwen-vl-utils uses on decoded video frames.
// Filter::Bilinear is torchvision's BILINEAR antialias=True (triangle filter, support scaled by
// the downscale factor), same float32 recipe. Filter::Area is a box filter weighting each source
// pixel by its overlap with the output pixel's footprint: OpenCV's INTER_AREA when downscaling
// (= torch's "area"/adaptive_avg_pool for integer ratios); an axis that is upscaled uses the
// bilinear triangle instead (INTER_AREA also interpolates there).
//
// All filters run through the same kernel: precomputed per-axis taps, the horizontal pass on
// blocks of 8 rows at once (rows transposed into float lanes so each tap is one SIMD multiply
// and add, in torch's per-output order), the vertical pass vectorised along rows; both passes
// split rows over oneTBB workers.
#pragma once

#include <cstdint>
#include <vector>

namespace vidpipe::ref {

enum class Filter : uint8_t { Bicubic, Bilinear, Area };

// Filter taps of one axis (in -> out), computed once per size pair and reusable.
struct AxisWeights {
  int in = 0, out = 0, taps = 0;   // taps = stride of `weights` per output sample
  std::vector<int> first, count;   // source window of each output sample
  std::vector<float> weights;      // out * taps, normalised, zero-padded
};
AxisWeights aa_weights(int in_size, int out_size, Filter filter);
inline AxisWeights bicubic_aa_weights(int in_size, int out_size) {
  return aa_weights(in_size, out_size, Filter::Bicubic);
}

// Precomputed resizer for one (src size -> dst size) pair; thread-safe to call concurrently.
class SeparableResizer {
 public:
  SeparableResizer(int src_w, int src_h, int dst_w, int dst_h, Filter filter = Filter::Bicubic);
  // src: src_h rows of src_w * channels bytes, `src_stride` bytes apart (interleaved pixels);
  // dst: dst_h rows of dst_w * channels bytes, `dst_stride` apart (0: tightly packed). Only
  // those bytes are read and written. Rows run in parallel (oneTBB).
  void run(const uint8_t* src, int src_stride, uint8_t* dst, int channels, int dst_stride = 0) const;
  // The same for three planes of src_w x src_h (e.g. Y, U, V) filtered as one 3-channel image;
  // dst rows are row-planar: dst_w samples of plane 0, then of plane 1, then of plane 2.
  void run_planar(const uint8_t* const planes[3], const int strides[3], uint8_t* dst) const;
  int src_w() const { return sw_; }
  int src_h() const { return sh_; }
  int dst_w() const { return dw_; }
  int dst_h() const { return dh_; }
  Filter filter() const { return filter_; }

 private:
  void run_impl(const uint8_t* src, int src_stride, const uint8_t* const* planes, const int* plane_strides,
                uint8_t* dst, int dst_stride, int channels) const;
  int sw_, sh_, dw_, dh_;
  Filter filter_;
  AxisWeights horizontal_, vertical_;
};
using BicubicAAResizer = SeparableResizer;

// Tests: run the portable (SSE2) passes even on an AVX2+FMA CPU (process-wide; same results).
void use_portable_kernels(bool on);
// Whether the AVX2 paths run: the CPU has AVX2 and FMA, and use_portable_kernels is off.
bool avx2_kernels();

// One-shot forms. Same size -> plain copy.
void resize_separable(const uint8_t* src, int sw, int sh, int src_stride, uint8_t* dst, int dw,
                      int dh, int channels, Filter filter);
inline void resize_antialias_bicubic(const uint8_t* src, int sw, int sh, int src_stride,
                                     uint8_t* dst, int dw, int dh, int channels) {
  resize_separable(src, sw, sh, src_stride, dst, dw, dh, channels, Filter::Bicubic);
}

}  // namespace vidpipe::ref
