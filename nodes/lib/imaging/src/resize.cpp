// Port of torch 1.13's CPU antialiased interpolation (aten/src/ATen/native/cpu/UpSampleKernel.cpp,
// separable_upsample_generic_Nd_kernel_impl) as torchvision 0.14 calls it on a uint8 image:
//   * the image is cast to float32; the horizontal pass runs first (when widths differ) into a
//     float32 buffer, then the vertical pass (when heights differ);
//   * weights in float32: scale = in/out, support = (interp_size/2)*max(scale,1) (cubic: 4,
//     linear: 2), centre = scale*(i+0.5), filter evaluated at
//     (j + xmin - centre + 0.5) / max(scale,1), normalised;
//   * each output is w0*s0 + w1*s1 + ... accumulated in order in float32;
//   * then clamp to [0, 255] and round half to even (torch.round) into uint8.
// Debian's torch runs its AVX2 kernel built by GCC with FMA contraction: the filter and the
// vertical pass use fused multiply-adds here too (hardware FMA where the CPU has it, std::fma
// otherwise: same result); the horizontal pass measured closest without.
//
// Speed (same results as the scalar loops): the horizontal pass works on blocks of 8 source
// rows transposed into float lanes ([column*C + channel][row]); every tap of an output sample is
// then one 8-wide multiply and add in the same order as torch. Zero-padded taps are not
// visited. The vertical pass runs along whole rows (contiguous, vectorised). Both passes are
// split over rows with oneTBB.
#include <vidpipe/imaging/resize.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>

#include <immintrin.h>
#include <tbb/parallel_for.h>

#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

namespace {

// Keys cubic, a = -0.5, in the exact form of torch 1.13's HelperInterpCubic::aa_filter<float>
// (copied from Pillow): the |x| < 1 branch is evaluated in double because `a` is a double
// literal, the 1 <= |x| < 2 branch in float with GCC's fused multiply-adds, times a in double.
float cubic_aa_filter(float x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0f) {
    const double xd = x;
    return static_cast<float>(std::fma(std::fma(a + 2.0, xd, -(a + 3.0)) * xd, xd, 1.0));
  }
  if (x < 2.0f) return static_cast<float>(std::fmaf(std::fmaf(x - 5, x, 8), x, -4) * a);
  return 0.0f;
}

// torch 1.13 HelperInterpLinear::aa_filter<float>: 1 - |x| (double literal: computed in double).
float linear_aa_filter(float x) {
  if (x < 0.0f) x = -x;
  if (x < 1.0f) return static_cast<float>(1.0 - x);
  return 0.0f;
}

// uint8 of clamp(v, 0, 255) rounded half to even (the 2^23 trick rounds in the current mode,
// i.e. to nearest even).
[[gnu::always_inline]] inline uint8_t to_u8(float v) {
  v = std::min(std::max(v, 0.0f), 255.0f);
  return static_cast<uint8_t>((v + 8388608.0f) - 8388608.0f);
}

constexpr int kLanes = 8;  // rows per horizontal block
typedef float v8f __attribute__((vector_size(32)));

struct Pass {
  const AxisWeights* hw;  // horizontal weights, null when widths are equal
  const AxisWeights* vw;  // vertical weights, null when heights are equal
  const uint8_t* src;
  int src_stride, channels, src_h;
  const uint8_t* const* planes;  // planar 3-channel input instead of src (run_planar), else null
  const int* plane_strides;
  float* tmp;  // sh x (dw * channels)
  uint8_t* dst;
  std::ptrdiff_t dst_stride;
};

// lanes[i * step][r] = float(rows[r][i]) for from <= i < n: the scalar form.
[[gnu::always_inline]] inline void transpose_scalar(const uint8_t* const rows[kLanes], int from, int n, v8f* lanes,
                                                    int step) {
  for (int i = from; i < n; ++i) {
    v8f v = {static_cast<float>(rows[0][i]), static_cast<float>(rows[1][i]), static_cast<float>(rows[2][i]),
             static_cast<float>(rows[3][i]), static_cast<float>(rows[4][i]), static_cast<float>(rows[5][i]),
             static_cast<float>(rows[6][i]), static_cast<float>(rows[7][i])};
    lanes[i * step] = v;
  }
}

