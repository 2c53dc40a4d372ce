#include "common/library_logs.hpp"

#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace vidpipe::av {
namespace {

// Each plugin that links this file (probe, decode) has its own copy of it, but FFmpeg has one
// log callback: the lines are in the copy whose callback is installed. So every copy asks the
// installed callback through av_log itself, at levels FFmpeg never logs at.
constexpr int kReadLevel = -1000;   // av_log(nullptr, kReadLevel, "%p", char out[kLineSize])
constexpr int kClearLevel = -1001;  // av_log(nullptr, kClearLevel, "%s", "")
constexpr std::size_t kLineSize = 512;

// Trivially destructible on purpose: TBB worker threads outlive the plugin that owns this.
thread_local char g_last_error[kLineSize];

void keep_errors(void* avcl, int level, const char* fmt, va_list vl) {
  if (level == kReadLevel) {
    std::memcpy(va_arg(vl, void*), g_last_error, kLineSize);
    return;
  }
  if (level == kClearLevel) g_last_error[0] = '\0';
  if (level > AV_LOG_ERROR || level < AV_LOG_PANIC) return;
  char line[kLineSize];
  int print_prefix = 0;  // no "[mjpeg @ 0x...]": vidpipe's message names the input instead
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  std::size_t n = std::strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ')) line[--n] = '\0';
  if (n > 0) std::memcpy(g_last_error, line, n + 1);
}

// A plugin can be unloaded while FFmpeg stays loaded: put FFmpeg's default callback back when
// this copy of keep_errors goes away.
struct RestoreDefault {
  ~RestoreDefault() { av_log_set_callback(av_log_default_callback); }
};

bool ffmpeg_prints() {
  const char* env = std::getenv("VIDPIPE_FFMPEG_LOG");
  return env && std::string(env) != "0";
}

}  // namespace

void route_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (ffmpeg_prints()) return;
    static RestoreDefault restore;
    av_log_set_callback(keep_errors);
  });
}

std::string last_ffmpeg_error() {
  route_ffmpeg_logs();
  if (ffmpeg_prints()) return "";
  char line[kLineSize] = "";
  av_log(nullptr, kReadLevel, "%p", static_cast<void*>(line));
  line[kLineSize - 1] = '\0';
  return line;
}

void clear_ffmpeg_error() {
  route_ffmpeg_logs();
  if (!ffmpeg_prints()) av_log(nullptr, kClearLevel, "%s", "");
}

std::string ffmpeg_said() {
  const std::string e = last_ffmpeg_error();
  return e.empty() ? std::string() : " (FFmpeg: " + e + ")";
}

}  // namespace vidpipe::av
