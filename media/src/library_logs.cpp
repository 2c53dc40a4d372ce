#include <vidpipe/media/library_logs.hpp>

#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
}

namespace vidpipe::av {
namespace {

// Each plugin that links this file (probe, decode) has its own copy of it, but FFmpeg has one
// log callback: the lines are in the copy whose callback is installed. So every copy asks the
// installed callback through av_log itself, at levels FFmpeg never logs at.
constexpr int kReadLevel = -1000;     // av_log(nullptr, kReadLevel, "%p", char out[kLineSize])
constexpr int kClearLevel = -1001;    // av_log(nullptr, kClearLevel, "%s", "")
constexpr int kWatchLevel = -1002;    // av_log(nullptr, kWatchLevel, "%p%p", counter, bool* ok)
constexpr int kUnwatchLevel = -1003;  // av_log(nullptr, kUnwatchLevel, "%p", counter)
constexpr std::size_t kLineSize = 512;
constexpr std::size_t kMaxWatched = 256;  // decoders open at once

// Trivially destructible on purpose: TBB worker threads outlive the plugin that owns this.
thread_local char g_last_error[kLineSize];
std::atomic<void*> g_watched[kMaxWatched];

bool ffmpeg_prints() {
  const char* env = std::getenv("VIDPIPE_FFMPEG_LOG");
  return env && std::string(env) != "0";
}
bool g_prints = false;  // ffmpeg_prints(), read once when the callback is installed

bool watch(void* counter, bool on) {
  for (auto& slot : g_watched) {
    void* expected = on ? nullptr : counter;
    if (slot.compare_exchange_strong(expected, on ? counter : nullptr)) return true;
  }
  return false;
}

// A decoder's error line, or its error concealment (logged at info level, and the only line
// when a picture merely lacks slices): counted for the decoder if it is watched.
void count_damage(void* avcl, int level, const char* fmt) {
  const bool concealing = level <= AV_LOG_INFO && std::strncmp(fmt, "concealing ", 11) == 0;
  if (!avcl || !(level <= AV_LOG_ERROR || concealing)) return;
  if (*static_cast<const AVClass* const*>(avcl) != avcodec_get_class()) return;
  void* counter = static_cast<AVCodecContext*>(avcl)->opaque;  // copied into every frame thread
  if (!counter) return;
  for (auto& slot : g_watched)
    if (slot.load() == counter) {
      static_cast<std::atomic<int>*>(counter)->fetch_add(1);
      return;
    }
}

void keep_errors(void* avcl, int level, const char* fmt, va_list vl) {
  if (level == kReadLevel) {
    std::memcpy(va_arg(vl, void*), g_last_error, kLineSize);
    return;
  }
  if (level == kWatchLevel) {
    void* counter = va_arg(vl, void*);
    *static_cast<bool*>(va_arg(vl, void*)) = watch(counter, true);
    return;
  }
  if (level == kUnwatchLevel) {
    watch(va_arg(vl, void*), false);
    return;
  }
  if (level == kClearLevel) g_last_error[0] = '\0';
  if (level < AV_LOG_PANIC) return;
  count_damage(avcl, level, fmt);
  if (g_prints) {
    av_log_default_callback(avcl, level, fmt, vl);
    return;
  }
  if (level > AV_LOG_ERROR) return;
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

}  // namespace

void route_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    static RestoreDefault restore;
    g_prints = ffmpeg_prints();
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
  av_log(nullptr, kClearLevel, "%s", "");
}

std::string ffmpeg_said() {
  const std::string e = last_ffmpeg_error();
  return e.empty() ? std::string() : " (FFmpeg: " + e + ")";
}

bool watch_decoder_damage(std::atomic<int>* counter) {
  route_ffmpeg_logs();
  bool ok = false;
  av_log(nullptr, kWatchLevel, "%p%p", static_cast<void*>(counter), static_cast<void*>(&ok));
  return ok;
}

void unwatch_decoder_damage(std::atomic<int>* counter) {
  av_log(nullptr, kUnwatchLevel, "%p", static_cast<void*>(counter));
}

}  // namespace vidpipe::av
