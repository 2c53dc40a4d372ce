// FFmpeg opening (probing: ffmpeg_probe.cpp; the packet index: packet_index.cpp; the decoder
// itself: packet_decoder.cpp; the decoder backend: ffmpeg_backend.cpp; FrameReader:
// frame_read.cpp; autorotation: orientation.cpp).
// See ffmpeg_reader.hpp for the contract.
#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/input_source.hpp>
#include <vidpipe/media/library_logs.hpp>
#include <vidpipe/media/packet_decoder.hpp>

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

void FormatCloser::operator()(AVFormatContext* p) const {
  void* io = p ? p->opaque : nullptr;  // vidpipe's custom I/O (input_source.cpp), freed after
  avformat_close_input(&p);
  release_custom_io(io);
}
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

// The format whitelist and input rules live in input_source.cpp.

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

}  // namespace

std::string local_path(const std::string& input) {
  std::string path = input;
  if (input.rfind("file://", 0) == 0) {
    path = percent_decode(input.substr(7));
    if (path.rfind("localhost/", 0) == 0) path = path.substr(9);
    if (!path.empty() && path.front() != '/')
      throw Error(input + ": file:// URLs must name a local absolute path (file:///path/video.mp4)",
                  "remote hosts are read through http:// or https:// only");
  } else if (const auto sep = input.find("://"); sep != std::string::npos) {
    throw Error(input + ": unsupported URL scheme '" + input.substr(0, sep) + "'",
                "vidpipe reads local paths, file://, http:// and https:// URLs, base64 and stdin (-)");
  } else if (input == "-") {
    throw Error("stdin: not a local file", "open it with open_input()");
  }
  if (path.empty()) throw Error("empty input path", "name a video file");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(input_display_name(input) + ": no such file", "check the path");
  if (std::filesystem::is_directory(path, ec))
    throw Error(input + ": is a directory, not a video file", "name a video file, or a folder of images");
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(input + ": is not a regular file (device, pipe or socket)", "pipe data through stdin (-) instead");
  return path;
}

// Any input kind (local, file://, http(s), base64, stdin) with the rules of input_source.hpp:
// protocol and format whitelists, timeouts, size caps.
FormatPtr open_input(const std::string& input, const InputOptions& opt, std::shared_ptr<InputData> data) {
  return open_format(input, opt, std::move(data));
}

int best_video_stream(AVFormatContext* fmt, const std::string& input) {
  const int s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const bool cover = s >= 0 && (fmt->streams[s]->disposition & AV_DISPOSITION_ATTACHED_PIC);  // not the video
  if (s >= 0 && !cover) return s;
  throw Error(input + ": has no video frames: no video stream" + (cover ? ", only cover art (an attached picture)" : ""),
              cover ? "give a file with a video track, or the picture itself as a one-image list ('[\"cover.png\"]')"
                    : "give a file with a video track (this one holds audio or data only)");
}

}  // namespace vidpipe::av
