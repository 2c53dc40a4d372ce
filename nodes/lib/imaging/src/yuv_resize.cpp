#include <vidpipe/imaging/yuv_resize.hpp>
#include <vidpipe/imaging/fast_resize.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <immintrin.h>
#include <tbb/parallel_for.h>

namespace vidpipe::ref {

namespace {

int shifted(int size, int shift) { return -((-size) >> shift); }  // ceil(size / 2^shift)

// R = Y + 2(1-kr) Cr;  B = Y + 2(1-kb) Cb;  G = Y - (2 kb (1-kb) Cb + 2 kr (1-kr) Cr) / kg,
// with Y, Cb, Cr scaled to 0..255 / -127.5..127.5 from the input's range.
struct Coefficients {
  float ys, yo, rv, gu, gv, bu;
  explicit Coefficients(const YuvMatrix& m) {
    const double kg = 1 - m.kr - m.kb, cs = m.full_range ? 1.0 : 255.0 / 224.0;
    ys = static_cast<float>(m.full_range ? 1.0 : 255.0 / 219.0);
    yo = m.full_range ? 0.0f : 16.0f;
    rv = static_cast<float>(2 * (1 - m.kr) * cs);
    bu = static_cast<float>(2 * (1 - m.kb) * cs);
    gu = static_cast<float>(2 * m.kb * (1 - m.kb) / kg * cs);
    gv = static_cast<float>(2 * m.kr * (1 - m.kr) / kg * cs);
  }
};

// One row of Y, U, V samples to interleaved R, G, B (clamped, rounded half up): the portable
// form, and the AVX2 form that does 16 pixels at a time and the tail with the portable one.
void convert_row_generic(const uint8_t* y, const uint8_t* u, const uint8_t* v, uint8_t* out, int from, int n,
                         const Coefficients& k) {
  for (int x = from; x < n; ++x) {
    const float l = (y[x] - k.yo) * k.ys, cb = u[x] - 128.0f, cr = v[x] - 128.0f;
    out[3 * x] = static_cast<uint8_t>(std::clamp(l + k.rv * cr, 0.0f, 255.0f) + 0.5f);
    out[3 * x + 1] = static_cast<uint8_t>(std::clamp(l - k.gu * cb - k.gv * cr, 0.0f, 255.0f) + 0.5f);
    out[3 * x + 2] = static_cast<uint8_t>(std::clamp(l + k.bu * cb, 0.0f, 255.0f) + 0.5f);
  }
}

// pshufb masks that spread 16 R (c = 0), G (1) or B (2) bytes over the 48 bytes of RGB24:
// byte j of output vector q takes sample (16q + j) / 3 of channel (16q + j) % 3.
struct InterleaveMasks {
  alignas(16) uint8_t m[3][3][16];  // [output vector][channel][byte]
  InterleaveMasks() {
    for (int q = 0; q < 3; ++q)
      for (int c = 0; c < 3; ++c)
        for (int j = 0; j < 16; ++j) {
          const int pos = 16 * q + j;
          m[q][c][j] = pos % 3 == c ? static_cast<uint8_t>(pos / 3) : 0x80;
        }
  }
};
const InterleaveMasks kMasks;

__attribute__((target("avx2"))) inline __m256 floats8(const uint8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// 16 floats -> 16 saturated bytes (truncated: the caller adds 0.5 first).
__attribute__((target("avx2"))) inline __m128i bytes16(__m256 a, __m256 b) {
  const __m256i ia = _mm256_cvttps_epi32(a), ib = _mm256_cvttps_epi32(b);
  const __m128i wa = _mm_packus_epi32(_mm256_castsi256_si128(ia), _mm256_extracti128_si256(ia, 1));
  const __m128i wb = _mm_packus_epi32(_mm256_castsi256_si128(ib), _mm256_extracti128_si256(ib, 1));
  return _mm_packus_epi16(wa, wb);
}

__attribute__((target("avx2"))) void convert_row_avx2(const uint8_t* y, const uint8_t* u, const uint8_t* v,
                                                      uint8_t* out, int n, const Coefficients& k) {
  const __m256 yo = _mm256_set1_ps(k.yo), ys = _mm256_set1_ps(k.ys), c128 = _mm256_set1_ps(128.0f);
  const __m256 rv = _mm256_set1_ps(k.rv), gu = _mm256_set1_ps(k.gu), gv = _mm256_set1_ps(k.gv);
  const __m256 bu = _mm256_set1_ps(k.bu), half = _mm256_set1_ps(0.5f);
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    __m256 r[2], g[2], b[2];
    for (int h = 0; h < 2; ++h) {
      const __m256 l = _mm256_mul_ps(_mm256_sub_ps(floats8(y + x + 8 * h), yo), ys);
      const __m256 cb = _mm256_sub_ps(floats8(u + x + 8 * h), c128);
      const __m256 cr = _mm256_sub_ps(floats8(v + x + 8 * h), c128);
      r[h] = _mm256_add_ps(_mm256_add_ps(l, _mm256_mul_ps(rv, cr)), half);
      g[h] = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(l, _mm256_mul_ps(gu, cb)), _mm256_mul_ps(gv, cr)), half);
      b[h] = _mm256_add_ps(_mm256_add_ps(l, _mm256_mul_ps(bu, cb)), half);
    }
    // Negative values truncate towards 0 and saturate to 0; above 255 saturate to 255.
    const __m128i R = bytes16(r[0], r[1]), G = bytes16(g[0], g[1]), B = bytes16(b[0], b[1]);
    for (int q = 0; q < 3; ++q) {
      const __m128i* m = reinterpret_cast<const __m128i*>(kMasks.m[q]);
      const __m128i o = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(R, _mm_load_si128(m)),
                                                  _mm_shuffle_epi8(G, _mm_load_si128(m + 1))),
                                     _mm_shuffle_epi8(B, _mm_load_si128(m + 2)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 3 * x + 16 * q), o);
    }
  }
  convert_row_generic(y, u, v, out, x, n, k);
}

}  // namespace

