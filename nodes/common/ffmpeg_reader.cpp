// FFmpeg probing and decoding. See ffmpeg_reader.hpp for the contract.
#include "common/ffmpeg_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace vidpipe::av {

void FormatCloser::operator()(AVFormatContext* p) const { avformat_close_input(&p); }
void CodecCloser::operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
void FrameCloser::operator()(AVFrame* p) const { av_frame_free(&p); }
void PacketCloser::operator()(AVPacket* p) const { av_packet_free(&p); }
void SwsCloser::operator()(SwsContext* p) const { sws_freeContext(p); }

std::string error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

namespace {

const char* kHint = "check that the file is a complete, playable video (ffprobe shows its streams)";

// Real containers only: playlist/indirection formats (hls, dash, concat, tee, lavfi, subfile...)
// can make FFmpeg open other files or URLs named inside a media file. Audio formats are listed
// so that an audio file fails with "no video stream" rather than a whitelist error.
const char* kFormatWhitelist =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,mpegvideo,ogg,gif,asf,h264,hevc,"
    "m4v,ivf,mxf,nut,obu,av1,yuv4mpegpipe,mjpeg,image2,wav,mp3,aac,flac";

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

double seconds(int64_t ts, AVRational tb) { return static_cast<double>(ts) * av_q2d(tb); }

std::string name_or_empty(const char* s) { return s ? s : ""; }

}  // namespace

std::string local_path(const std::string& input) {
  std::string path = input;
  if (input.rfind("file://", 0) == 0) {
    path = percent_decode(input.substr(7));
    if (path.rfind("localhost/", 0) == 0) path = path.substr(9);
  } else if (input.find("://") != std::string::npos || input == "-") {
    throw Error(input + ": only local files can be opened here",
                "remote inputs are fetched by the source node; pass a local path or file:// URL");
  }
  if (path.empty()) throw Error("empty input path", "name a video file");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(input + ": no such file", "check the path");
  if (std::filesystem::is_directory(path, ec))
    throw Error(input + ": is a directory, not a video file", "name a video file");
  return path;
}

// FFmpeg logs to stderr by default; vidpipe reports one clear error per input instead.
// VIDPIPE_FFMPEG_LOG=1 brings FFmpeg's own messages back for debugging.
static void quiet_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("VIDPIPE_FFMPEG_LOG");
    if (!env || std::string(env) == "0") av_log_set_level(AV_LOG_FATAL);
  });
}

