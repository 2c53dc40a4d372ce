// Inputs read once per job. See input_data.hpp.
#include <vidpipe/media/input_data.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <vidpipe/media/input_io.hpp>
#include <vidpipe/media/input_source.hpp>
#include <vidpipe/media/library_logs.hpp>

extern "C" {
#include <libavformat/avformat.h>
}

namespace fs = std::filesystem;

namespace vidpipe::av {
namespace {

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

// A private file for a download larger than kKeepInMemory: never named (O_TMPFILE), or
// unlinked at once where the file system cannot do that; mode 0600 either way.
int private_temp_file(const std::string& name) {
  const char* env = std::getenv("TMPDIR");
  const std::string dir = env && *env ? env : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string path = dir + "/vidpipe-download-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0)
    throw Error(name + ": cannot create a temp file in " + dir + " for the download (" + std::strerror(errno) + ")",
                "set TMPDIR to a writable folder with room for the input");
  return fd;
}

// Owner of a sealed download kept in a file: its read-only mapping.
struct FileBytes {
  void* p = nullptr;
  std::size_t n = 0;
  ~FileBytes() {
    if (p) munmap(p, n);
  }
};

LimitError over_cap(const std::string& name, int64_t size, int64_t max_bytes) {
  return LimitError(name + ": download is larger than max_input_bytes " + std::to_string(max_bytes) + " (" +
                        std::to_string(size) + " bytes)",
                    "raise the max_input_bytes parameter (probe and decode) if this size is intended");
}

}  // namespace

std::string http_error(const std::string& url, int r, const InputOptions& opt) {
  if (r == AVERROR(ETIMEDOUT))
    return url + ": timed out (no answer within net_timeout " + seconds_text(opt.net_timeout) + ")";
  if (r == AVERROR(EIO))
    return url + ": cannot read (" + error_text(r) +
           "; vidpipe does not follow redirects: pass the final URL)";
  return url + ": cannot read (" + error_text(r) + ")";
}

std::shared_ptr<InputData> InputData::load(const std::string& input, const InputOptions& opt) {
  route_ffmpeg_logs();  // FFmpeg prints nothing: errors are one line naming the input
  std::shared_ptr<InputData> d(new InputData);
  const InputKind kind = classify_input(input);
  const std::string name = input_display_name(input);
  if (kind == InputKind::Stdin) {
    auto m = read_stdin(opt.max_input_bytes);
    d->bytes_ = std::make_shared<const InputBytes>(InputBytes{m->p, m->n, m});
    return d;
  }
  if (kind == InputKind::Base64) {
    auto text = std::make_shared<const std::string>(decode_base64_input(input, opt.max_input_bytes));
    d->bytes_ = std::make_shared<const InputBytes>(
        InputBytes{reinterpret_cast<const uint8_t*>(text->data()), text->size(), text});
    return d;
  }
  if (kind != InputKind::Http) throw Error(name + ": not an http(s), base64 or stdin input");
  const UrlParts u = parse_url(input);
  if (u.host.empty()) throw Error(name + ": URL without a host", "write it as http://host/path/video.mp4");
  d->net_ = std::make_unique<CustomIO>();
  CustomIO& net = *d->net_;
  net.name = name;
  net.deadline = opt.deadline;
  net.deadline_s = opt.deadline_s;
  net.cancelled = opt.cancelled;
  const AVIOInterruptCB int_cb{&CustomIO::interrupt, &net};
  AVDictionary* dict = nullptr;
  set_net_options(&dict, u, opt);
  const int r = avio_open2(&net.inner, input.c_str(), AVIO_FLAG_READ, &int_cb, &dict);
  av_dict_free(&dict);
  net.throw_if_stopped();  // any failure after the deadline, a cancel ... is reported as that
  if (r < 0)
    throw Error(http_error(name, r, opt),
                r == AVERROR(ETIMEDOUT) ? "check that the server is up, or raise the net_timeout parameter"
                                        : "check the URL (it must answer 200 to a GET)");
  const int64_t size = avio_size(net.inner);
  if (size > opt.max_input_bytes)
    throw LimitError(name + ": the server announces " + std::to_string(size) +
                         " bytes, more than max_input_bytes " + std::to_string(opt.max_input_bytes),
                     "raise the max_input_bytes parameter (probe and decode) if this size is intended");
  net.max_bytes = opt.max_input_bytes;
  net.stall_after = opt.net_timeout;
  d->announced_ = size > 0 ? size : -1;
  if (d->announced_ > 0 && d->announced_ <= kKeepInMemory) d->mem_.reserve(static_cast<std::size_t>(size));
  return d;
}

std::shared_ptr<InputData> InputData::load_unless_file(const std::string& input, const InputOptions& opt) {
  const InputKind kind = classify_input(input);
  const bool held = kind == InputKind::Http || kind == InputKind::Base64 || kind == InputKind::Stdin;
  return held ? load(input, opt) : nullptr;
}

std::shared_ptr<InputData> InputData::from_bytes(std::shared_ptr<const InputBytes> bytes, const std::string& input,
                                                 const InputOptions& opt) {
  if (static_cast<int64_t>(bytes->size) > opt.max_input_bytes) {
    const std::string name = input_display_name(input);
    if (classify_input(input) == InputKind::Http)
      throw over_cap(name, static_cast<int64_t>(bytes->size), opt.max_input_bytes);
    throw LimitError(name + ": input is larger than max_input_bytes " + std::to_string(opt.max_input_bytes),
                     "pass the video as a file, or raise the max_input_bytes parameter (probe and decode)");
  }
  std::shared_ptr<InputData> d(new InputData);
  d->bytes_ = std::move(bytes);
  return d;
}

InputData::~InputData() {
  if (fd_ >= 0) ::close(fd_);
}

void InputData::append(const uint8_t* p, int n) {
  if (fd_ < 0 && have_ + n > kKeepInMemory) {  // move what arrived to a private file
    fd_ = private_temp_file(net_->name);
    for (std::size_t off = 0; off < mem_.size();) {
      const ssize_t w = ::pwrite(fd_, mem_.data() + off, mem_.size() - off, static_cast<off_t>(off));
      if (w <= 0 && errno != EINTR) throw Error(net_->name + ": cannot write the download to a temp file");
      off += w > 0 ? static_cast<std::size_t>(w) : 0;
    }
    std::vector<uint8_t>().swap(mem_);
  }
  if (fd_ < 0) {
    mem_.insert(mem_.end(), p, p + n);
  } else {
    for (int off = 0; off < n;) {
      const ssize_t w = ::pwrite(fd_, p + off, static_cast<std::size_t>(n - off), static_cast<off_t>(have_ + off));
      if (w <= 0 && errno != EINTR) throw Error(net_->name + ": cannot write the download to a temp file");
      off += w > 0 ? static_cast<int>(w) : 0;
    }
  }
  have_ += n;
}

// One read of the download, under the stall rule and the byte cap (input_io.hpp).
bool InputData::fetch_block() {
  CustomIO& net = *net_;
  if (ended_ || net.stop != CustomIO::Stop::None) return false;
  block_.resize(kReadBlock);
  uint8_t* block = block_.data();
  if (net.stall_after > 0) net.waiting_since = Clock::now();
  const int r = avio_read(net.inner, block, kReadBlock);
  net.waiting_since = {};
  if (r > 0 && (net.bytes += r) > net.max_bytes) net.stop = CustomIO::Stop::OverLimit;
  if (net.stop != CustomIO::Stop::None) return false;  // also when a stalled read got a few bytes
  if (r <= 0) {
    ended_ = true;
    if (r < 0 && r != AVERROR_EOF) read_error_ = r;
    avio_closep(&net.inner);  // the download is over: let the connection go
    return false;
  }
  append(block, r);
  return true;
}

int InputData::read_at(int64_t pos, uint8_t* buf, int size) {
  if (bytes_) {
    const int64_t left = static_cast<int64_t>(bytes_->size) - pos;
    if (left <= 0) return AVERROR_EOF;
    const int n = static_cast<int>(std::min<int64_t>(left, size));
    std::memcpy(buf, bytes_->data + pos, static_cast<std::size_t>(n));
    return n;
  }
  while (have_ < pos + size && fetch_block()) {
  }
  if (net_->stop != CustomIO::Stop::None) return AVERROR_EXIT;
  if (pos >= have_) return read_error_ ? read_error_ : AVERROR_EOF;
  const int n = static_cast<int>(std::min<int64_t>(have_ - pos, size));
  if (fd_ < 0) {
    std::memcpy(buf, mem_.data() + pos, static_cast<std::size_t>(n));
  } else {
    for (int off = 0; off < n;) {
      const ssize_t got = ::pread(fd_, buf + off, static_cast<std::size_t>(n - off), static_cast<off_t>(pos + off));
      if (got <= 0 && errno != EINTR) return AVERROR(EIO);
      off += got > 0 ? static_cast<int>(got) : 0;
    }
  }
  return n;
}

int64_t InputData::size() const {
  if (bytes_) return static_cast<int64_t>(bytes_->size);
  return ended_ ? have_ : announced_;
}

void InputData::throw_if_stopped() const {
  if (net_) net_->throw_if_stopped();
}

std::shared_ptr<const InputBytes> InputData::whole() {
  if (bytes_) return bytes_;
  while (fetch_block()) {
  }
  throw_if_stopped();
  if (fd_ < 0) {
    auto owner = std::make_shared<std::vector<uint8_t>>(std::move(mem_));
    bytes_ = std::make_shared<const InputBytes>(InputBytes{owner->data(), owner->size(), owner});
  } else {
    auto owner = std::make_shared<FileBytes>();
    owner->n = static_cast<std::size_t>(have_);
    owner->p = mmap(nullptr, owner->n, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (owner->p == MAP_FAILED) {
      owner->p = nullptr;
      throw Error(net_->name + ": cannot map the downloaded input");
    }
    bytes_ = std::make_shared<const InputBytes>(InputBytes{static_cast<const uint8_t*>(owner->p), owner->n, owner});
    ::close(fd_);  // the mapping keeps the file
    fd_ = -1;
  }
  return bytes_;
}

}  // namespace vidpipe::av