YuvResizer::YuvResizer(int src_w, int src_h, int chroma_shift_x, int chroma_shift_y, int dst_w,
                       int dst_h, Filter filter, bool reduce_luma)
    : sw_(src_w), sh_(src_h), cw_(shifted(src_w, chroma_shift_x)), ch_(shifted(src_h, chroma_shift_y)),
      dw_(dst_w), dh_(dst_h), reduce_x_(reduce_luma && src_w >= 2 * dst_w),
      reduce_y_(reduce_luma && src_h >= 2 * dst_h),
      packed_(reduce_x_ == (chroma_shift_x == 1) && reduce_y_ == (chroma_shift_y == 1) &&
              chroma_shift_x <= 1 && chroma_shift_y <= 1) {
  chroma_.emplace(cw_, ch_, dst_w, dst_h, filter);
  if (!packed_ && reduce_luma) luma_.emplace(src_w, src_h, dst_w, dst_h, filter);
  if (!packed_ && !reduce_luma) luma_exact_.emplace(src_w, src_h, dst_w, dst_h, filter);
}

void YuvResizer::run_packed(const uint8_t* const planes[3], const int strides[3], uint8_t* yuv) const {
  // Luma box-reduced to the chroma grid where needed; then Y, U, V filtered as one image
  // (row-planar output).
  std::unique_ptr<uint8_t[]> luma;
  const uint8_t* in[3] = {planes[0], planes[1], planes[2]};
  int in_strides[3] = {strides[0], strides[1], strides[2]};
  if (reduce_x_ || reduce_y_) {
    luma.reset(new uint8_t[static_cast<std::size_t>(cw_) * ch_]);
    box_reduce(planes[0], sw_, sh_, strides[0], 1, reduce_x_, reduce_y_, luma.get());
    in[0] = luma.get();
    in_strides[0] = cw_;
  }
  chroma_->run_planar(in, in_strides, yuv);
}

void YuvResizer::run_planes(const uint8_t* const planes[3], const int strides[3], uint8_t* yuv) const {
  const std::size_t n = static_cast<std::size_t>(dw_) * dh_;
  if (luma_) luma_->run(planes[0], strides[0], yuv, 1);  // reduce_luma: box-reduced first where it shrinks 2x
  else luma_exact_->run(planes[0], strides[0], yuv, 1);
  chroma_->run(planes[1], strides[1], yuv + n, 1);
  chroma_->run(planes[2], strides[2], yuv + 2 * n, 1);
}

void YuvResizer::run(const uint8_t* const planes[3], const int strides[3], const YuvMatrix& m,
                     uint8_t* dst, int dst_stride) const {
  // Y, U, V at output size: row-planar (packed path) or three planes; then to RGB rows.
  const std::size_t n = static_cast<std::size_t>(dw_) * dh_;
  std::unique_ptr<uint8_t[]> yuv(new uint8_t[n * 3]);
  packed_ ? run_packed(planes, strides, yuv.get()) : run_planes(planes, strides, yuv.get());
  const Coefficients k(m);
  const bool avx2 = avx2_kernels();
  tbb::parallel_for(tbb::blocked_range<int>(0, dh_, 16), [&](const tbb::blocked_range<int>& r) {
    for (int y = r.begin(); y < r.end(); ++y) {
      const uint8_t* row = packed_ ? yuv.get() + static_cast<std::size_t>(y) * dw_ * 3
                                   : yuv.get() + static_cast<std::size_t>(y) * dw_;
      const std::size_t next = packed_ ? dw_ : n;  // distance from a row's Y to its U, U to V
      uint8_t* out = dst + static_cast<std::ptrdiff_t>(y) * dst_stride;
      avx2 ? convert_row_avx2(row, row + next, row + 2 * next, out, dw_, k)
           : convert_row_generic(row, row + next, row + 2 * next, out, 0, dw_, k);
    }
  });
}

}  // namespace vidpipe::ref