FormatPtr open_input(const std::string& input) {
  quiet_ffmpeg_logs();
  const std::string path = local_path(input);
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", "file", 0);
  av_dict_set(&opts, "format_whitelist", kFormatWhitelist, 0);
  AVFormatContext* raw = nullptr;
  // "file:" prefix so a path containing ':' is never read as another protocol.
  int r = avformat_open_input(&raw, ("file:" + path).c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (r < 0)
    throw Error(input + ": cannot open as a video (" + error_text(r) + ")", kHint);
  FormatPtr fmt(raw);
  if ((r = avformat_find_stream_info(fmt.get(), nullptr)) < 0)
    throw Error(input + ": cannot read stream information (" + error_text(r) + ")", kHint);
  return fmt;
}

int best_video_stream(AVFormatContext* fmt, const std::string& input) {
  int s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  // Cover art is a one-picture "video" stream; it is not the video.
  if (s >= 0 && (fmt->streams[s]->disposition & AV_DISPOSITION_ATTACHED_PIC)) s = -1;
  if (s < 0) throw Error(input + ": no video stream", "the file holds no decodable video track");
  return s;
}

Orientation orientation_of(const AVStream* st) {
  // Mirrors fftools 5.1 get_rotation() + configure_input_video_filter(): the display matrix
  // gives a counter-clockwise angle; the CLI negates it, wraps to [0, 360) and picks
  // transpose/flip filters, looking at matrix signs for mirrored files.
  const auto* m = reinterpret_cast<const int32_t*>(
      av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
  Orientation o;
  if (!m) return o;
  double theta = -std::round(av_display_rotation_get(m));
  if (std::isnan(theta)) return o;
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  if (std::fabs(theta - 90) < 1.0) {
    o = {90, m[3] > 0 ? Orient::CClockFlip : Orient::Clock};
  } else if (std::fabs(theta - 180) < 1.0) {
    bool h = m[0] < 0, v = m[4] < 0;
    o = {180, h && v ? Orient::Rot180 : h ? Orient::HFlip : v ? Orient::VFlip : Orient::None};
  } else if (std::fabs(theta - 270) < 1.0) {
    o = {270, m[3] < 0 ? Orient::ClockFlip : Orient::CClock};
  } else if (std::fabs(theta) < 1.0) {
    if (m[4] < 0) o.op = Orient::VFlip;
  }
  // Other angles: the CLI uses the `rotate` filter (with black corners); we leave them as is.
  return o;
}

VideoInfo probe(const std::string& input, const ProbeOptions& opt) {
  FormatPtr fmt = open_input(input);
  const int si = best_video_stream(fmt.get(), input);
  AVStream* st = fmt->streams[si];
  const AVCodecParameters* par = st->codecpar;

  VideoInfo info;
  info.input = input;
  info.container = name_or_empty(fmt->iformat->name);
  info.codec = name_or_empty(avcodec_get_name(par->codec_id));
  info.pixel_format = name_or_empty(av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format)));
  info.width = par->width;
  info.height = par->height;
  if (info.width <= 0 || info.height <= 0)
    throw Error(input + ": the video stream has no frame size", kHint);
  if (static_cast<int64_t>(info.width) * info.height > opt.max_pixels)
    throw Error(input + ": frame size " + std::to_string(info.width) + "x" +
                    std::to_string(info.height) + " exceeds max_pixels " +
                    std::to_string(opt.max_pixels),
                "raise max_pixels if this size is intended");
  info.rotation = orientation_of(st).rotation;

  AVRational rate = st->avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = st->r_frame_rate;
  info.fps = (rate.num > 0 && rate.den > 0) ? av_q2d(rate) : 0;

  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info.duration = seconds(st->duration, st->time_base);
  else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
    info.duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;

  json keyframes = nullptr;
  if (st->nb_frames > 0 && !opt.count_packets) {
    info.frame_count = st->nb_frames;
    info.frame_count_source = "header";
  } else {
    // Demux only (no decoding): header counts lie, packets rarely do.
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
      if (static_cast<int>(i) != si) fmt->streams[i]->discard = AVDISCARD_ALL;
    PacketPtr pkt(av_packet_alloc());
    int64_t packets = 0, keys = 0;
    while (av_read_frame(fmt.get(), pkt.get()) >= 0) {
      if (pkt->stream_index == si) {
        ++packets;
        if (pkt->flags & AV_PKT_FLAG_KEY) ++keys;
      }
      av_packet_unref(pkt.get());
    }
    info.frame_count = packets;
    info.frame_count_source = "packets";
    keyframes = keys;
  }
  if (info.frame_count <= 0) throw Error(input + ": the video stream holds no frames", kHint);
  if (info.duration <= 0 && info.fps > 0) info.duration = info.frame_count / info.fps;

  bool has_audio = false;
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    has_audio |= fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
  const AVRational sar = par->sample_aspect_ratio;
  info.extra = {
      {"color_space", name_or_empty(av_color_space_name(par->color_space))},
      {"color_range", name_or_empty(av_color_range_name(par->color_range))},
      {"color_primaries", name_or_empty(av_color_primaries_name(par->color_primaries))},
      {"sample_aspect_ratio", sar.num > 0 && sar.den > 0
                                  ? std::to_string(sar.num) + ":" + std::to_string(sar.den)
                                  : "1:1"},
      {"has_audio", has_audio},
      {"bit_rate", par->bit_rate > 0 ? par->bit_rate : fmt->bit_rate},
      {"keyframes", keyframes},
  };
  return info;
}

