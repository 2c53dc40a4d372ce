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
  // Y (box-reduced to the chroma grid where needed), U, V interleaved at the chroma planes' size.
  std::unique_ptr<uint8_t[]> packed(new uint8_t[static_cast<std::size_t>(cw_) * ch_ * 3]);
  tbb::parallel_for(tbb::blocked_range<int>(0, ch_, 16), [&](const tbb::blocked_range<int>& r) {
    std::vector<uint8_t> luma(static_cast<std::size_t>(cw_));
    for (int y = r.begin(); y < r.end(); ++y) {
      const int y0 = reduce_y_ ? 2 * y : y, y1 = reduce_y_ ? std::min(2 * y + 1, sh_ - 1) : y;
      const uint8_t* a = planes[0] + static_cast<std::ptrdiff_t>(y0) * strides[0];
      const uint8_t* b = planes[0] + static_cast<std::ptrdiff_t>(y1) * strides[0];
      const uint8_t* u = planes[1] + static_cast<std::ptrdiff_t>(y) * strides[1];
      const uint8_t* v = planes[2] + static_cast<std::ptrdiff_t>(y) * strides[2];
      uint8_t* l = luma.data();
      if (!reduce_x_) {
        for (int x = 0; x < cw_; ++x) l[x] = static_cast<uint8_t>((a[x] + b[x] + 1) >> 1);
      } else {  // separate loops without bounds checks vectorise
        const int pairs = sw_ / 2;
        for (int x = 0; x < pairs; ++x)
          l[x] = static_cast<uint8_t>((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
        if (sw_ & 1) l[pairs] = static_cast<uint8_t>((a[sw_ - 1] + b[sw_ - 1] + 1) >> 1);
      }
      uint8_t* d = packed.get() + static_cast<std::ptrdiff_t>(y) * cw_ * 3;
      for (int x = 0; x < cw_; ++x) d[3 * x] = l[x], d[3 * x + 1] = u[x], d[3 * x + 2] = v[x];
    }
  });
  chroma_->run(packed.get(), cw_ * 3, yuv, 3);
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
  auto u8 = [](int32_t v) { return static_cast<uint8_t>(std::clamp(v >> 16, 0, 255)); };
  tbb::parallel_for(tbb::blocked_range<int>(0, dh_, 16), [&](const tbb::blocked_range<int>& r) {
    for (int y = r.begin(); y < r.end(); ++y) {
      const uint8_t* in = yuv + static_cast<std::ptrdiff_t>(y) * dw_ * 3;
      uint8_t* out = dst + static_cast<std::ptrdiff_t>(y) * dst_stride;
      for (int x = 0; x < dw_; ++x) {
        const int32_t l = ly[in[3 * x]];
        const uint8_t cb = in[3 * x + 1], cr = in[3 * x + 2];
        out[3 * x] = u8(l + rv[cr]);
        out[3 * x + 1] = u8(l - gu[cb] - gv[cr]);
        out[3 * x + 2] = u8(l + bu[cb]);
      }
    }
  });
}

}  // namespace vidpipe::ref
