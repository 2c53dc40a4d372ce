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

void RgbConverter::convert(const AVFrame* f, uint8_t* dst, int dst_stride, const std::string& input) {
  rgb_.convert(picture_of(f), dst, dst_stride, input);
}

}  // namespace vidpipe::av