// ---------------------------------------------------------------------------------------------
// Decoding

namespace {

// YUV → packed RGB24 the way the ffmpeg 5.1 CLI's auto-inserted scale filter does it:
// sws flags "bicubic" (the CLI's default sws_flags), vf_scale's MPEG-2 chroma siting for
// yuv420p (src_v_chr_pos 128; swscale's default gave the same bytes on the odd-size test, kept
// explicit), then per frame the colour details vf_scale derives from the frame's tags
// (in_color_matrix "auto"). Measured: byte-identical to the CLI for 8/10-bit 4:2:0, 4:4:4,
// yuvj420p, odd sizes (tests/unit/test_ffmpeg_reader.cpp).
class RgbConverter {
 public:
  explicit RgbConverter(std::string matrix) : matrix_(std::move(matrix)) {}

  void convert(const AVFrame* f, uint8_t* dst, int dst_stride, const std::string& input) {
    if (!sws_ || f->width != w_ || f->height != h_ || f->format != fmt_) init(f, input);
    if (f->colorspace != cs_ || f->color_range != range_) details(f);
    uint8_t* planes[4] = {dst, nullptr, nullptr, nullptr};
    int strides[4] = {dst_stride, 0, 0, 0};
    int r = sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, planes, strides);
    if (r <= 0) throw Error(input + ": colour conversion failed (" + error_text(r) + ")", kHint);
  }

 private:
  void init(const AVFrame* f, const std::string& input) {
    SwsPtr s(sws_alloc_context());
    if (!s) throw Error(input + ": out of memory creating a scaler");
    av_opt_set_int(s.get(), "srcw", f->width, 0);
    av_opt_set_int(s.get(), "srch", f->height, 0);
    av_opt_set_int(s.get(), "src_format", f->format, 0);
    av_opt_set_int(s.get(), "dstw", f->width, 0);
    av_opt_set_int(s.get(), "dsth", f->height, 0);
    av_opt_set_int(s.get(), "dst_format", AV_PIX_FMT_RGB24, 0);
    av_opt_set_int(s.get(), "sws_flags", SWS_BICUBIC, 0);
    if (f->format == AV_PIX_FMT_YUV420P) av_opt_set_int(s.get(), "src_v_chr_pos", 128, 0);
    int r = sws_init_context(s.get(), nullptr, nullptr);
    if (r < 0)
      throw Error(input + ": cannot convert pixel format " +
                      name_or_empty(av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format))) +
                      " to rgb24 (" + error_text(r) + ")", kHint);
    sws_ = std::move(s);
    w_ = f->width, h_ = f->height, fmt_ = f->format;
    cs_ = -1, range_ = -1;
  }

  void details(const AVFrame* f) {
    int *inv_table = nullptr, *table = nullptr;
    int in_full = 0, out_full = 0, brightness = 0, contrast = 0, saturation = 0;
    sws_getColorspaceDetails(sws_.get(), &inv_table, &in_full, &table, &out_full, &brightness,
                             &contrast, &saturation);
    int cs = f->colorspace;  // vf_scale parse_yuv_type("auto"): unknown tags mean BT.601
    if (matrix_ == "bt601") cs = SWS_CS_ITU601;
    else if (matrix_ == "bt709") cs = SWS_CS_ITU709;
    else if (cs < 1 || cs > 10 || cs == 8) cs = SWS_CS_ITU601;
    const int* coeffs = sws_getCoefficients(cs);
    if (f->color_range != AVCOL_RANGE_UNSPECIFIED) in_full = f->color_range == AVCOL_RANGE_JPEG;
    sws_setColorspaceDetails(sws_.get(), coeffs, in_full, coeffs, out_full, brightness, contrast,
                             saturation);
    cs_ = f->colorspace, range_ = f->color_range;
    used_ = cs == SWS_CS_ITU709 ? "bt709" : cs == SWS_CS_FCC ? "fcc"
          : cs == SWS_CS_SMPTE240M ? "smpte240m" : cs >= SWS_CS_BT2020 ? "bt2020" : "bt601";
  }

 public:
  const std::string& used() const { return used_; }

 private:

  std::string matrix_, used_;
  SwsPtr sws_;
  int w_ = -1, h_ = -1, fmt_ = -1, cs_ = -1, range_ = -1;
};

