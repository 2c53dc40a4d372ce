// Opening inputs safely. See input_source.hpp for the rules.
#include "common/input_source.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "common/image_sequence.hpp"
#include "common/library_logs.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/mem.h>
}

namespace fs = std::filesystem;

namespace vidpipe::av {
namespace {

// Real containers only (users-and-security.md §2): playlist and indirection formats (hls,
// dash, concat, tee, lavfi, subfile, ...) can make FFmpeg open other URLs or files named
// inside the media, and single-image formats are not videos. Audio formats are listed so that
// an audio file fails with "no video stream" rather than a whitelist error.
const char* kFormatWhitelist =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,mpegvideo,ogg,gif,asf,h264,hevc,"
    "m4v,ivf,mxf,nut,obu,av1,yuv4mpegpipe,mjpeg,wav,mp3,aac,flac";
const char* kPlaylistFormats = "hls,applehttp,dash";
const char* kOpenHint = "check that the file is a complete, playable video (ffprobe shows its streams)";

constexpr int kIoBuffer = 1 << 16;

bool starts_with_ci(const std::string& s, const char* prefix) {
  const std::size_t n = std::strlen(prefix);
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool is_b64_char(unsigned char c) { return std::isalnum(c) || c == '+' || c == '/' || c == '='; }

// A raw base64 video: long, only base64 characters (and line breaks), not an existing file.
// Video containers never encode to a leading '/', so absolute paths are never taken for it.
bool looks_like_raw_base64(const std::string& s) {
  if (s.size() < 64 || s.front() == '/') return false;
  for (unsigned char c : s)
    if (!is_b64_char(c) && c != '\n' && c != '\r') return false;
  std::error_code ec;
  return !fs::exists(s, ec);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// Custom I/O owned by vidpipe, stored in AVFormatContext::opaque and freed by FormatCloser.
struct CustomIO {
  AVIOContext* pb = nullptr;     // the context the demuxer reads (ours), or `inner` itself
  AVIOContext* inner = nullptr;  // FFmpeg's file/http context
  std::shared_ptr<const void> keep;  // memory inputs: owner of [mem, mem + size)
  const uint8_t* mem = nullptr;
  int64_t size = 0, pos = 0;
  int64_t bytes = 0, max_bytes = 0;  // counted through a wrapped http context
  bool over_limit = false;
  // Interrupt callback (AVIOInterruptCB) of the format context and of FFmpeg's own I/O
  // context: a blocked connect or read is abandoned once the deadline passes.
  Clock::time_point deadline{};
  std::function<bool()> cancelled;
  bool interrupted = false;

  static int interrupt(void* op) {
    auto* io = static_cast<CustomIO*>(op);
    if ((io->deadline != Clock::time_point{} && Clock::now() > io->deadline) ||
        (io->cancelled && io->cancelled()))
      io->interrupted = true;
    return io->interrupted ? 1 : 0;
  }

  ~CustomIO() {
    if (pb && pb != inner) {
      av_freep(&pb->buffer);
      avio_context_free(&pb);
    }
    if (inner) avio_closep(&inner);
  }

  static int mem_read(void* op, uint8_t* buf, int size) {
    auto* io = static_cast<CustomIO*>(op);
    const int64_t left = io->size - io->pos;
    if (left <= 0) return AVERROR_EOF;
    const int n = static_cast<int>(std::min<int64_t>(left, size));
    std::memcpy(buf, io->mem + io->pos, n);
    io->pos += n;
    return n;
  }
  static int64_t mem_seek(void* op, int64_t offset, int whence) {
    auto* io = static_cast<CustomIO*>(op);
    const int64_t size = io->size;
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return size;
    int64_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? io->pos + offset
               : whence == SEEK_END ? size + offset : -1;
    if (to < 0 || whence > SEEK_END) return AVERROR(EINVAL);
    io->pos = std::min(to, size);
    return io->pos;
  }
  // Counts downloaded bytes: a stream longer than its Content-Length said (or without one)
  // still stops at max_bytes.
  static int wrap_read(void* op, uint8_t* buf, int size) {
    auto* io = static_cast<CustomIO*>(op);
    const int r = avio_read(io->inner, buf, size);
    if (r > 0 && (io->bytes += r) > io->max_bytes) {
      io->over_limit = true;
      return AVERROR(EFBIG);
    }
    return r == 0 ? AVERROR_EOF : r;
  }
  static int64_t wrap_seek(void* op, int64_t offset, int whence) {
    auto* io = static_cast<CustomIO*>(op);
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return avio_size(io->inner);
    return avio_seek(io->inner, offset, whence);
  }
};

// --- base64 -------------------------------------------------------------------------------

int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::string b64_decode(const std::string& in, std::size_t begin, const std::string& name, int64_t max_bytes) {
  // Length first: refuse what would decode to more than max_bytes before allocating it.
  const std::size_t chars = in.size() - begin;
  if (static_cast<double>(chars) * 3 / 4 > static_cast<double>(max_bytes))
    throw Error(name + ": base64 input decodes to about " + std::to_string(chars / 4 * 3) +
                    " bytes, more than max_input_bytes " + std::to_string(max_bytes),
                "pass the video as a file, or raise the max_input_bytes parameter (probe and decode)");
  std::string out;
  out.reserve(chars / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0, digits = 0;
  for (std::size_t i = begin; i < in.size(); ++i) {
    const unsigned char c = in[i];
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const int v = b64_value(c);
    if (v < 0 || pad > 0)
      throw Error(name + ": invalid base64: " +
                      (v < 0 ? "character '" + std::string(std::isprint(c) ? std::string(1, static_cast<char>(c))
                                                                          : "\\x" + std::to_string(c)) +
                                   "'"
                             : std::string("data after '=' padding")) +
                      " at position " + std::to_string(i - begin),
                  "encode the video with standard base64 (e.g. `base64 -w0 video.mp4`)");
    ++digits;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (digits % 4 == 1 || pad > 2 || (pad && (digits + pad) % 4 != 0))
    throw Error(name + ": invalid base64: truncated (" + std::to_string(digits) + " base64 digits)",
                "check that the whole base64 text was passed");
  if (out.empty()) throw Error(name + ": base64 input is empty", "pass a base64-encoded video");
  return out;
}

struct Mapped {
  const uint8_t* p = nullptr;
  std::size_t n = 0;
  ~Mapped() {
    if (p) munmap(const_cast<uint8_t*>(p), n);
  }
};

// stdin can be read only once, but probe and decode both open the input, and they live in
// different plugin libraries (each with its own copy of this code and its statics). So the
// first reader moves stdin into a sealed memfd (anonymous memory, no file on disk) and puts it
// in place of fd 0; every later open, in any library, maps that memfd.
std::shared_ptr<const Mapped> read_stdin(int64_t max_bytes) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const int seals = fcntl(STDIN_FILENO, F_GET_SEALS);
  if (seals < 0 || !(seals & F_SEAL_WRITE)) {
    if (isatty(STDIN_FILENO))
      throw Error("stdin: is a terminal, not a video", "pipe a video into vidpipe: vidpipe run - < video.mp4");
    const int fd = memfd_create("vidpipe-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) throw Error("stdin: cannot allocate memory for the input");
    std::vector<char> buf(1 << 20);
    int64_t total = 0;
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      total += n;
      if (total > max_bytes) {
        close(fd);
        throw Error("stdin: input is larger than max_input_bytes " + std::to_string(max_bytes),
                    "pass the video as a file, or raise the max_input_bytes parameter (probe and decode)");
      }
      for (ssize_t off = 0; off < n;) {
        const ssize_t w = ::write(fd, buf.data() + off, static_cast<std::size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          close(fd);
          throw Error("stdin: cannot keep the input in memory");
        }
        off += w;
      }
    }
    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    dup2(fd, STDIN_FILENO);
    close(fd);
  }
  struct stat st {};
  if (fstat(STDIN_FILENO, &st) != 0 || st.st_size <= 0)
    throw Error("stdin: no data (0 bytes)", "pipe a video into vidpipe: vidpipe run - < video.mp4");
  auto m = std::make_shared<Mapped>();
  void* p = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, STDIN_FILENO, 0);
  if (p == MAP_FAILED) throw Error("stdin: cannot map the input");
  m->p = static_cast<const uint8_t*>(p);
  m->n = static_cast<std::size_t>(st.st_size);
  return m;
}

// --- http ---------------------------------------------------------------------------------

struct UrlParts {
  std::string scheme, host;
};

UrlParts parse_url(const std::string& url) {
  UrlParts u;
  const std::size_t colon = url.find("://");
  u.scheme = url.substr(0, colon);
  for (auto& c : u.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string rest = url.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  u.host = rest;
  return u;
}

std::string http_error(const std::string& url, int r, const InputOptions& opt, const CustomIO* io) {
  if (io && io->over_limit)
    return url + ": download is larger than max_input_bytes " + std::to_string(opt.max_input_bytes);
  if (r == AVERROR(ETIMEDOUT))
    return url + ": timed out (no answer within net_timeout " + seconds_text(opt.net_timeout) + ")";
  if (r == AVERROR(EIO))
    return url + ": cannot read (" + error_text(r) +
           "; vidpipe does not follow redirects: pass the final URL)";
  return url + ": cannot read (" + error_text(r) + ")";
}

void set_net_options(AVDictionary** d, const UrlParts& u, const InputOptions& opt) {
  const std::string us = std::to_string(static_cast<int64_t>(opt.net_timeout * 1e6));
  // Only what the URL needs: a redirect or a nested open can never reach file, pipe, concat...
  av_dict_set(d, "protocol_whitelist", u.scheme == "https" ? "https,tls,tcp" : "http,tcp", 0);
  av_dict_set(d, "rw_timeout", us.c_str(), 0);  // per read/write, any protocol
  av_dict_set(d, "timeout", us.c_str(), 0);     // tcp: connect and socket I/O
  av_dict_set(d, "max_redirects", "0", 0);      // a redirect could name another host
  av_dict_set(d, "reconnect", "0", 0);
  av_dict_set(d, "icy", "0", 0);
  av_dict_set(d, "user_agent", "vidpipe/" VIDPIPE_VERSION, 0);
  if (u.scheme == "https") {
    if (opt.tls_verify) {
      av_dict_set(d, "tls_verify", "1", 0);
      for (const char* ca : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"})
        if (fs::exists(ca)) {
          av_dict_set(d, "ca_file", ca, 0);
          break;
        }
    }
  }
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
  long long w = 0, h = 0;
  for (std::size_t i = 0; i + 1 < first.size(); ++i)
    if (first[i] == ' ' && (first[i + 1] == 'W' || first[i + 1] == 'H'))
      (first[i + 1] == 'W' ? w : h) = std::atoll(first.c_str() + i + 2);
  if (w <= 0 || h <= 0)
    throw Error(name + ": YUV4MPEG2 header gives no valid frame size", kOpenHint);
  if (w * h > max_pixels || w > 65535 || h > 65535)
    throw Error(name + ": header claims a frame size of " + size_text(w, h) +
                    ", more than max_pixels " + std::to_string(max_pixels),
                "the file is damaged or hostile; raise max_pixels only if this size is intended");
}

}  // namespace

const char* to_string(InputKind k) {
  switch (k) {
    case InputKind::File: return "file";
    case InputKind::Http: return "http";
    case InputKind::Base64: return "base64";
    case InputKind::Stdin: return "stdin";
    case InputKind::Sequence: return "image_sequence";
  }
  return "?";
}

InputKind classify(const std::string& input) {
  if (input == "-") return InputKind::Stdin;
  if (input.rfind("data:", 0) == 0) return InputKind::Base64;
  if (starts_with_ci(input, "http://") || starts_with_ci(input, "https://")) return InputKind::Http;
  if (imgseq::is_sequence(input)) return InputKind::Sequence;
  if (looks_like_raw_base64(input)) return InputKind::Base64;
  return InputKind::File;
}

std::string display_name(const std::string& input) {
  if (input == "-") return "stdin";
  if (input.rfind("data:", 0) == 0) {
    const std::size_t comma = input.find(',');
    return input.substr(0, std::min<std::size_t>(comma, 64)) + " input (" + std::to_string(input.size()) + " chars)";
  }
  if (input.size() > 200 && looks_like_raw_base64(input))
    return "base64 input (" + std::to_string(input.size()) + " chars)";
  if (input.size() > 200) return input.substr(0, 160) + "...(" + std::to_string(input.size()) + " chars)";
  if (classify(input) == InputKind::Base64) return "base64 input (" + std::to_string(input.size()) + " chars)";
  return input;
}

std::string decode_base64_input(const std::string& input, int64_t max_bytes) {
  const std::string name = display_name(input);
  if (input.rfind("data:", 0) == 0) {
    const std::size_t comma = input.find(',');
    if (comma == std::string::npos)
      throw Error(name + ": not a data URI (no ',')", "write it as data:video/mp4;base64,<base64>");
    const std::string header = input.substr(5, comma - 5);
    if (header.size() < 7 || header.compare(header.size() - 7, 7, ";base64") != 0)
      throw Error(name + ": data URI is not base64-encoded", "write it as data:video/mp4;base64,<base64>");
    return b64_decode(input, comma + 1, name, max_bytes);
  }
  return b64_decode(input, 0, name, max_bytes);
}

void release_custom_io(void* opaque) { delete static_cast<CustomIO*>(opaque); }

FormatPtr open_format(const std::string& input, const InputOptions& opt) {
  route_ffmpeg_logs();
  clear_ffmpeg_error();
  const InputKind kind = classify(input);
  const std::string name = display_name(input);
  auto io = std::make_unique<CustomIO>();
  io->deadline = opt.deadline;
  io->cancelled = opt.cancelled;
  const AVIOInterruptCB int_cb{&CustomIO::interrupt, io.get()};
  // Any failure after the deadline passed (or the job was cancelled) is reported as that.
  auto check_interrupted = [&](bool interrupted) {
    if (!interrupted) return;
    if (opt.deadline != Clock::time_point{} && Clock::now() > opt.deadline)
      throw Error(name + ": deadline of " + seconds_text(opt.deadline_s) + " exceeded while reading the input",
                  "raise the node's deadline parameter, or check that the source is not stalled or hostile");
    throw Error(name + ": reading cancelled");
  };
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
      check_interrupted(io->interrupted);
      if (r < 0) throw Error(name + ": cannot open (" + error_text(r) + ")", "check that the file is readable");
      io->pb = io->inner;
      url = "file:" + path;
      nested_protocols = "file";
      break;
    }
    case InputKind::Http: {
      const UrlParts u = parse_url(input);
      if (u.host.empty()) throw Error(name + ": URL without a host", "write it as http://host/path/video.mp4");
      AVDictionary* d = nullptr;
      set_net_options(&d, u, opt);
      r = avio_open2(&io->inner, input.c_str(), AVIO_FLAG_READ, &int_cb, &d);
      av_dict_free(&d);
      check_interrupted(io->interrupted);
      if (r < 0)
        throw Error(http_error(name, r, opt, nullptr),
                    r == AVERROR(ETIMEDOUT) ? "check that the server is up, or raise the net_timeout parameter"
                                            : "check the URL (it must answer 200 to a GET)");
      const int64_t size = avio_size(io->inner);
      if (size > opt.max_input_bytes)
        throw Error(name + ": the server announces " + std::to_string(size) + " bytes, more than max_input_bytes " +
                        std::to_string(opt.max_input_bytes),
                    "raise the max_input_bytes parameter (probe and decode) if this size is intended");
      io->max_bytes = opt.max_input_bytes;
      auto* buf = static_cast<uint8_t*>(av_malloc(kIoBuffer));
      io->pb = avio_alloc_context(buf, kIoBuffer, 0, io.get(), &CustomIO::wrap_read, nullptr,
                                  (io->inner->seekable & AVIO_SEEKABLE_NORMAL) ? &CustomIO::wrap_seek : nullptr);
      if (!io->pb) {
        av_free(buf);
        throw Error(name + ": out of memory");
      }
      url = input;
      nested_protocols = u.scheme == "https" ? "https,tls,tcp" : "http,tcp";
      break;
    }
    case InputKind::Base64:
    case InputKind::Stdin: {
      if (kind == InputKind::Stdin) {
        auto m = read_stdin(opt.max_input_bytes);
        io->mem = m->p, io->size = static_cast<int64_t>(m->n), io->keep = m;
      } else {
        auto bytes = std::make_shared<const std::string>(decode_base64_input(input, opt.max_input_bytes));
        io->mem = reinterpret_cast<const uint8_t*>(bytes->data()), io->size = static_cast<int64_t>(bytes->size());
        io->keep = bytes;
      }
      auto* buf = static_cast<uint8_t*>(av_malloc(kIoBuffer));
      io->pb = avio_alloc_context(buf, kIoBuffer, 0, io.get(), &CustomIO::mem_read, nullptr, &CustomIO::mem_seek);
      if (!io->pb) {
        av_free(buf);
        throw Error(name + ": out of memory");
      }
      url = kind == InputKind::Stdin ? "pipe:stdin" : "memory:base64";
      nested_protocols = "none";  // memory inputs may not open anything else
      break;
    }
  }

  // Detect the container ourselves, so a refused format gets a clear message (FFmpeg only says
  // "Invalid argument") and nothing of it is parsed.
  const AVInputFormat* ifmt = nullptr;
  r = av_probe_input_buffer2(io->pb, &ifmt, url.c_str(), nullptr, 0, 0);
  if (r < 0 || !ifmt) {
    check_interrupted(io->interrupted);
    if (kind == InputKind::Http) throw Error(http_error(name, r, opt, io.get()), kOpenHint);
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
    check_interrupted(io->interrupted);
    if (kind == InputKind::Http) throw Error(http_error(name, r, opt, io.get()), kOpenHint);
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
    check_interrupted(owner->interrupted);
    if (kind == InputKind::Http) throw Error(http_error(name, r, opt, owner), kOpenHint);
    throw Error(name + ": cannot read stream information (" + error_text(r) + ")" + ffmpeg_said(), kOpenHint);
  }
  return fmt;
}

}  // namespace vidpipe::av