// The same with AVX2, 16 columns at a time: an 8x16 byte transpose by unpacking (bytes, then
// pairs, then quads), then 8 bytes -> 8 floats per column. Exact (integers convert exactly).
__attribute__((target("avx2"))) void transpose_avx2(const uint8_t* const rows[kLanes], int n, v8f* lanes, int step) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i r[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[k] + i));
    __m128i a[8], b[8];
    for (int k = 0; k < 4; ++k) {
      a[2 * k] = _mm_unpacklo_epi8(r[2 * k], r[2 * k + 1]);      // rows 2k,2k+1: columns 0..7
      a[2 * k + 1] = _mm_unpackhi_epi8(r[2 * k], r[2 * k + 1]);  // columns 8..15
    }
    b[0] = _mm_unpacklo_epi16(a[0], a[2]), b[1] = _mm_unpackhi_epi16(a[0], a[2]);  // rows 0-3
    b[2] = _mm_unpacklo_epi16(a[1], a[3]), b[3] = _mm_unpackhi_epi16(a[1], a[3]);
    b[4] = _mm_unpacklo_epi16(a[4], a[6]), b[5] = _mm_unpackhi_epi16(a[4], a[6]);  // rows 4-7
    b[6] = _mm_unpacklo_epi16(a[5], a[7]), b[7] = _mm_unpackhi_epi16(a[5], a[7]);
    for (int k = 0; k < 4; ++k) {  // b[k]: 4 columns of rows 0-3; b[k + 4]: same columns, rows 4-7
      const __m128i lo = _mm_unpacklo_epi32(b[k], b[k + 4]);  // columns 4k, 4k+1 (8 rows each)
      const __m128i hi = _mm_unpackhi_epi32(b[k], b[k + 4]);  // columns 4k+2, 4k+3
      const __m128i cols[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
      for (int j = 0; j < 4; ++j) {
        const __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(cols[j]));
        _mm256_storeu_ps(reinterpret_cast<float*>(&lanes[(i + 4 * k + j) * step]), f);
      }
    }
  }
  transpose_scalar(rows, i, n, lanes, step);
}

// Horizontal pass for the block of source rows [y0, y0 + 8) (clipped to the image) into tmp.
// torch's horizontal loop was measured to add plain products (no FMA) except in rare cases, so
// products are rounded before the add here (fp-contract=off keeps the compiler from fusing
// them when built with -mfma; the avx2 build has no FMA instructions to fuse with).
template <bool Avx2>
[[gnu::always_inline]] inline void horizontal_block_impl(const Pass& p, int y0, v8f* lanes) {
  const int C = p.channels;
  const AxisWeights& a = *p.hw;
  const int rows = std::min(kLanes, p.src_h - y0);
  const int n = a.in * C;
  // Transpose + convert: lanes[i][r] = src[y0 + r][i] (planar: lanes[x * 3 + c][r] =
  // plane c[y0 + r][x]). Missing rows repeat the last one.
  const int planes = p.planes ? C : 1;
  for (int c = 0; c < planes; ++c) {
    const uint8_t* base = p.planes ? p.planes[c] : p.src;
    const int stride = p.planes ? p.plane_strides[c] : p.src_stride;
    const uint8_t* r8[kLanes];
    for (int r = 0; r < kLanes; ++r) r8[r] = base + static_cast<std::ptrdiff_t>(y0 + std::min(r, rows - 1)) * stride;
    if constexpr (Avx2) transpose_avx2(r8, n / planes, lanes + c, planes);
    else transpose_scalar(r8, 0, n / planes, lanes + c, planes);
  }
  const std::ptrdiff_t out_row = static_cast<std::ptrdiff_t>(a.out) * C;
  float* t0 = p.tmp + static_cast<std::ptrdiff_t>(y0) * out_row;
  for (int x = 0; x < a.out; ++x) {
    const float* w = &a.weights[static_cast<std::size_t>(x) * a.taps];
    const v8f* sx = lanes + static_cast<std::ptrdiff_t>(a.first[x]) * C;
    const int cnt = a.count[x];
    for (int c = 0; c < C; ++c) {
      v8f acc = sx[c] * w[0];
      for (int k = 1; k < cnt; ++k) {
        const v8f prod = sx[k * C + c] * w[k];
        acc = acc + prod;
      }
      float* t = p.planes ? t0 + c * a.out + x : t0 + x * C + c;  // planar input: row-planar out
      for (int r = 0; r < rows; ++r) t[r * out_row] = acc[r];
    }
  }
}