// Applies an autorotate operation to a packed RGB24 image (src w×h) into dst.
void orient_rgb(Orient op, const uint8_t* src, int w, int h, uint8_t* dst) {
  const bool swap = op == Orient::Clock || op == Orient::CClock || op == Orient::ClockFlip ||
                    op == Orient::CClockFlip;
  const int dw = swap ? h : w, dh = swap ? w : h;
  for (int y = 0; y < dh; ++y) {
    uint8_t* out = dst + static_cast<std::size_t>(y) * dw * 3;
    for (int x = 0; x < dw; ++x, out += 3) {
      int sx = x, sy = y;  // source column and row
      switch (op) {
        case Orient::Clock: sx = y, sy = h - 1 - x; break;           // transpose=clock
        case Orient::CClock: sx = w - 1 - y, sy = x; break;          // transpose=cclock
        case Orient::CClockFlip: sx = y, sy = x; break;              // transpose=cclock_flip
        case Orient::ClockFlip: sx = w - 1 - y, sy = h - 1 - x; break;  // transpose=clock_flip
        case Orient::HFlip: sx = w - 1 - x; break;
        case Orient::VFlip: sy = h - 1 - y; break;
        case Orient::Rot180: sx = w - 1 - x, sy = h - 1 - y; break;
        case Orient::None: break;
      }
      std::memcpy(out, src + (static_cast<std::size_t>(sy) * w + sx) * 3, 3);
    }
  }
}

}  // namespace

FrameReader::FrameReader(std::string input) : input_(std::move(input)) {
  fmt_ = open_input(input_);
  stream_ = best_video_stream(fmt_.get(), input_);
  orient_ = orientation_of(fmt_->streams[stream_]);
}

FrameReader::~FrameReader() = default;

int FrameReader::width() const { return fmt_->streams[stream_]->codecpar->width; }
int FrameReader::height() const { return fmt_->streams[stream_]->codecpar->height; }

