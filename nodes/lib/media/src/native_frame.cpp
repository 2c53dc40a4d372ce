// See native_frame.hpp.
#include <vidpipe/media/native_frame.hpp>

#include <cstdint>
#include <cstring>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace vidpipe::av {

std::optional<PixelFormat> planar_format_of(int av_pixel_format) {
  switch (av_pixel_format) {
    case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUVJ420P: return PixelFormat::I420;
    case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVJ422P: return PixelFormat::I422;
    case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVJ444P: return PixelFormat::I444;
    case AV_PIX_FMT_NV12: return PixelFormat::NV12;
    case AV_PIX_FMT_YUV420P10LE: return PixelFormat::I420P10;
    case AV_PIX_FMT_P010LE: return PixelFormat::P010;
    default: return std::nullopt;
  }
}

namespace {

bool full_range_format(int f) {
  return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P;
}

// Bytes of plane p's row of pixels (NV12/P010 plane 1: UV pairs), exactly and as
// make_planar_frame pads it (whole kFrameBlock-sample blocks).
std::size_t row_bytes(const Frame& f, int p, bool padded = false) {
  const bool pairs = p == 1 && (f.format == PixelFormat::NV12 || f.format == PixelFormat::P010);
  std::size_t samples = static_cast<std::size_t>(f.plane_width(p));
  if (padded) samples = (samples + kFrameBlock - 1) / kFrameBlock * kFrameBlock;
  return samples * (pairs ? 2 : 1) * bytes_per_sample(f.format);
}

// Whether plane p of `src` lies in one of its buffers with make_planar_frame's layout.
bool keeps_layout(const AVFrame* src, const Frame& f, int p) {
  const int stride = src->linesize[p];
  const auto start = reinterpret_cast<std::uintptr_t>(src->data[p]);
  if (stride <= 0 || stride % kFrameAlign != 0 || start % kFrameAlign != 0 ||
      static_cast<std::size_t>(stride) < row_bytes(f, p, true))
    return false;
  const std::uintptr_t end = start + static_cast<std::size_t>(stride) * f.plane_height(p) + kFrameAlign;
  for (const AVBufferRef* b : src->buf) {
    if (!b) continue;
    const auto from = reinterpret_cast<std::uintptr_t>(b->data);
    if (start >= from && end <= from + b->size) return true;
  }
  return false;
}

}  // namespace

NativeFrame native_frame(const AVFrame* src, Orient orient) {
  const std::optional<PixelFormat> format = planar_format_of(src->format);
  if (!format) return {};
  NativeFrame out;
  Frame probe;  // the plane geometry of the result
  probe.width = src->width, probe.height = src->height, probe.format = *format;
  bool in_place = true;
  for (int p = 0; p < probe.plane_count() && in_place; ++p) in_place = keeps_layout(src, probe, p);
  if (in_place) {
    AVFrame* ref = av_frame_clone(src);
    if (ref) {
      out.frame = std::make_shared<Frame>(probe);
      Frame& f = *out.frame;
      for (int p = 0; p < f.plane_count(); ++p) f.planes[p] = ref->data[p], f.strides[p] = ref->linesize[p];
      f.stride = f.strides[0];
      f.data = std::shared_ptr<const uint8_t>(ref->data[0], [ref](const uint8_t*) mutable { av_frame_free(&ref); });
      out.zero_copy = true;
    }
  }
  if (!out.frame) {
    FrameBuffer fb = make_planar_frame(src->width, src->height, *format);
    Frame& f = *fb.frame;
    for (int p = 0; p < f.plane_count(); ++p) {
      const std::size_t row = row_bytes(f, p);
      uint8_t* to = const_cast<uint8_t*>(f.planes[p]);
      for (int y = 0; y < f.plane_height(p); ++y)
        std::memcpy(to + static_cast<std::ptrdiff_t>(y) * f.strides[p],
                    src->data[p] + static_cast<std::ptrdiff_t>(y) * src->linesize[p], row);
    }
    out.frame = fb.frame;
  }
  Frame& f = *out.frame;
  f.orient = orient;
  f.color.matrix = static_cast<uint8_t>(src->colorspace);
  // yuvj formats are full range whatever the tag says (swscale reads them so); the tag wins otherwise.
  f.color.range = static_cast<uint8_t>(full_range_format(src->format) && src->color_range == AVCOL_RANGE_UNSPECIFIED
                                           ? AVCOL_RANGE_JPEG
                                           : src->color_range);
  f.color.chroma_location = static_cast<uint8_t>(src->chroma_location);
  return out;
}

}  // namespace vidpipe::av