// Vertical pass for output rows [y0, y1) from rows of `in` (floats or bytes) into dst.
template <class T>
[[gnu::always_inline]] inline void vertical_rows(const Pass& p, const T* in, std::ptrdiff_t in_stride,
                                                 int row_len, int y0, int y1) {
  const AxisWeights& a = *p.vw;
  std::vector<float> acc(static_cast<std::size_t>(row_len));
  for (int y = y0; y < y1; ++y) {
    const float* w = &a.weights[static_cast<std::size_t>(y) * a.taps];
    const T* r0 = in + static_cast<std::ptrdiff_t>(a.first[y]) * in_stride;
    for (int i = 0; i < row_len; ++i) acc[i] = static_cast<float>(r0[i]) * w[0];
    for (int k = 1; k < a.count[y]; ++k) {  // row at a time: same per-element order, vectorises
      const T* r = r0 + k * in_stride;
      const float wk = w[k];
      for (int i = 0; i < row_len; ++i) acc[i] = __builtin_fmaf(static_cast<float>(r[i]), wk, acc[i]);
    }
    uint8_t* d = p.dst + y * p.dst_stride;
    for (int i = 0; i < row_len; ++i) d[i] = to_u8(acc[i]);
  }
}

// Two builds of each pass: AVX2 (+ hardware FMA for the vertical pass) and portable (SSE2,
// libm fmaf: slower, same results).
#define VIDPIPE_PASSES(SUFFIX, VATTR, HATTR, AVX2)                                             \
  HATTR __attribute__((optimize("fp-contract=off"))) void horizontal_##SUFFIX(                  \
      const Pass& p, int y0, v8f* lanes) {                                                      \
    horizontal_block_impl<AVX2>(p, y0, lanes);                                                  \
  }                                                                                             \
  VATTR void vertical_f_##SUFFIX(const Pass& p, const float* in, std::ptrdiff_t st, int n,     \
                                 int y0, int y1) {                                              \
    vertical_rows(p, in, st, n, y0, y1);                                                       \
  }                                                                                             \
  VATTR void vertical_u8_##SUFFIX(const Pass& p, const uint8_t* in, std::ptrdiff_t st, int n,  \
                                  int y0, int y1) {                                             \
    vertical_rows(p, in, st, n, y0, y1);                                                       \
  }
VIDPIPE_PASSES(fma, __attribute__((target("avx2,fma"))), __attribute__((target("avx2"))), true)
VIDPIPE_PASSES(generic, , , false)
#undef VIDPIPE_PASSES

std::atomic<bool> portable_only{false};

bool has_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes && !portable_only.load(std::memory_order_relaxed);
}

