// FFmpeg logs to stderr on its own; vidpipe reports one clear line per input instead
// (README.md "Running": each failure is one line naming the input, the stage and the fix).
//
// route_ffmpeg_logs() replaces FFmpeg's log callback with one that prints nothing and keeps the
// calling thread's last error line, so an error message can quote what FFmpeg said
// ("moov atom not found"). A callback, not av_log_set_level: OpenCV's FFmpeg backend sets the
// level back to AV_LOG_ERROR when it starts. VIDPIPE_FFMPEG_LOG=1 keeps FFmpeg's own output.
#pragma once

#include <string>

namespace vidpipe::av {

void route_ffmpeg_logs();  // idempotent, thread-safe

// The last error line FFmpeg logged on this thread since clear_ffmpeg_error(), "" when none.
// Lines logged by FFmpeg's own worker threads (frame threading) are dropped, not kept.
std::string last_ffmpeg_error();
void clear_ffmpeg_error();

// " (FFmpeg: <last error line>)", or "" when FFmpeg logged no error on this thread.
std::string ffmpeg_said();

}  // namespace vidpipe::av
