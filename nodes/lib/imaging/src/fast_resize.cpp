#include <vidpipe/imaging/fast_resize.hpp>

#include <algorithm>
#include <memory>

#include <immintrin.h>
#include <tbb/parallel_for.h>

#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

namespace {

int half_up(int size) { return (size + 1) / 2; }

// d[x] = (a[2x] + a[2x+1] + b[2x] + b[2x+1] + 2) >> 2 per channel, pixels [from, pairs).
template <int C>
void reduce_pairs(const uint8_t* a, const uint8_t* b, uint8_t* d, int from, int pairs) {
  for (int x = from; x < pairs; ++x)
    for (int c = 0; c < C; ++c)
      d[x * C + c] = static_cast<uint8_t>((a[2 * x * C + c] + a[(2 * x + 1) * C + c] + b[2 * x * C + c] +
                                           b[(2 * x + 1) * C + c] + 2) >> 2);
}

// d[x] = (a[2x] + a[2x+1] + b[2x] + b[2x+1] + 2) >> 2 for x < pairs, 32 at a time (AVX2).
__attribute__((target("avx2"))) int reduce_pairs_avx2(const uint8_t* a, const uint8_t* b, uint8_t* d, int pairs) {
  const __m256i ones = _mm256_set1_epi8(1), two = _mm256_set1_epi16(2);
  int x = 0;
  for (; x + 32 <= pairs; x += 32) {
    __m256i sum[2];
    for (int h = 0; h < 2; ++h) {  // 16 outputs from 32 bytes of each row
      const __m256i ra = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 2 * x + 32 * h));
      const __m256i rb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2 * x + 32 * h));
      sum[h] = _mm256_srli_epi16(
          _mm256_add_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(ra, ones), _mm256_maddubs_epi16(rb, ones)), two), 2);
    }
    // packus works per 128-bit lane: restore the order of the four 8-byte groups.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(sum[0], sum[1]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + x), packed);
  }
  return x;
}

}  // namespace

void box_reduce(const uint8_t* src, int w, int h, int stride, int channels, bool rx, bool ry, uint8_t* dst) {
  const int C = channels;
  if (C != 1 && C != 3) throw Error("box_reduce: 1 or 3 channels");
  const bool avx2 = avx2_kernels() && C == 1;
  const int ow = rx ? half_up(w) : w, oh = ry ? half_up(h) : h;
  tbb::parallel_for(tbb::blocked_range<int>(0, oh, 16), [&](const tbb::blocked_range<int>& r) {
    for (int y = r.begin(); y < r.end(); ++y) {
      const int y0 = ry ? 2 * y : y, y1 = ry ? std::min(2 * y + 1, h - 1) : y;
      const uint8_t* a = src + static_cast<std::ptrdiff_t>(y0) * stride;
      const uint8_t* b = src + static_cast<std::ptrdiff_t>(y1) * stride;
      uint8_t* d = dst + static_cast<std::ptrdiff_t>(y) * ow * C;
      if (!rx) {
        for (int i = 0; i < ow * C; ++i) d[i] = static_cast<uint8_t>((a[i] + b[i] + 1) >> 1);
        continue;
      }
      const int pairs = w / 2;
      const int done = avx2 ? reduce_pairs_avx2(a, b, d, pairs) : 0;
      C == 3 ? reduce_pairs<3>(a, b, d, done, pairs) : reduce_pairs<1>(a, b, d, done, pairs);
      for (int c = 0; c < C && (w & 1); ++c)
        d[pairs * C + c] = static_cast<uint8_t>((a[(w - 1) * C + c] + b[(w - 1) * C + c] + 1) >> 1);
    }
  });
}


FastResizer::FastResizer(int src_w, int src_h, int dst_w, int dst_h, Filter filter)
    : sw_(src_w), sh_(src_h), reduce_x_(src_w >= 2 * dst_w), reduce_y_(src_h >= 2 * dst_h),
      inner_(reduce_x_ ? half_up(src_w) : src_w, reduce_y_ ? half_up(src_h) : src_h, dst_w, dst_h, filter) {}

void FastResizer::run(const uint8_t* src, int src_stride, uint8_t* dst, int channels, int dst_stride) const {
  if (!reduce_x_ && !reduce_y_) return inner_.run(src, src_stride, dst, channels, dst_stride);
  const int w = inner_.src_w(), h = inner_.src_h();
  std::unique_ptr<uint8_t[]> small(new uint8_t[static_cast<std::size_t>(w) * h * channels]);
  box_reduce(src, sw_, sh_, src_stride, channels, reduce_x_, reduce_y_, small.get());
  inner_.run(small.get(), w * channels, dst, channels, dst_stride);
}

}  // namespace vidpipe::ref
