// Planar YUV -> packed RGB24 with swscale, from plain planes and strides (no decoder types), so
// a frame can be converted outside the decoder (process.convert_scale) with the very code the
// decoder uses (media's RgbConverter).
//
// At the picture's own size the conversion is the one the ffmpeg 5.1 CLI's auto-inserted scale
// filter does (`-pix_fmt rgb24`): sws flags "bicubic", vf_scale's MPEG-2 chroma siting for
// yuv420p, and per picture the colour details vf_scale derives from the tags (in_color_matrix
// "auto": an unknown matrix means BT.601; a tagged range wins over the format's), or a forced
// matrix. Measured byte-identical to the CLI for 8/10-bit 4:2:0, 4:4:4, yuvj420p and odd sizes
// (tests/unit/test_ffmpeg_reader.cpp). At another size it is one swscale bicubic
// convert+resize pass with full-resolution chroma and accurate rounding.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <vidpipe/sdk/data.hpp>
#include <vidpipe/imaging/yuv_resize.hpp>

struct SwsContext;

namespace vidpipe::ref {

// One picture as swscale reads it. Formats, matrices and ranges use FFmpeg's numbering
// (AVPixelFormat, AVColorSpace, AVColorRange), as Frame::color does.
struct YuvPicture {
  const uint8_t* planes[4] = {};
  int strides[4] = {};
  int width = 0, height = 0;
  int av_format = -1;
  int matrix = 2;  // unspecified
  int range = 0;   // unspecified
};

// The AVPixelFormat of a planar Frame format (-1 for packed ones): I420 -> yuv420p (yuvj420p
// when tagged full range, as FFmpeg's H.264 and MJPEG decoders output it), I422 -> yuv422p,
// I444 -> yuv444p (the same), NV12 -> nv12, I420P10 -> yuv420p10le, P010 -> p010le. Not exact
// for a decoder that outputs full range as yuv420p plus the tag (HEVC): the CLI then applies
// vf_scale's MPEG-2 chroma siting, which yuvj420p does not get (it matters where swscale
// filters chroma vertically: resizing, odd heights).
int av_format_of(PixelFormat f, const ColorInfo& color);
// A planar host Frame as a YuvPicture.
YuvPicture yuv_picture(const Frame& f);

// The matrix a converter applies: "auto" honours the picture's tag as the CLI does (unknown
// means BT.601), "bt601" and "bt709" force one. Returns the AVColorSpace value.
int applied_matrix(const std::string& forced, int tagged);
std::string matrix_name(int av_colorspace);  // bt601, bt709, bt2020, fcc, smpte240m
// The coefficients of the fused path (yuv_resize.hpp) for an applied matrix and the picture's
// format and range tag; none for matrices it does not know (FCC, SMPTE 240M) or formats other
// than 8-bit 4:2:0/4:2:2/4:4:4 planar (`shift_x`/`shift_y` get the chroma subsampling).
std::optional<YuvMatrix> fused_matrix(const YuvPicture& p, int av_colorspace, int& shift_x, int& shift_y);

class YuvToRgb {
 public:
  // matrix: "auto", "bt601" or "bt709".
  explicit YuvToRgb(std::string matrix);
  ~YuvToRgb();
  YuvToRgb(YuvToRgb&&) noexcept;

  // Writes p as RGB24 rows of dst_w x dst_h pixels (0 x 0: p's size) into dst. `input` names
  // the video in errors.
  void convert(const YuvPicture& p, uint8_t* dst, int dst_stride, const std::string& input, int dst_w = 0,
               int dst_h = 0);
  const std::string& used() const { return used_; }  // the matrix applied to the last picture
  const std::string& forced() const { return matrix_; }

 private:
  void init(const YuvPicture& p, int dst_w, int dst_h, const std::string& input);
  void details(const YuvPicture& p);

  struct Closer {
    void operator()(SwsContext* s) const;
  };
  std::string matrix_, used_;
  std::unique_ptr<SwsContext, Closer> sws_;
  int w_ = -1, h_ = -1, fmt_ = -1, dw_ = -1, dh_ = -1, cs_ = -1, range_ = -1;
};

}  // namespace vidpipe::ref