// Box weights for a downscaled axis: the overlap of source pixel j with [i*scale, (i+1)*scale].
AxisWeights area_weights(int in_size, int out_size) {
  AxisWeights a;
  a.in = in_size;
  a.out = out_size;
  const double scale = static_cast<double>(in_size) / out_size;
  a.taps = static_cast<int>(std::ceil(scale)) + 2;
  a.first.resize(out_size);
  a.count.resize(out_size);
  a.weights.assign(static_cast<std::size_t>(out_size) * a.taps, 0.0f);
  for (int i = 0; i < out_size; ++i) {
    const double x0 = i * scale, x1 = std::min((i + 1) * scale, static_cast<double>(in_size));
    const int j0 = static_cast<int>(std::floor(x0));
    const int j1 = std::min(in_size, static_cast<int>(std::ceil(x1)));
    float* w = &a.weights[static_cast<std::size_t>(i) * a.taps];
    int n = 0;
    for (int j = j0; j < j1; ++j) {
      const double o = std::min<double>(j + 1, x1) - std::max<double>(j, x0);
      w[n++] = static_cast<float>(o / scale);
    }
    a.first[i] = j0;
    a.count[i] = n;
  }
  return a;
}

}  // namespace

void use_portable_kernels(bool on) { portable_only = on; }
bool avx2_kernels() { return has_fma(); }

AxisWeights aa_weights(int in_size, int out_size, Filter filter) {
  if (in_size <= 0 || out_size <= 0) throw Error("resize: sizes must be positive");
  if (filter == Filter::Area && in_size > out_size) return area_weights(in_size, out_size);
  const bool cubic = filter == Filter::Bicubic;
  const double half = cubic ? 2.0 : 1.0;  // interp_size * 0.5
  AxisWeights a;
  a.in = in_size;
  a.out = out_size;
  // Mixed float/double arithmetic below mirrors torch's expressions operand for operand.
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float support = scale >= 1.0f ? static_cast<float>(half * scale) : static_cast<float>(half);
  a.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  const float invscale = scale >= 1.0f ? static_cast<float>(1.0 / scale) : 1.0f;
  a.first.resize(out_size);
  a.count.resize(out_size);
  a.weights.assign(static_cast<std::size_t>(out_size) * a.taps, 0.0f);
  for (int i = 0; i < out_size; ++i) {
    const float center = static_cast<float>(scale * (i + 0.5));
    const int64_t xmin = std::max<int64_t>(static_cast<int64_t>((center - support) + 0.5), 0);
    const int64_t xmax = std::min<int64_t>(static_cast<int64_t>((center + support) + 0.5), in_size);
    const int n = static_cast<int>(xmax - xmin);
    float* w = &a.weights[static_cast<std::size_t>(i) * a.taps];
    float total = 0.0f;
    for (int j = 0; j < n; ++j) {
      const float d = static_cast<float>(j + xmin) - center;
      const float x = static_cast<float>((d + 0.5) * invscale);
      w[j] = cubic ? cubic_aa_filter(x) : linear_aa_filter(x);
      total += w[j];
    }
    if (total != 0.0f)
      for (int j = 0; j < n; ++j) w[j] /= total;
    a.first[i] = static_cast<int>(xmin);
    a.count[i] = n;
  }
  return a;
}

SeparableResizer::SeparableResizer(int src_w, int src_h, int dst_w, int dst_h, Filter filter)
    : sw_(src_w), sh_(src_h), dw_(dst_w), dh_(dst_h), filter_(filter) {
  if (src_w <= 0 || src_h <= 0 || dst_w <= 0 || dst_h <= 0)
    throw Error("resize: sizes must be positive");
  if (dst_w != src_w) horizontal_ = aa_weights(src_w, dst_w, filter);
  if (dst_h != src_h) vertical_ = aa_weights(src_h, dst_h, filter);
}

void SeparableResizer::run(const uint8_t* src, int src_stride, uint8_t* dst, int channels, int dst_stride) const {
  run_impl(src, src_stride, nullptr, nullptr, dst, dst_stride > 0 ? dst_stride : dw_ * channels, channels);
}

