// Fused colour conversion + resize for planar 8-bit YUV (the "fast" path: process.convert_scale
// mode fast, graphs/qwen2_5_vl_fast.yaml): each plane is resized straight to the output
// size with the antialiased kernel of resize.hpp (Y from full size, U and V from their
// subsampled size), and only then converted to RGB, at output size.
//
// Why it is close to the reference: YUV -> RGB is affine and the resize weights sum to 1, so
// resizing before or after the conversion gives the same values up to clamping and rounding;
// what differs is chroma (the reference's conversion repeats each chroma sample over its 2x2
// luma block, centred; here it is filtered from its own plane: smoother, also centred - sited
// at the left, as MPEG-2 chroma is, measured worse against the reference) and where the
// kernel's overshoot is clamped (in YUV here, in RGB there). Why it is fast: it reads 1.5 bytes
// per source pixel instead of 3, skips the full-size RGB frame and its conversion, and filters
// the chroma planes at their own size.
//
// Accuracy, measured against torchvision on the ffmpeg CLI's RGB (bench/resize.py, 4:2:0):
// ~46 dB PSNR on smooth content (testsrc2 1080p, mandelbrot 4K), 35.6-40 dB on a 1-pixel
// cellular automaton (cellauto rule 30; 1080p and 4K, shrunk 2.9x to 9.5x), and 29.3 dB worst
// case (life, 1-pixel cells, 4K -> 812x448), where what remains is the clamping order (chroma
// upsampled first measures the same). Luma is not box pre-reduced: a 2x box before the kernel
// (Pillow's `reducing_gap`, reduce_luma = true) cost 23.1 dB on cellauto 1080p -> 644x336 and
// 28.9 dB on 4K -> 812x448, for 1.1-1.25x the throughput. Speed: about 1.8-2.2x the frames/s of
// conversion + exact resize on all cores.
#pragma once

#include <cstdint>
#include <optional>

#include <vidpipe/imaging/fast_resize.hpp>
#include <vidpipe/imaging/resize.hpp>

namespace vidpipe::ref {

// Y'CbCr -> R'G'B' coefficients: kr, kb of the matrix, and the range of the input.
struct YuvMatrix {
  double kr = 0.299, kb = 0.114;  // BT.601
  bool full_range = false;        // false: Y 16..235, C 16..240 (MPEG); true: 0..255 (JPEG)
  static YuvMatrix bt601(bool full) { return {0.299, 0.114, full}; }
  static YuvMatrix bt709(bool full) { return {0.2126, 0.0722, full}; }
  static YuvMatrix bt2020(bool full) { return {0.2627, 0.0593, full}; }
};

class YuvResizer {
 public:
  // src_w x src_h luma; chroma planes are subsampled by 2^chroma_shift_x / 2^chroma_shift_y
  // (rounded up, as FFmpeg sizes them): 4:2:0 = (1, 1), 4:2:2 = (1, 0), 4:4:4 = (0, 0).
  // reduce_luma true: where luma shrinks 2x or more along an axis, a 2-tap box along it first
  // (the path before; bench/resize.py measures it against the default).
  YuvResizer(int src_w, int src_h, int chroma_shift_x, int chroma_shift_y, int dst_w, int dst_h,
             Filter filter = Filter::Bicubic, bool reduce_luma = false);
  // planes/strides: Y, U (Cb), V (Cr). dst: dst_h rows of dst_w * 3 bytes, dst_stride apart.
  // Thread-safe; rows run in parallel (oneTBB).
  void run(const uint8_t* const planes[3], const int strides[3], const YuvMatrix& m, uint8_t* dst,
           int dst_stride) const;

 private:
  // Filters planes of one size as one packed Y,U,V image (3 channels); else plane by plane.
  void run_packed(const uint8_t* const planes[3], const int strides[3], uint8_t* yuv) const;
  void run_planes(const uint8_t* const planes[3], const int strides[3], uint8_t* yuv) const;

  int sw_, sh_, cw_, ch_, dw_, dh_;
  bool reduce_x_, reduce_y_;  // luma box pre-reduction by 2 along x / y (reduce_luma only)
  bool packed_;               // reduced luma has the chroma planes' size
  std::optional<SeparableResizer> chroma_;  // the chroma planes' size (packed_: all three planes)
  std::optional<FastResizer> luma_;         // plane-by-plane path only, with pre-reduction
  std::optional<SeparableResizer> luma_exact_;  // plane-by-plane path only, without
};

}  // namespace vidpipe::ref
