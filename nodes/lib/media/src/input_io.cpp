// vidpipe's AVIO, interrupt callback and memory inputs. See input_io.hpp.
#include <vidpipe/media/input_io.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/input_source.hpp>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

namespace vidpipe::av {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// --- reading ------------------------------------------------------------------------------

CustomIO::~CustomIO() {
  if (pb && pb != inner) {
    av_freep(&pb->buffer);
    avio_context_free(&pb);
  }
  if (inner) avio_closep(&inner);
}

int CustomIO::interrupt(void* op) {
  auto* io = static_cast<CustomIO*>(op);
  if (io->stop != Stop::None) return 1;
  const Clock::time_point now = Clock::now();
  if (io->deadline != Clock::time_point{} && now > io->deadline)
    io->stop = Stop::Deadline;
  else if (io->cancelled && io->cancelled())
    io->stop = Stop::Cancelled;
  else if (io->waiting_since != Clock::time_point{} &&
           now - io->waiting_since > std::chrono::duration<double>(io->stall_after))
    io->stop = Stop::Stalled;
  return io->stop != Stop::None ? 1 : 0;
}

int CustomIO::data_read(void* op, uint8_t* buf, int size) {
  auto* io = static_cast<CustomIO*>(op);
  if (io->stop != Stop::None) return AVERROR_EXIT;
  const int r = io->data->read_at(io->pos, buf, size);
  if (r > 0) io->pos += r;
  return r;
}

int64_t CustomIO::data_seek(void* op, int64_t offset, int whence) {
  auto* io = static_cast<CustomIO*>(op);
  const int64_t size = io->data->size();  // -1 while a download without a length runs
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return size >= 0 ? size : AVERROR(ENOSYS);
  const int64_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? io->pos + offset
                   : whence == SEEK_END && size >= 0 ? size + offset : -1;
  if (to < 0 || whence > SEEK_END) return AVERROR(EINVAL);
  io->pos = size >= 0 ? std::min(to, size) : to;  // a position ahead is fetched when read
  return io->pos;
}

void CustomIO::throw_if_stopped() const {
  if (data) data->throw_if_stopped();
  switch (stop) {
    case Stop::None:
      return;
    case Stop::Deadline:
      throw LimitError(name + ": deadline of " + seconds_text(deadline_s) + " exceeded while reading the input",
                       "raise the node's deadline parameter, or check that the source is not stalled or hostile");
    case Stop::Cancelled:
      throw Error(name + ": reading cancelled");
    case Stop::Stalled:
      throw LimitError(name + ": the server stalled: less than " + std::to_string(kReadBlock / 1024) +
                           " KiB arrived in net_timeout " + seconds_text(stall_after) + " (after " +
                           std::to_string(bytes) + " bytes)",
                       "check that the server is up and not throttling, or raise the net_timeout parameter "
                       "(probe and decode) for a slow link");
    case Stop::OverLimit:
      throw LimitError(name + ": download is larger than max_input_bytes " + std::to_string(max_bytes),
                       "raise the max_input_bytes parameter (probe and decode) if this size is intended (an "
                       "endless live stream never fits)");
  }
}

void check_read_stop(const AVFormatContext* fmt) {
  if (fmt && fmt->opaque) static_cast<const CustomIO*>(fmt->opaque)->throw_if_stopped();
}

void release_custom_io(void* opaque) { delete static_cast<CustomIO*>(opaque); }

namespace {

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
    throw LimitError(name + ": base64 input decodes to about " + std::to_string(chars / 4 * 3) +
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
    if (v < 0 || pad > 0) {
      char hex[8];  // the offending byte as \xHH when it does not print
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      const std::string shown = std::isprint(c) ? std::string(1, static_cast<char>(c)) : std::string(hex);
      throw Error(name + ": invalid base64: " +
                      (v < 0 ? "character '" + shown + "'" : std::string("data after '=' padding")) +
                      " at position " + std::to_string(i - begin),
                  "encode the video with standard base64 (e.g. `base64 -w0 video.mp4`)");
    }
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

}  // namespace

std::string decode_base64_input(const std::string& input, int64_t max_bytes) {
  const std::string name = input_display_name(input);
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

// --- stdin ---------------------------------------------------------------------------------

Mapped::~Mapped() {
  if (p) munmap(const_cast<uint8_t*>(p), n);
}

namespace {

std::shared_ptr<const Mapped> map_stdin(int64_t max_bytes) {
  if (isatty(STDIN_FILENO))
    throw Error("stdin: is a terminal, not a video", "pipe a video into vidpipe: vidpipe run - < video.mp4");
  const int fd = memfd_create("vidpipe-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw Error("stdin: cannot allocate memory for the input");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  std::vector<char> buf(1 << 20);
  int64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += n;
    if (total > max_bytes)
      throw LimitError("stdin: input is larger than max_input_bytes " + std::to_string(max_bytes),
                       "pass the video as a file, or raise the max_input_bytes parameter (probe and decode)");
    for (ssize_t off = 0; off < n;) {
      const ssize_t w = ::write(fd, buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw Error("stdin: cannot keep the input in memory");
      off += w;
    }
  }
  if (total == 0) throw Error("stdin: no data (0 bytes)", "pipe a video into vidpipe: vidpipe run - < video.mp4");
  fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  void* p = mmap(nullptr, static_cast<std::size_t>(total), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw Error("stdin: cannot map the input");
  auto m = std::make_shared<Mapped>();
  m->p = static_cast<const uint8_t*>(p);
  m->n = static_cast<std::size_t>(total);
  return m;
}

}  // namespace

// stdin can be read only once, but the probe and the decoder both open the input: the first
// reader moves it into a sealed memfd (anonymous memory, no file on disk), maps it and keeps the
// mapping for the process (one copy: libvidpipe_media is shared); every later open gets it.
std::shared_ptr<const Mapped> read_stdin(int64_t max_bytes) {
  static std::mutex mu;
  static std::shared_ptr<const Mapped> held;
  std::lock_guard<std::mutex> lock(mu);
  if (!held) held = map_stdin(max_bytes);
  if (static_cast<int64_t>(held->n) > max_bytes)  // a later reader with a smaller cap
    throw LimitError("stdin: input is larger than max_input_bytes " + std::to_string(max_bytes),
                     "pass the video as a file, or raise the max_input_bytes parameter (probe and decode)");
  return held;
}

}  // namespace vidpipe::av