void SeparableResizer::run_planar(const uint8_t* const planes[3], const int strides[3], uint8_t* dst) const {
  if (horizontal_.out == 0) {  // only the horizontal pass reads planes: lay rows side by side
    std::unique_ptr<uint8_t[]> rows(new uint8_t[static_cast<std::size_t>(sw_) * sh_ * 3]);
    for (int y = 0; y < sh_; ++y)
      for (int c = 0; c < 3; ++c)
        std::memcpy(&rows[(static_cast<std::size_t>(y) * 3 + c) * sw_], planes[c] + static_cast<std::ptrdiff_t>(y) * strides[c], sw_);
    run_impl(rows.get(), sw_ * 3, nullptr, nullptr, dst, dw_ * 3, 3);  // rows of 3 * sw samples, any layout
    return;
  }
  run_impl(nullptr, 0, planes, strides, dst, dw_ * 3, 3);
}

void SeparableResizer::run_impl(const uint8_t* src, int src_stride, const uint8_t* const* planes,
                                const int* plane_strides, uint8_t* dst, int dst_stride, int channels) const {
  const int C = channels;
  const std::ptrdiff_t out_row = static_cast<std::ptrdiff_t>(dw_) * C;
  const bool hpass = horizontal_.out > 0, vpass = vertical_.out > 0;
  if (!hpass && !vpass) {  // torchvision returns the input unchanged (planar input always has hpass)
    for (int y = 0; y < sh_; ++y)
      std::memcpy(dst + static_cast<std::ptrdiff_t>(y) * dst_stride, src + static_cast<std::ptrdiff_t>(y) * src_stride,
                  out_row);
    return;
  }
  Pass p{hpass ? &horizontal_ : nullptr, vpass ? &vertical_ : nullptr, src, src_stride, C, sh_,
         planes, plane_strides, nullptr, dst, dst_stride};
  const bool fma = has_fma();
  std::unique_ptr<float[]> tmp;
  if (hpass) {
    // Without a vertical pass only the rows are needed; with one, all source rows are (the
    // vertical windows overlap), so the horizontal pass runs over the whole image first.
    tmp.reset(new float[static_cast<std::size_t>(sh_) * out_row]);
    p.tmp = tmp.get();
    const int blocks = (sh_ + kLanes - 1) / kLanes;
    const std::size_t lanes_n = static_cast<std::size_t>(sw_) * C;
    tbb::parallel_for(tbb::blocked_range<int>(0, blocks, 2), [&](const tbb::blocked_range<int>& r) {
      std::unique_ptr<v8f[]> lanes(new v8f[lanes_n]);
      for (int b = r.begin(); b < r.end(); ++b)
        fma ? horizontal_fma(p, b * kLanes, lanes.get()) : horizontal_generic(p, b * kLanes, lanes.get());
    });
    if (!vpass) {  // horizontal result is the output
      const int rows = static_cast<int>(std::max<std::ptrdiff_t>(1, (1 << 16) / out_row));
      tbb::parallel_for(tbb::blocked_range<int>(0, sh_, rows), [&](const tbb::blocked_range<int>& r) {
        for (int y = r.begin(); y < r.end(); ++y) {
          const float* t = p.tmp + y * out_row;
          uint8_t* d = dst + static_cast<std::ptrdiff_t>(y) * dst_stride;
          for (std::ptrdiff_t i = 0; i < out_row; ++i) d[i] = to_u8(t[i]);
        }
      });
      return;
    }
  }
  const int n = static_cast<int>(out_row);
  tbb::parallel_for(tbb::blocked_range<int>(0, dh_, 4), [&](const tbb::blocked_range<int>& r) {
    if (hpass)
      fma ? vertical_f_fma(p, p.tmp, out_row, n, r.begin(), r.end())
          : vertical_f_generic(p, p.tmp, out_row, n, r.begin(), r.end());
    else
      fma ? vertical_u8_fma(p, src, src_stride, n, r.begin(), r.end())
          : vertical_u8_generic(p, src, src_stride, n, r.begin(), r.end());
  });
}

void resize_separable(const uint8_t* src, int sw, int sh, int src_stride, uint8_t* dst, int dw,
                      int dh, int channels, Filter filter) {
  SeparableResizer(sw, sh, dw, dh, filter).run(src, src_stride, dst, channels);
}

}  // namespace vidpipe::ref
