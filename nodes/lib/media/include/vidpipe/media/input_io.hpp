// The bytes behind every input that input_source.cpp opens: vidpipe's own AVIOContext
// callbacks and interrupt callback, and the memory inputs (stdin, base64). Internal to the media
// library; nodes use input_source.hpp.
//
// Reading stops on vidpipe's side (CustomIO::stop) when
//   - the deadline passes or the job is cancelled (polled by FFmpeg while any I/O blocks);
//   - an http(s) download passes max_input_bytes (counted as it arrives: a server that sends
//     more than its Content-Length, or none, as an endless live stream does, is still capped);
//   - an http(s) server stalls: one read of up to kReadBlock bytes waits longer than
//     net_timeout. FFmpeg's own rw_timeout only bounds each socket read, so a server trickling
//     a byte a second would otherwise hold a job until its deadline.
// Each of these is final: check_read_stop() (input_source.hpp) turns it into its error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <vidpipe/media/limits.hpp>

extern "C" {
struct AVIOContext;
}

namespace vidpipe::av {

inline constexpr int kIoBuffer = 1 << 16;  // our AVIOContext buffers
inline constexpr int kReadBlock = 1 << 16;  // the unit of progress of the stall rule

class InputData;

// Custom I/O owned by vidpipe: what a demuxer reads (stored in AVFormatContext::opaque and freed
// by FormatCloser), and an http(s) download's own context (input_data.hpp).
struct CustomIO {
  enum class Stop : uint8_t { None, Deadline, Cancelled, Stalled, OverLimit };

  std::string name;                  // the input as messages show it
  AVIOContext* pb = nullptr;         // the context the demuxer reads (ours), or `inner` itself
  AVIOContext* inner = nullptr;      // FFmpeg's file/http context
  std::shared_ptr<InputData> data;   // non-file inputs: their bytes, fetched once per job
  int64_t pos = 0;                   // the demuxer's position in `data`
  int64_t bytes = 0, max_bytes = 0;  // counted through an http download
  Clock::time_point deadline{};      // epoch = none
  double deadline_s = 0;             // as configured, for messages
  std::function<bool()> cancelled;
  double stall_after = 0;               // seconds (net_timeout); 0 = no stall rule
  Clock::time_point waiting_since{};    // start of the http read in progress; epoch = none
  Stop stop = Stop::None;               // sticky: once set, every read fails

  CustomIO() = default;
  CustomIO(const CustomIO&) = delete;
  CustomIO& operator=(const CustomIO&) = delete;
  ~CustomIO();

  // AVIOInterruptCB of the format context and of FFmpeg's own I/O context.
  static int interrupt(void* op);
  // Reading `data` (input_data.hpp).
  static int data_read(void* op, uint8_t* buf, int size);
  static int64_t data_seek(void* op, int64_t offset, int whence);

  // Throws why reading (or `data`'s download) stopped (LimitError, or Error when cancelled);
  // returns if it did not.
  void throw_if_stopped() const;
};

// stdin, read once per process into sealed memory and kept for every later open (input_io.cpp);
// throws LimitError when it holds more than max_bytes.
struct Mapped {
  const uint8_t* p = nullptr;
  std::size_t n = 0;
  ~Mapped();
};
std::shared_ptr<const Mapped> read_stdin(int64_t max_bytes);

// "2 s", "0.5 s".
std::string seconds_text(double s);

}  // namespace vidpipe::av
