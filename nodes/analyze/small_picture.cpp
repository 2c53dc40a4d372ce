// Downscaling for the analysis pass (small_picture.hpp).
#include "small_picture.hpp"

#include <algorithm>
#include <cmath>

#include <vidpipe/sdk/error.hpp>

extern "C" {
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace vidpipe::analyze {
namespace {

// 8-bit planar YUV with three planes: what the box average reads directly.
bool box_readable(AVPixelFormat format) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format);
  if (!d || d->nb_components != 3 || av_pix_fmt_count_planes(format) != 3) return false;
  if (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM |
                  AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BE))
    return false;
  for (int c = 0; c < 3; ++c)
    if (d->comp[c].depth != 8 || d->comp[c].step != 1 || d->comp[c].shift != 0) return false;
  return true;
}

constexpr int kRowsRead = 4;  // the middle rows of each box

// Splits n source samples into m runs as even as integers allow (m <= n): run i starts at i*n/m.
std::vector<int> spans(int n, int m) {
  std::vector<int> start(m + 1);
  for (int i = 0; i <= m; ++i) start[i] = static_cast<int>(static_cast<int64_t>(i) * n / m);
  return start;
}

// The mean of each box's samples: columns [cols[x], cols[x + 1]) of the rows [first[y],
// first[y] + count[y]) (one or two rows: the middle of the box's rows). Each source row is read
// whole (the compiler vectorises that loop). `inverse` holds 1 / samples of each box, multiplied
// rather than divided by: the mean's fraction is 0 or at least 1 / 2^16 from the next integer, so
// the 1e-6 nudge keeps the floor exact despite the product's rounding.
void box_average(const uint8_t* src, int stride, const std::vector<int>& cols, const std::vector<int>& first,
                 const std::vector<int>& count, const std::vector<double>& inverse, uint8_t* dst,
                 std::vector<uint16_t>& row_sum) {
  const int width = static_cast<int>(cols.size()) - 1, height = static_cast<int>(first.size());
  const int src_width = cols.back();
  row_sum.resize(src_width);
  uint16_t* sum = row_sum.data();
  for (int y = 0; y < height; ++y) {
    const uint8_t* a = src + static_cast<std::ptrdiff_t>(first[y]) * stride;
    int r = 1;
    if (count[y] % 2) {
      for (int x = 0; x < src_width; ++x) sum[x] = a[x];
    } else {
      for (int x = 0; x < src_width; ++x) sum[x] = static_cast<uint16_t>(a[x] + a[stride + x]);
      ++r;
    }
    for (; r < count[y]; r += 2) {  // two rows a pass
      const uint8_t *b = a + static_cast<std::ptrdiff_t>(r) * stride, *c = b + stride;
      for (int x = 0; x < src_width; ++x) sum[x] = static_cast<uint16_t>(sum[x] + b[x] + c[x]);
    }
    if (y + 1 < height) {  // the next rows load while this row's boxes are summed
      const uint8_t* next = src + static_cast<std::ptrdiff_t>(first[y + 1]) * stride;
      for (int k = 0; k < count[y + 1]; ++k)
        for (int x = 0; x < src_width; x += 64) __builtin_prefetch(next + static_cast<std::ptrdiff_t>(k) * stride + x);
    }
    const double* inv = inverse.data() + static_cast<std::size_t>(y) * width;
    uint8_t* out = dst + static_cast<std::size_t>(y) * width;
    for (int x = 0; x < width; ++x) {
      uint32_t total = 0;
      for (int c = cols[x]; c < cols[x + 1]; ++c) total += sum[c];
      const uint32_t n = count[y] * (cols[x + 1] - cols[x]);
      out[x] = static_cast<uint8_t>((total + n / 2) * inv[x] + 1e-6);
    }
  }
}

}  // namespace

void SmallPicture::resize(AVPixelFormat f, int w, int h) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  format = f, width = w, height = h;
  for (int p = 0; p < 3; ++p) {
    plane_width[p] = p == 0 ? w : AV_CEIL_RSHIFT(w, d->log2_chroma_w);
    plane_height[p] = p == 0 ? h : AV_CEIL_RSHIFT(h, d->log2_chroma_h);
    planes[p].resize(static_cast<std::size_t>(plane_width[p]) * plane_height[p]);
  }
}

std::pair<int, int> small_size(int width, int height, int max_side) {
  const double factor = std::max(1.0, std::max(width, height) / static_cast<double>(max_side));
  return {std::max(1, static_cast<int>(std::lround(width / factor))),
          std::max(1, static_cast<int>(std::lround(height / factor)))};
}

AVPixelFormat Shrinker::small_format(const AVFrame& frame, int width, int height) {
  const auto format = static_cast<AVPixelFormat>(frame.format);
  return box_readable(format) && frame.width >= 2 * width && frame.height >= 2 * height ? format : AV_PIX_FMT_YUV444P;
}

Shrinker::Shrinker(const AVFrame& like, int width, int height, AVPixelFormat format, const std::string& input)
    : src_width_(like.width), src_height_(like.height), src_format_(like.format), width_(width), height_(height),
      format_(format) {
  const auto src = static_cast<AVPixelFormat>(like.format);
  if (src == format && small_format(like, width, height) == format) {
    SmallPicture src_planes, dst_planes;  // only for the plane sizes
    src_planes.resize(src, src_width_, src_height_);
    dst_planes.resize(format, width, height);
    for (int p = 0; p < 3; ++p) {
      Boxes& box = planes_[p];
      box.cols = spans(src_planes.plane_width[p], dst_planes.plane_width[p]);
      const std::vector<int> rows = spans(src_planes.plane_height[p], dst_planes.plane_height[p]);
      for (std::size_t y = 0; y + 1 < rows.size(); ++y) {
        const int box_rows = rows[y + 1] - rows[y];
        const int read = std::min(box_rows, kRowsRead);
        box.first.push_back(rows[y] + (box_rows - read) / 2);
        box.count.push_back(read);
        for (std::size_t x = 0; x + 1 < box.cols.size(); ++x)
          box.inverse.push_back(1.0 / (box.count.back() * (box.cols[x + 1] - box.cols[x])));
      }
    }
    return;
  }
  sws_.reset(sws_getContext(like.width, like.height, src, width, height, format, SWS_BILINEAR, nullptr, nullptr,
                            nullptr));
  if (!sws_) throw Error("analyze.scenes: " + input + ": cannot convert its pixel format", av::kHint);
}

void Shrinker::shrink(const AVFrame& frame, SmallPicture& out) {
  out.resize(format_, width_, height_);
  if (!sws_) {
    for (int p = 0; p < 3; ++p)
      box_average(frame.data[p], frame.linesize[p], planes_[p].cols, planes_[p].first, planes_[p].count,
                  planes_[p].inverse, out.planes[p].data(), row_sum_);
    return;
  }
  uint8_t* dst[4] = {out.planes[0].data(), out.planes[1].data(), out.planes[2].data(), nullptr};
  const int stride[4] = {out.plane_width[0], out.plane_width[1], out.plane_width[2], 0};
  sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, dst, stride);
}

}  // namespace vidpipe::analyze
