#include <vidpipe/media/rgb_converter.hpp>

extern "C" {
#include <libavutil/frame.h>
}

namespace vidpipe::av {

namespace {
ref::YuvPicture picture_of(const AVFrame* f) {
  ref::YuvPicture p;
  for (int i = 0; i < 4; ++i) p.planes[i] = f->data[i], p.strides[i] = f->linesize[i];
  p.width = f->width, p.height = f->height, p.av_format = f->format;
  p.matrix = f->colorspace, p.range = f->color_range;
  return p;
}
}  // namespace

RgbConverter::RgbConverter(std::string matrix) : rgb_(std::move(matrix)) {}

void RgbConverter::convert(const AVFrame* f, uint8_t* dst, int dst_stride, const std::string& input,
                           int dst_w, int dst_h) {
  if (dst_w <= 0 || dst_h <= 0) dst_w = f->width, dst_h = f->height;
  const ref::YuvPicture p = picture_of(f);
  if ((dst_w != f->width || dst_h != f->height) && planar_resize(p, dst, dst_stride, dst_w, dst_h)) return;
  rgb_.convert(p, dst, dst_stride, input, dst_w, dst_h);
  used_ = rgb_.used();
}

// The fused path for 8-bit planar YUV; false for formats it does not take (swscale does them).
bool RgbConverter::planar_resize(const ref::YuvPicture& p, uint8_t* dst, int dst_stride, int dst_w, int dst_h) {
  const int cs = ref::applied_matrix(rgb_.forced(), p.matrix);
  int sx = 0, sy = 0;
  const std::optional<ref::YuvMatrix> m = ref::fused_matrix(p, cs, sx, sy);
  if (!m) return false;
  if (!planar_ || w_ != p.width || h_ != p.height || fmt_ != p.av_format || dw_ != dst_w || dh_ != dst_h) {
    planar_ = std::make_unique<ref::YuvResizer>(p.width, p.height, sx, sy, dst_w, dst_h);
    w_ = p.width, h_ = p.height, fmt_ = p.av_format, dw_ = dst_w, dh_ = dst_h;
  }
  planar_->run(p.planes, p.strides, *m, dst, dst_stride);
  used_ = ref::matrix_name(cs);
  return true;
}

}  // namespace vidpipe::av
