// The bytes of an input that is not a local file, read once per job:
//   http(s)  one GET, read straight through as demuxers ask for bytes: a forward seek reads on,
//            a backward one (or a reopen) is answered from what arrived, so there is never a
//            second request, not even for an MP4 whose index is at its end. What arrived is
//            kept in memory up to kKeepInMemory bytes, beyond that in a private temp file
//            (O_TMPFILE, mode 0600, never named). The rules of input_io.hpp apply to the
//            download: the byte cap, the stall rule, the deadline, cancellation.
//   base64   decoded once;  stdin  read once per process (input_io.hpp).
// The prober reads the whole input (whole()) and hands it on in VideoInfo::bytes; the decoder
// wraps those bytes (from_bytes) and never fetches or decodes the input again.
// Internal to libvidpipe_media: input_source.cpp opens demuxers over it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <vidpipe/sdk/data.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>  // InputOptions

namespace vidpipe::av {

struct CustomIO;

inline constexpr int64_t kKeepInMemory = int64_t{64} << 20;

class InputData {
 public:
  // An http(s), base64 or stdin input: connects (http: throws naming the input when the server
  // cannot be reached, refuses, or announces more than max_input_bytes), decodes or maps.
  static std::shared_ptr<InputData> load(const std::string& input, const InputOptions& opt);
  // load() for an http(s), base64 or stdin input; null for local files and frame sequences.
  static std::shared_ptr<InputData> load_unless_file(const std::string& input, const InputOptions& opt);
  // Bytes a prober read (VideoInfo::bytes); throws LimitError when they exceed max_input_bytes.
  static std::shared_ptr<InputData> from_bytes(std::shared_ptr<const InputBytes> bytes,
                                               const std::string& input, const InputOptions& opt);
  ~InputData();
  InputData(const InputData&) = delete;
  InputData& operator=(const InputData&) = delete;

  // Up to `size` bytes at `pos`: the count, AVERROR_EOF past the end, the download's read error,
  // or AVERROR_EXIT when a rule stopped it (throw_if_stopped says which).
  int read_at(int64_t pos, uint8_t* buf, int size);
  int64_t size() const;  // total bytes when known (always, once the download ended), else -1
  // All of it, read to the end now (http), as SDK bytes to hand on. Throws when a rule stops it.
  std::shared_ptr<const InputBytes> whole();
  void throw_if_stopped() const;

 private:
  InputData() = default;
  bool fetch_block();  // one more block of the download; false at its end or when stopped
  void append(const uint8_t* p, int n);

  std::shared_ptr<const InputBytes> bytes_;  // complete: memory inputs, or sealed download
  // An http(s) download in progress.
  std::unique_ptr<CustomIO> net_;  // FFmpeg's http context, its counters and stop rules
  int64_t announced_ = -1;          // Content-Length, -1 when none
  bool ended_ = false;
  int read_error_ = 0;              // the download's own error (a damaged transfer), 0 = none
  std::vector<uint8_t> mem_;        // what arrived, while it fits in kKeepInMemory
  int fd_ = -1;                     // ... else the private temp file
  int64_t have_ = 0;                // bytes arrived
  std::vector<uint8_t> block_;      // one read of the download
};

// "<url>: timed out ...", "<url>: cannot read (...)" for an FFmpeg error `r` on an http(s) input.
std::string http_error(const std::string& url, int r, const InputOptions& opt);

}  // namespace vidpipe::av
