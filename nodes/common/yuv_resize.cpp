#include "common/yuv_resize.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <tbb/parallel_for.h>

namespace vidpipe::ref {

namespace {

int shifted(int size, int shift) { return -((-size) >> shift); }  // ceil(size / 2^shift)

// Averages 2 (or 2x2) neighbouring samples, rounding half up; an odd last column/row is kept
// whole (averaged with itself). dst: ceil-halved size, tightly packed.
void box_reduce(const uint8_t* src, int w, int h, int stride, bool rx, bool ry, uint8_t* dst) {
  const int ow = rx ? shifted(w, 1) : w, oh = ry ? shifted(h, 1) : h;
  tbb::parallel_for(tbb::blocked_range<int>(0, oh, 16), [&](const tbb::blocked_range<int>& r) {
    for (int y = r.begin(); y < r.end(); ++y) {
      const int y0 = ry ? 2 * y : y, y1 = ry ? std::min(2 * y + 1, h - 1) : y;
      const uint8_t* a = src + static_cast<std::ptrdiff_t>(y0) * stride;
      const uint8_t* b = src + static_cast<std::ptrdiff_t>(y1) * stride;
      uint8_t* d = dst + static_cast<std::ptrdiff_t>(y) * ow;
      if (!rx) {
        for (int x = 0; x < ow; ++x) d[x] = static_cast<uint8_t>((a[x] + b[x] + 1) >> 1);
        continue;
      }
      const int pairs = w / 2;
      for (int x = 0; x < pairs; ++x)
        d[x] = static_cast<uint8_t>((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
      if (w & 1) d[pairs] = static_cast<uint8_t>((a[w - 1] + b[w - 1] + 1) >> 1);
    }
  });
}

// One row of packed Y,U,V to R,G,B (in place allowed: each pixel is read before it is written).
void convert_row(const uint8_t* in, uint8_t* out, int n, const int32_t* __restrict ly, const int32_t* __restrict rv,
                 const int32_t* __restrict gu, const int32_t* __restrict gv, const int32_t* __restrict bu) {
  auto u8 = [](int32_t v) { return static_cast<uint8_t>(std::clamp(v >> 16, 0, 255)); };
  for (int x = 0; x < n; ++x) {
    const int32_t l = ly[in[3 * x]], cb = in[3 * x + 1], cr = in[3 * x + 2];
    const uint8_t R = u8(l + rv[cr]), G = u8(l - gu[cb] - gv[cr]), B = u8(l + bu[cb]);
    out[3 * x] = R, out[3 * x + 1] = G, out[3 * x + 2] = B;
  }
}

}  // namespace

YuvResizer::YuvResizer(int src_w, int src_h, int chroma_shift_x, int chroma_shift_y, int dst_w,
                       int dst_h, Filter filter)
    : sw_(src_w), sh_(src_h), cw_(shifted(src_w, chroma_shift_x)), ch_(shifted(src_h, chroma_shift_y)),
      dw_(dst_w), dh_(dst_h), reduce_x_(src_w >= 2 * dst_w), reduce_y_(src_h >= 2 * dst_h),
      packed_(reduce_x_ == (chroma_shift_x == 1) && reduce_y_ == (chroma_shift_y == 1) &&
              chroma_shift_x <= 1 && chroma_shift_y <= 1) {
  chroma_.emplace(cw_, ch_, dst_w, dst_h, filter);
  if (!packed_)
    luma_.emplace(reduce_x_ ? shifted(src_w, 1) : src_w, reduce_y_ ? shifted(src_h, 1) : src_h, dst_w, dst_h, filter);
}

void YuvResizer::run_packed(const uint8_t* const planes[3], const int strides[3], uint8_t* yuv) const {
  // Luma box-reduced to the chroma grid where needed; then Y, U, V filtered as one image.
  std::unique_ptr<uint8_t[]> luma;
  const uint8_t* in[3] = {planes[0], planes[1], planes[2]};
  int in_strides[3] = {strides[0], strides[1], strides[2]};
  if (reduce_x_ || reduce_y_) {
    luma.reset(new uint8_t[static_cast<std::size_t>(cw_) * ch_]);
    box_reduce(planes[0], sw_, sh_, strides[0], reduce_x_, reduce_y_, luma.get());
    in[0] = luma.get();
    in_strides[0] = cw_;
  }
  chroma_->run_planar(in, in_strides, yuv);
}

void YuvResizer::run_planes(const uint8_t* const planes[3], const int strides[3], uint8_t* yuv) const {
  const std::size_t n = static_cast<std::size_t>(dw_) * dh_;
  std::unique_ptr<uint8_t[]> out(new uint8_t[n * 3]);
  if (reduce_x_ || reduce_y_) {
    std::unique_ptr<uint8_t[]> half(new uint8_t[static_cast<std::size_t>(luma_->src_w()) * luma_->src_h()]);
    box_reduce(planes[0], sw_, sh_, strides[0], reduce_x_, reduce_y_, half.get());
    luma_->run(half.get(), luma_->src_w(), out.get(), 1);
  } else {
    luma_->run(planes[0], strides[0], out.get(), 1);
  }
  chroma_->run(planes[1], strides[1], out.get() + n, 1);
  chroma_->run(planes[2], strides[2], out.get() + 2 * n, 1);
  for (std::size_t i = 0; i < n; ++i)  // to packed Y,U,V
    yuv[3 * i] = out[i], yuv[3 * i + 1] = out[n + i], yuv[3 * i + 2] = out[2 * n + i];
}

void YuvResizer::run(const uint8_t* const planes[3], const int strides[3], const YuvMatrix& m,
                     uint8_t* dst, int dst_stride) const {
  // Packed Y,U,V at output size, written straight into dst when its rows are packed, then
  // converted in place.
  const bool direct = dst_stride == dw_ * 3;
  std::unique_ptr<uint8_t[]> own;
  uint8_t* yuv = dst;
  if (!direct) {
    own.reset(new uint8_t[static_cast<std::size_t>(dw_) * dh_ * 3]);
    yuv = own.get();
  }
  packed_ ? run_packed(planes, strides, yuv) : run_planes(planes, strides, yuv);

  // R = Y + 2(1-kr) Cr;  B = Y + 2(1-kb) Cb;  G = Y - (2 kb (1-kb) Cb + 2 kr (1-kr) Cr) / kg,
  // with Y, Cb, Cr scaled to 0..255 / -127.5..127.5 from the input's range; per-sample terms
  // come from tables in 16.16 fixed point (rounding included in the luma term).
  const double kg = 1 - m.kr - m.kb;
  const double ys = m.full_range ? 1.0 : 255.0 / 219.0, yo = m.full_range ? 0.0 : 16.0;
  const double cs = m.full_range ? 1.0 : 255.0 / 224.0;
  int32_t ly[256], rv[256], gu[256], gv[256], bu[256];
  for (int i = 0; i < 256; ++i) {
    const double c = (i - 128) * cs * 65536;
    ly[i] = static_cast<int32_t>(std::lround((i - yo) * ys * 65536 + 32768));
    rv[i] = static_cast<int32_t>(std::lround(2 * (1 - m.kr) * c));
    bu[i] = static_cast<int32_t>(std::lround(2 * (1 - m.kb) * c));
    gu[i] = static_cast<int32_t>(std::lround(2 * m.kb * (1 - m.kb) / kg * c));
    gv[i] = static_cast<int32_t>(std::lround(2 * m.kr * (1 - m.kr) / kg * c));
  }
  tbb::parallel_for(tbb::blocked_range<int>(0, dh_, 16), [&](const tbb::blocked_range<int>& r) {
    for (int y = r.begin(); y < r.end(); ++y)
      convert_row(yuv + static_cast<std::ptrdiff_t>(y) * dw_ * 3, dst + static_cast<std::ptrdiff_t>(y) * dst_stride,
                  dw_, ly, rv, gu, gv, bu);
  });
}

}  // namespace vidpipe::ref
