// Opening inputs safely. See input_source.hpp for the rules.
#include <vidpipe/media/input_source.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

#include <vidpipe/media/library_logs.hpp>
#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/input_io.hpp>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/mem.h>
}

namespace fs = std::filesystem;

namespace vidpipe::av {
namespace {

// Real containers only (docs/input-safety.md §2): playlist and indirection formats (hls,
// dash, concat, tee, lavfi, subfile, ...) can make FFmpeg open other URLs or files named
// inside the media, and single-image formats are not videos. Audio formats are listed so that
// an audio file fails with "no video stream" rather than a whitelist error.
const char* kFormatWhitelist =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,mpegvideo,ogg,gif,asf,h264,hevc,"
    "m4v,ivf,mxf,nut,obu,av1,yuv4mpegpipe,mjpeg,wav,mp3,aac,flac";
const char* kPlaylistFormats = "hls,applehttp,dash";
const char* kOpenHint = "check that the file is a complete, playable video (ffprobe shows its streams)";

bool starts_with_https(const std::string& url) {
  return url.size() > 8 && std::tolower(static_cast<unsigned char>(url[4])) == 's';  // http[s]://
}

// A side of a YUV4MPEG2 header ("W640" -> 640), from untrusted text: the digits of its last
// token (FFmpeg takes the last one), and their value (0 without digits, INT64_MAX when it does not fit).
struct Y4mSide {
  std::string digits;
  int64_t value = 0;
};
Y4mSide y4m_side(const std::string& header, char tag) {
  Y4mSide s;
  const std::size_t at = header.rfind(std::string(" ") + tag);
  if (at == std::string::npos) return s;
  const std::size_t from = at + 2;
  s.digits = header.substr(from, header.find_first_not_of("0123456789", from) - from);
  if (s.digits.empty()) return s;
  errno = 0;
  const long long v = std::strtoll(s.digits.c_str(), nullptr, 10);
  s.value = errno == ERANGE ? INT64_MAX : v;
  return s;
}

// Raw YUV4MPEG2 states its size in a text header and FFmpeg allocates frames of that size:
// refuse absurd sizes here, with a clear message (FFmpeg's own check says "Device or resource
// busy" for W100000 H100000), before any frame buffer exists.
void check_y4m_size(AVIOContext* pb, const std::string& name, int64_t max_pixels) {
  char line[256] = {};
  const int n = avio_read(pb, reinterpret_cast<unsigned char*>(line), sizeof line - 1);
  avio_seek(pb, 0, SEEK_SET);  // inside the probe buffer: no I/O
  if (n <= 0) return;
  const std::string head(line, static_cast<std::size_t>(n));
  const std::string first = head.substr(0, head.find('\n'));
  const Y4mSide w = y4m_side(first, 'W'), h = y4m_side(first, 'H');
  if (w.value <= 0 || h.value <= 0)
    throw Error(name + ": YUV4MPEG2 header gives no valid frame size", kOpenHint);
  // Each side first: their product is then at most 65535², far from overflowing.
  if (w.value > 65535 || h.value > 65535 || w.value * h.value > max_pixels)
    throw LimitError(name + ": header claims a frame size of " + w.digits + "x" + h.digits +
                         ", more than max_input_pixels " + std::to_string(max_pixels),
                     "the file is damaged or hostile; raise max_input_pixels only if this size is intended");
}

}  // namespace

FormatPtr open_format(const std::string& input, const InputOptions& opt, std::shared_ptr<InputData> data) {
  route_ffmpeg_logs();
  clear_ffmpeg_error();
  const InputKind kind = classify_input(input);
  const std::string name = input_display_name(input);
  auto io = std::make_unique<CustomIO>();
  io->name = name;
  io->deadline = opt.deadline;
  io->deadline_s = opt.deadline_s;
  io->cancelled = opt.cancelled;
  const AVIOInterruptCB int_cb{&CustomIO::interrupt, io.get()};
  std::string url;               // what FFmpeg is told the input is called
  std::string nested_protocols;  // protocols a demuxer may open from inside the input
  int r = 0;

  switch (kind) {
    case InputKind::Sequence:
      throw Error(name + ": is a frame sequence (folder, pattern or image list), not a video file",
                  "decode it with decode.images or decode.auto");
    case InputKind::File: {
      const std::string path = local_path(input);
      std::error_code ec;
      if (fs::file_size(path, ec) == 0 && !ec)
        throw Error(name + ": is empty (0 bytes)", "the file holds no video; re-copy or re-export it");
      AVDictionary* d = nullptr;
      av_dict_set(&d, "protocol_whitelist", "file", 0);
      // "file:" prefix so a path containing ':' is never read as another protocol.
      r = avio_open2(&io->inner, ("file:" + path).c_str(), AVIO_FLAG_READ, &int_cb, &d);
      av_dict_free(&d);
      io->throw_if_stopped();  // any failure after the deadline, a cancel ... is reported as that
      if (r < 0) throw Error(name + ": cannot open (" + error_text(r) + ")", "check that the file is readable");
      io->pb = io->inner;
      url = "file:" + path;
      nested_protocols = "file";
      break;
    }
    case InputKind::Http:
    case InputKind::Base64:
    case InputKind::Stdin: {
      io->data = data ? std::move(data) : InputData::load(input, opt);
      auto* buf = static_cast<uint8_t*>(av_malloc(kIoBuffer));
      io->pb = avio_alloc_context(buf, kIoBuffer, 0, io.get(), &CustomIO::data_read, nullptr, &CustomIO::data_seek);
      if (!io->pb) {
        av_free(buf);
        throw Error(name + ": out of memory");
      }
      if (kind == InputKind::Http) {
        url = input;
        nested_protocols = starts_with_https(input) ? "https,tls,tcp" : "http,tcp";
      } else {
        url = kind == InputKind::Stdin ? "pipe:stdin" : "memory:base64";
        nested_protocols = "none";  // memory inputs may not open anything else
      }
      break;
    }
  }

  // Detect the container ourselves, so a refused format gets a clear message (FFmpeg only says
  // "Invalid argument") and nothing of it is parsed.
  const AVInputFormat* ifmt = nullptr;
  r = av_probe_input_buffer2(io->pb, &ifmt, url.c_str(), nullptr, 0, 0);
  if (r < 0 || !ifmt) {
    io->throw_if_stopped();
    if (kind == InputKind::Http) throw Error(http_error(name, r, opt), kOpenHint);
    throw Error(name + ": not a video (" + error_text(r) + ": no known container format found by content)", kOpenHint);
  }
  std::string whitelist = kFormatWhitelist;
  if (opt.allow_playlists) whitelist += std::string(",") + kPlaylistFormats;
  if (av_match_list(ifmt->name, whitelist.c_str(), ',') <= 0) {
    const std::string f = ifmt->name;
    if (av_match_list(ifmt->name, kPlaylistFormats, ',') > 0 || f == "concat" || f == "ffconcat")
      throw Error(name + ": is a playlist (format " + f + "), refused: playlists make FFmpeg fetch the URLs "
                         "or files they name",
                  "pass the media file itself; set allow_playlists: true (probe and decode) only for trusted "
                  "hls/dash inputs");
    if (f == "image2" || f.find("_pipe") != std::string::npos)
      throw Error(name + ": is a single image (format " + f + "), not a video",
                  "pass a folder, a pattern or a JSON list of images for a frame sequence");
    throw Error(name + ": not a video (detected format '" + f + "', which vidpipe does not read)", kOpenHint);
  }

  if (std::strcmp(ifmt->name, "yuv4mpegpipe") == 0) check_y4m_size(io->pb, name, opt.max_pixels);

  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw Error(name + ": out of memory");
  raw->pb = io->pb;
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->interrupt_callback = int_cb;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", nested_protocols.c_str(), 0);
  av_dict_set(&opts, "format_whitelist", whitelist.c_str(), 0);
  if (kind == InputKind::Http) {
    const std::string us = std::to_string(static_cast<int64_t>(opt.net_timeout * 1e6));
    av_dict_set(&opts, "rw_timeout", us.c_str(), 0);
    av_dict_set(&opts, "max_redirects", "0", 0);
  }
  r = avformat_open_input(&raw, url.c_str(), ifmt, &opts);  // frees raw on failure
  av_dict_free(&opts);
  if (r < 0) {
    io->throw_if_stopped();
    if (kind == InputKind::Http) throw Error(http_error(name, r, opt), kOpenHint);
    if (last_ffmpeg_error() == "moov atom not found")
      throw Error(name + ": has no video frames: the MP4 index (moov atom) is missing, the file was cut short",
                  "re-copy or re-export the file; a recording stopped before it was finalised needs an MP4 "
                  "repair tool");
    throw Error(name + ": cannot open as a video (" + error_text(r) + ")" + ffmpeg_said(), kOpenHint);
  }
  raw->opaque = io.release();  // freed by FormatCloser after avformat_close_input
  FormatPtr fmt(raw);
  CustomIO* owner = static_cast<CustomIO*>(raw->opaque);
  if ((r = avformat_find_stream_info(fmt.get(), nullptr)) < 0) {
    owner->throw_if_stopped();
    if (kind == InputKind::Http) throw Error(http_error(name, r, opt), kOpenHint);
    throw Error(name + ": cannot read stream information (" + error_text(r) + ")" + ffmpeg_said(), kOpenHint);
  }
  owner->throw_if_stopped();  // FFmpeg takes what it read before a cap or stall as the headers
  return fmt;
}

}  // namespace vidpipe::av