ReadStats FrameReader::read(const std::vector<int64_t>& indices, const ReadOptions& opt,
                            const std::function<bool(FramePtr)>& on_frame) {
  ReadStats stats;
  if (indices.empty()) return stats;
  if (indices.front() < 0 || !std::is_sorted(indices.begin(), indices.end()))
    throw Error(input_ + ": frame indices must be non-negative and ascending");
  if (opt.color_matrix != "auto" && opt.color_matrix != "bt601" && opt.color_matrix != "bt709")
    throw Error("color_matrix must be auto, bt601 or bt709, not '" + opt.color_matrix + "'");
  if (used_) {  // decoding always starts at the first frame: reopen rather than seek
    fmt_ = open_input(input_);
    stream_ = best_video_stream(fmt_.get(), input_);
  }
  used_ = true;

  AVStream* st = fmt_->streams[stream_];
  for (unsigned i = 0; i < fmt_->nb_streams; ++i)
    if (static_cast<int>(i) != stream_) fmt_->streams[i]->discard = AVDISCARD_ALL;
  const AVCodec* dec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!dec)
    throw Error(input_ + ": no decoder for codec " + avcodec_get_name(st->codecpar->codec_id),
                "this FFmpeg build cannot decode it; re-encode the video (e.g. to H.264)");
  CodecPtr ctx(avcodec_alloc_context3(dec));
  int r = avcodec_parameters_to_context(ctx.get(), st->codecpar);
  if (r < 0) throw Error(input_ + ": bad codec parameters (" + error_text(r) + ")", kHint);
  ctx->pkt_timebase = st->time_base;
  ctx->thread_count = opt.threads;  // 0 = one per core
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  ctx->max_pixels = opt.max_pixels;
  if ((r = avcodec_open2(ctx.get(), dec, nullptr)) < 0)
    throw Error(input_ + ": cannot open the " + dec->name + " decoder (" + error_text(r) + ")",
                kHint);

  const int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  const Orient op = opt.autorotate ? orient_.op : Orient::None;
  RgbConverter rgb(opt.color_matrix);
  std::vector<uint8_t> scratch;
  PacketPtr pkt(av_packet_alloc());
  AVFramePtr frame(av_frame_alloc());
  std::size_t next = 0;  // position in `indices`
  bool stopped = false;

  auto make_rgb = [&](int64_t index) -> FramePtr {
    const AVFrame* f = frame.get();
    const bool swap = op == Orient::Clock || op == Orient::CClock || op == Orient::ClockFlip ||
                      op == Orient::CClockFlip;
    FrameBuffer fb = make_frame(swap ? f->height : f->width, swap ? f->width : f->height);
    if (op == Orient::None) {
      rgb.convert(f, fb.pixels, fb.frame->stride, input_);
    } else {
      scratch.resize(static_cast<std::size_t>(f->width) * f->height * 3);
      rgb.convert(f, scratch.data(), f->width * 3, input_);
      orient_rgb(op, scratch.data(), f->width, f->height, fb.pixels);
    }
    fb.frame->index = index;
    const int64_t ts = f->best_effort_timestamp;
    fb.frame->timestamp = ts != AV_NOPTS_VALUE ? seconds(ts - start, st->time_base)
                          : rate.num > 0       ? index / av_q2d(rate)
                                               : 0.0;
    return fb.frame;
  };

  // Receives every frame the decoder has ready; false once reading should stop.
  auto drain = [&]() -> bool {
    for (;;) {
      int rr = avcodec_receive_frame(ctx.get(), frame.get());
      if (rr == AVERROR(EAGAIN) || rr == AVERROR_EOF) return true;
      if (rr == AVERROR_INVALIDDATA) continue;  // a broken picture: nothing to count
      if (rr < 0) throw Error(input_ + ": decoding failed (" + error_text(rr) + ")", kHint);
      const int64_t index = stats.decoded_frames++;  // decoder output order = presentation order
      FramePtr out;
      while (next < indices.size() && indices[next] == index) {
        if (!out) out = make_rgb(index);
        ++next;
        ++stats.returned_frames;
        if (!on_frame(out)) stopped = true;
        if (stopped) break;
      }
      av_frame_unref(frame.get());
      if (stopped || next == indices.size()) return false;
    }
  };

  std::string read_error;
  bool more = true;
  while (more) {
    if (opt.cancelled && opt.cancelled()) return stats;
    r = av_read_frame(fmt_.get(), pkt.get());
    if (r < 0) {  // like the CLI, a read error ends the input; the decoder is still flushed
      if (r != AVERROR_EOF) read_error = " (reading stopped: " + error_text(r) + ")";
      break;
    }
    if (pkt->stream_index != stream_) {
      av_packet_unref(pkt.get());
      continue;
    }
    // EAGAIN means output must be taken before this packet is accepted.
    while ((r = avcodec_send_packet(ctx.get(), pkt.get())) == AVERROR(EAGAIN))
      if (!(more = drain())) break;
    av_packet_unref(pkt.get());
    // Any other send error is an undecodable packet: skip it, it produced no frame.
    if (more) more = drain();
  }
  if (more) {
    avcodec_send_packet(ctx.get(), nullptr);  // flush: delayed (reordered) frames come out
    drain();
  }
  if (!stopped && next < indices.size())
    throw Error(input_ + ": the video has only " + std::to_string(stats.decoded_frames) +
                    " decodable frames but frame " + std::to_string(indices[next]) +
                    " was requested" + read_error,
                "the container's frame count is wrong; probe with count_packets or sample fewer "
                "frames");
  stats.color_matrix = rgb.used();
  return stats;
}

}  // namespace vidpipe::av
