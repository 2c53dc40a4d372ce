// FFmpeg logs to stderr on its own; vidpipe reports one clear line per input instead
// (README.md "Running": each failure is one line naming the input, the stage and the fix).
//
// route_ffmpeg_logs() replaces FFmpeg's log callback with one that prints nothing and keeps the
// calling thread's last error line, so an error message can quote what FFmpeg said
// ("moov atom not found"). A callback, not av_log_set_level: OpenCV's FFmpeg backend sets the
// level back to AV_LOG_ERROR when it starts. VIDPIPE_FFMPEG_LOG=1 prints FFmpeg's own output
// as well.
#pragma once

#include <atomic>
#include <string>

namespace vidpipe::av {

void route_ffmpeg_logs();  // idempotent, thread-safe

// The last error line FFmpeg logged on this thread since clear_ffmpeg_error(), "" when none.
// Lines logged by FFmpeg's own worker threads (frame threading) are dropped, not kept.
std::string last_ffmpeg_error();
void clear_ffmpeg_error();

// " (FFmpeg: <last error line>)", or "" when FFmpeg logged no error on this thread.
std::string ffmpeg_said();

// Counts the damage a decoder reports from any of its threads: while `counter` is the
// AVCodecContext's `opaque` and watched, every error line the decoder (or one of its frame
// threads) logs, and every error concealment it logs, adds one. A frame-threaded decoder says
// nothing else in order (packet_decoder.hpp). watch_decoder_damage returns false when it
// cannot watch (FFmpeg's log callback is not vidpipe's, or too many decoders are watched).
bool watch_decoder_damage(std::atomic<int>* counter);
void unwatch_decoder_damage(std::atomic<int>* counter);

}  // namespace vidpipe::av
