#include <vidpipe/imaging/yuv_convert.hpp>

#include <vidpipe/sdk/error.hpp>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace vidpipe::ref {

namespace {
const char* kHint = "check that the file is a complete, playable video (ffprobe shows its streams)";

std::string error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}
}  // namespace

int av_format_of(PixelFormat f, const ColorInfo& color) {
  const bool full = color.range == AVCOL_RANGE_JPEG;
  switch (f) {
    case PixelFormat::I420: return full ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
    case PixelFormat::I422: return full ? AV_PIX_FMT_YUVJ422P : AV_PIX_FMT_YUV422P;
    case PixelFormat::I444: return full ? AV_PIX_FMT_YUVJ444P : AV_PIX_FMT_YUV444P;
    case PixelFormat::NV12: return AV_PIX_FMT_NV12;
    case PixelFormat::I420P10: return AV_PIX_FMT_YUV420P10LE;
    case PixelFormat::P010: return AV_PIX_FMT_P010LE;
    default: return -1;
  }
}

YuvPicture yuv_picture(const Frame& f) {
  YuvPicture p;
  for (int i = 0; i < f.plane_count() && i < 4; ++i) p.planes[i] = f.plane(i), p.strides[i] = f.plane_stride(i);
  p.width = f.width, p.height = f.height;
  p.av_format = av_format_of(f.format, f.color);
  p.matrix = f.color.matrix;
  p.range = f.color.range;
  return p;
}

// The swscale matrix the CLI's scale filter applies (vf_scale parse_yuv_type("auto"): unknown
// tags mean BT.601), or the forced one.
int applied_matrix(const std::string& forced, int cs) {
  if (forced == "bt601") return SWS_CS_ITU601;
  if (forced == "bt709") return SWS_CS_ITU709;
  return cs < 1 || cs > 10 || cs == 8 ? SWS_CS_ITU601 : cs;
}

std::string matrix_name(int cs) {
  return cs == SWS_CS_ITU709 ? "bt709" : cs == SWS_CS_FCC ? "fcc" : cs == SWS_CS_SMPTE240M ? "smpte240m"
       : cs >= SWS_CS_BT2020 ? "bt2020" : "bt601";
}

std::optional<YuvMatrix> fused_matrix(const YuvPicture& p, int cs, int& sx, int& sy) {
  bool full = false;
  sx = sy = 0;
  switch (p.av_format) {
    case AV_PIX_FMT_YUVJ420P: full = true; [[fallthrough]];
    case AV_PIX_FMT_YUV420P: sx = 1, sy = 1; break;
    case AV_PIX_FMT_YUVJ422P: full = true; [[fallthrough]];
    case AV_PIX_FMT_YUV422P: sx = 1; break;
    case AV_PIX_FMT_YUVJ444P: full = true; [[fallthrough]];
    case AV_PIX_FMT_YUV444P: break;
    default: return std::nullopt;
  }
  if (p.range != AVCOL_RANGE_UNSPECIFIED) full = p.range == AVCOL_RANGE_JPEG;
  if (cs == AVCOL_SPC_BT709) return YuvMatrix::bt709(full);
  if (cs == AVCOL_SPC_BT470BG || cs == AVCOL_SPC_SMPTE170M) return YuvMatrix::bt601(full);
  if (cs == AVCOL_SPC_BT2020_NCL || cs == AVCOL_SPC_BT2020_CL) return YuvMatrix::bt2020(full);
  return std::nullopt;  // rare matrices (FCC, SMPTE 240M): swscale knows them
}

void YuvToRgb::Closer::operator()(SwsContext* s) const { sws_freeContext(s); }

YuvToRgb::YuvToRgb(std::string matrix) : matrix_(std::move(matrix)) {}
YuvToRgb::~YuvToRgb() = default;
YuvToRgb::YuvToRgb(YuvToRgb&&) noexcept = default;

void YuvToRgb::convert(const YuvPicture& p, uint8_t* dst, int dst_stride, const std::string& input, int dst_w,
                       int dst_h) {
  if (dst_w <= 0 || dst_h <= 0) dst_w = p.width, dst_h = p.height;
  if (!sws_ || p.width != w_ || p.height != h_ || p.av_format != fmt_ || dst_w != dw_ || dst_h != dh_)
    init(p, dst_w, dst_h, input);
  if (p.matrix != cs_ || p.range != range_) details(p);
  uint8_t* planes[4] = {dst, nullptr, nullptr, nullptr};
  int strides[4] = {dst_stride, 0, 0, 0};
  const int r = sws_scale(sws_.get(), p.planes, p.strides, 0, p.height, planes, strides);
  if (r <= 0) throw Error(input + ": colour conversion failed (" + error_text(r) + ")", kHint);
}

void YuvToRgb::init(const YuvPicture& p, int dst_w, int dst_h, const std::string& input) {
  std::unique_ptr<SwsContext, Closer> s(sws_alloc_context());
  if (!s) throw Error(input + ": out of memory creating a scaler");
  const bool scaled = dst_w != p.width || dst_h != p.height;
  av_opt_set_int(s.get(), "srcw", p.width, 0);
  av_opt_set_int(s.get(), "srch", p.height, 0);
  av_opt_set_int(s.get(), "src_format", p.av_format, 0);
  av_opt_set_int(s.get(), "dstw", dst_w, 0);
  av_opt_set_int(s.get(), "dsth", dst_h, 0);
  av_opt_set_int(s.get(), "dst_format", AV_PIX_FMT_RGB24, 0);
  // Same size: the CLI's flags. Resizing: full-resolution chroma in the output (else two
  // neighbouring output pixels share one chroma sample), accurate rounding.
  av_opt_set_int(s.get(), "sws_flags", scaled ? SWS_BICUBIC | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND : SWS_BICUBIC, 0);
  if (p.av_format == AV_PIX_FMT_YUV420P) av_opt_set_int(s.get(), "src_v_chr_pos", 128, 0);
  const int r = sws_init_context(s.get(), nullptr, nullptr);
  if (r < 0) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(p.av_format));
    throw Error(input + ": cannot convert pixel format " + (name ? name : "?") + " to rgb24 " +
                    size_text(dst_w, dst_h) + " (" + error_text(r) + ")",
                kHint);
  }
  sws_ = std::move(s);
  w_ = p.width, h_ = p.height, fmt_ = p.av_format, dw_ = dst_w, dh_ = dst_h;
  cs_ = -1, range_ = -1;
}

void YuvToRgb::details(const YuvPicture& p) {
  int *inv_table = nullptr, *table = nullptr;
  int in_full = 0, out_full = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(sws_.get(), &inv_table, &in_full, &table, &out_full, &brightness, &contrast, &saturation);
  const int cs = applied_matrix(matrix_, p.matrix);
  const int* coeffs = sws_getCoefficients(cs);
  if (p.range != AVCOL_RANGE_UNSPECIFIED) in_full = p.range == AVCOL_RANGE_JPEG;
  sws_setColorspaceDetails(sws_.get(), coeffs, in_full, coeffs, out_full, brightness, contrast, saturation);
  cs_ = p.matrix, range_ = p.range;
  used_ = matrix_name(cs);
}

}  // namespace vidpipe::ref
