#include <vidpipe/media/rgb_converter.hpp>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace vidpipe::av {

namespace {
// The swscale matrix the CLI's scale filter applies to a frame (vf_scale parse_yuv_type("auto"):
// unknown tags mean BT.601), or the forced one.
int matrix_of(const AVFrame* f, const std::string& forced) {
  if (forced == "bt601") return SWS_CS_ITU601;
  if (forced == "bt709") return SWS_CS_ITU709;
  const int cs = f->colorspace;
  return cs < 1 || cs > 10 || cs == 8 ? SWS_CS_ITU601 : cs;
}

std::string matrix_name(int cs) {
  return cs == SWS_CS_ITU709 ? "bt709" : cs == SWS_CS_FCC ? "fcc" : cs == SWS_CS_SMPTE240M ? "smpte240m"
       : cs >= SWS_CS_BT2020 ? "bt2020" : "bt601";
}
}  // namespace

RgbConverter::RgbConverter(std::string matrix) : matrix_(std::move(matrix)) {}

void RgbConverter::convert(const AVFrame* f, uint8_t* dst, int dst_stride, const std::string& input,
                           int dst_w, int dst_h) {
  if (dst_w <= 0 || dst_h <= 0) dst_w = f->width, dst_h = f->height;
  if ((dst_w != f->width || dst_h != f->height) && planar_resize(f, dst, dst_stride, dst_w, dst_h)) return;
  if (!sws_ || f->width != w_ || f->height != h_ || f->format != fmt_ || dst_w != dw_ || dst_h != dh_)
    init(f, dst_w, dst_h, input);
  if (f->colorspace != cs_ || f->color_range != range_) details(f);
  uint8_t* planes[4] = {dst, nullptr, nullptr, nullptr};
  int strides[4] = {dst_stride, 0, 0, 0};
  const int r = sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, planes, strides);
  if (r <= 0) throw Error(input + ": colour conversion failed (" + error_text(r) + ")", kHint);
}

void RgbConverter::init(const AVFrame* f, int dst_w, int dst_h, const std::string& input) {
  SwsPtr s(sws_alloc_context());
  if (!s) throw Error(input + ": out of memory creating a scaler");
  const bool scaled = dst_w != f->width || dst_h != f->height;
  av_opt_set_int(s.get(), "srcw", f->width, 0);
  av_opt_set_int(s.get(), "srch", f->height, 0);
  av_opt_set_int(s.get(), "src_format", f->format, 0);
  av_opt_set_int(s.get(), "dstw", dst_w, 0);
  av_opt_set_int(s.get(), "dsth", dst_h, 0);
  av_opt_set_int(s.get(), "dst_format", AV_PIX_FMT_RGB24, 0);
  // Same size: the CLI's flags. Resizing: full-resolution chroma in the output (else two
  // neighbouring output pixels share one chroma sample), accurate rounding.
  av_opt_set_int(s.get(), "sws_flags",
                 scaled ? SWS_BICUBIC | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND : SWS_BICUBIC, 0);
  if (f->format == AV_PIX_FMT_YUV420P) av_opt_set_int(s.get(), "src_v_chr_pos", 128, 0);
  const int r = sws_init_context(s.get(), nullptr, nullptr);
  if (r < 0) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
    throw Error(input + ": cannot convert pixel format " + (name ? name : "?") + " to rgb24 " +
                    size_text(dst_w, dst_h) + " (" + error_text(r) + ")",
                kHint);
  }
  sws_ = std::move(s);
  w_ = f->width, h_ = f->height, fmt_ = f->format, dw_ = dst_w, dh_ = dst_h;
  cs_ = -1, range_ = -1;
}

void RgbConverter::details(const AVFrame* f) {
  int *inv_table = nullptr, *table = nullptr;
  int in_full = 0, out_full = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(sws_.get(), &inv_table, &in_full, &table, &out_full, &brightness,
                           &contrast, &saturation);
  const int cs = matrix_of(f, matrix_);
  const int* coeffs = sws_getCoefficients(cs);
  if (f->color_range != AVCOL_RANGE_UNSPECIFIED) in_full = f->color_range == AVCOL_RANGE_JPEG;
  sws_setColorspaceDetails(sws_.get(), coeffs, in_full, coeffs, out_full, brightness, contrast,
                           saturation);
  cs_ = f->colorspace, range_ = f->color_range;
  used_ = matrix_name(cs);
}

// The fused path for 8-bit planar YUV; false for formats it does not take (swscale does them).
bool RgbConverter::planar_resize(const AVFrame* f, uint8_t* dst, int dst_stride, int dst_w, int dst_h) {
  int sx = 0, sy = 0;
  bool full = false;
  switch (f->format) {
    case AV_PIX_FMT_YUVJ420P: full = true; [[fallthrough]];
    case AV_PIX_FMT_YUV420P: sx = 1, sy = 1; break;
    case AV_PIX_FMT_YUVJ422P: full = true; [[fallthrough]];
    case AV_PIX_FMT_YUV422P: sx = 1; break;
    case AV_PIX_FMT_YUVJ444P: full = true; [[fallthrough]];
    case AV_PIX_FMT_YUV444P: break;
    default: return false;
  }
  if (f->color_range != AVCOL_RANGE_UNSPECIFIED) full = f->color_range == AVCOL_RANGE_JPEG;
  const int cs = matrix_of(f, matrix_);
  ref::YuvMatrix m;  // AVColorSpace numbering, as swscale's table
  if (cs == AVCOL_SPC_BT709) m = ref::YuvMatrix::bt709(full);
  else if (cs == AVCOL_SPC_BT470BG || cs == AVCOL_SPC_SMPTE170M) m = ref::YuvMatrix::bt601(full);
  else if (cs == AVCOL_SPC_BT2020_NCL || cs == AVCOL_SPC_BT2020_CL) m = ref::YuvMatrix::bt2020(full);
  else return false;  // rare matrices (FCC, SMPTE 240M): swscale knows them
  if (!planar_ || w_ != f->width || h_ != f->height || fmt_ != f->format || dw_ != dst_w || dh_ != dst_h) {
    planar_ = std::make_unique<ref::YuvResizer>(f->width, f->height, sx, sy, dst_w, dst_h);
    sws_.reset();
    w_ = f->width, h_ = f->height, fmt_ = f->format, dw_ = dst_w, dh_ = dst_h;
  }
  const uint8_t* planes[3] = {f->data[0], f->data[1], f->data[2]};
  const int strides[3] = {f->linesize[0], f->linesize[1], f->linesize[2]};
  planar_->run(planes, strides, m, dst, dst_stride);
  used_ = matrix_name(cs);
  return true;
}

}  // namespace vidpipe::av
