// av::native_frame (native_frame.hpp): a decoded AVFrame as a planar Frame. FFmpeg buffers
// without make_planar_frame's layout (here: rows packed, 1-byte alignment) are copied; either
// way the planes hold the picture's bytes, and the Frame keeps them alive after the AVFrame goes.
#include <doctest/doctest.h>

#include <vidpipe/media/native_frame.hpp>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

using namespace vidpipe;

namespace {

AVFrame* picture(int format, int align) {
  AVFrame* f = av_frame_alloc();
  f->format = format, f->width = 182, f->height = 101;  // odd height: chroma rows round up
  REQUIRE(av_frame_get_buffer(f, align) == 0);
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < (p ? 51 : 101); ++y)
      for (int x = 0; x < f->linesize[p]; ++x) f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(x * 7 + y * 3 + p);
  return f;
}

void check_planes(const Frame& got, const AVFrame* f) {
  for (int p = 0; p < got.plane_count(); ++p)
    for (int y = 0; y < got.plane_height(p); ++y)
      for (int x = 0; x < got.plane_width(p); ++x)
        REQUIRE(got.plane(p)[y * got.plane_stride(p) + x] == f->data[p][y * f->linesize[p] + x]);
}

}  // namespace

TEST_CASE("packed rows (no padding) are copied into make_planar_frame's layout") {
  AVFrame* f = picture(AV_PIX_FMT_YUV420P, 1);
  REQUIRE(f->linesize[0] == 182);
  const av::NativeFrame n = av::native_frame(f, Orient::Clock);
  REQUIRE(n.frame);
  CHECK_FALSE(n.zero_copy);
  CHECK(n.frame->format == PixelFormat::I420);
  CHECK(n.frame->plane_stride(0) % kFrameAlign == 0);
  CHECK(n.frame->plane_height(1) == 51);
  CHECK(n.frame->orient == Orient::Clock);
  check_planes(*n.frame, f);
  av_frame_free(&f);
}

TEST_CASE("aligned buffers are kept (zero-copy) when their layout allows it, and outlive the AVFrame") {
  AVFrame* f = picture(AV_PIX_FMT_YUVJ420P, kFrameAlign);
  AVFrame* copy = av_frame_clone(f);  // the expected bytes, after f is gone
  const av::NativeFrame n = av::native_frame(f, Orient::None);
  REQUIRE(n.frame);
  CHECK(n.frame->color.range == 2);  // yuvj: full range, though untagged
  if (n.zero_copy) CHECK(n.frame->plane(0) == f->data[0]);
  av_frame_free(&f);
  check_planes(*n.frame, copy);
  av_frame_free(&copy);
}

TEST_CASE("formats without a planar Frame give none (the decoder converts to RGB24)") {
  CHECK_FALSE(av::planar_format_of(AV_PIX_FMT_YUV411P));
  CHECK_FALSE(av::planar_format_of(AV_PIX_FMT_RGB24));
  CHECK_FALSE(av::planar_format_of(AV_PIX_FMT_YUVA420P));
  CHECK(av::planar_format_of(AV_PIX_FMT_P010LE) == PixelFormat::P010);
  CHECK(av::planar_format_of(AV_PIX_FMT_YUV420P10LE) == PixelFormat::I420P10);
}
