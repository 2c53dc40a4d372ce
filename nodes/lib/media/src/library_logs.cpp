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

// One copy per process (libvidpipe_media is a shared library), as FFmpeg has one log callback.
// FFmpeg has no getter for its callback, so whether ours is still the installed one (another
// library may have replaced it) is asked through av_log itself, at a level FFmpeg never logs at.
constexpr int kPingLevel = -1000;  // av_log(nullptr, kPingLevel, "%p", bool* installed)
constexpr std::size_t kLineSize = 512;
constexpr std::size_t kMaxWatched = 256;  // decoders open at once

// Trivially destructible on purpose: TBB worker threads can outlive this library.
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
  if (level == kPingLevel) {
    *static_cast<bool*>(va_arg(vl, void*)) = true;
    return;
  }
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

// The media library can be unloaded (with the last plugin that uses it) while FFmpeg stays
// loaded: put FFmpeg's default callback back when keep_errors goes away.
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
  return g_prints ? std::string() : std::string(g_last_error);
}

void clear_ffmpeg_error() { g_last_error[0] = '\0'; }

std::string ffmpeg_said() {
  const std::string e = last_ffmpeg_error();
  return e.empty() ? std::string() : " (FFmpeg: " + e + ")";
}

bool watch_decoder_damage(std::atomic<int>* counter) {
  route_ffmpeg_logs();
  bool installed = false;
  av_log(nullptr, kPingLevel, "%p", static_cast<void*>(&installed));
  return installed && watch(counter, true);
}

void unwatch_decoder_damage(std::atomic<int>* counter) { watch(counter, false); }

}  // namespace vidpipe::av
