#include <vidpipe/qwen_rules/sampling.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include <vidpipe/qwen_rules/rounding.hpp>
#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

namespace {

// The fix for smart_nframes' error, for the case at hand.
std::string nframes_hint(int64_t N, int64_t n, const NFramesParams& p) {
  const int64_t f = p.frame_factor;
  if (N < f)
    return fmt::format("the video (or its time range) has only {} frame(s), fewer than frame_factor {}: set "
                       "short_video=pad to repeat frames as the model's temporal padding does", N, f);
  if (p.nframes && n > N)
    return fmt::format("the video (or its time range) has only {} frames: lower nframes to at most {}, use fps "
                       "mode, or set short_video=pad to repeat frames", N, floor_by_factor(static_cast<double>(N), f));
  if (p.nframes)
    return fmt::format("nframes rounds to {} (a multiple of frame_factor {}): set nframes to at least {}", n, f, f);
  return fmt::format("max_frames leaves {} frames, fewer than frame_factor {}: raise max_frames to at least {}", n, f,
                     f);
}

void check_nframes(int64_t n, int64_t total_frames, const NFramesParams& p) {
  if (n < p.frame_factor || n > total_frames)
    throw Error(fmt::format("nframes should in interval [{}, {}], but got {}", p.frame_factor, total_frames, n),
                nframes_hint(total_frames, n, p));
}

}  // namespace

int64_t smart_nframes(int64_t total_frames, double video_fps, const NFramesParams& p) {
  if (!p.nframes)  // fps mode, Python's division order
    return clamp_nframes(static_cast<double>(total_frames) / video_fps * p.fps.value_or(2.0), total_frames, p);
  const int64_t n = round_by_factor(*p.nframes, p.frame_factor);  // py-round: 5 -> 4, 7 -> 8
  check_nframes(n, total_frames, p);
  return n;
}

int64_t clamp_nframes(double wanted, int64_t total_frames, const NFramesParams& p) {
  const int64_t f = p.frame_factor;
  const double N = static_cast<double>(total_frames);
  const double min_f = static_cast<double>(ceil_by_factor(p.min_frames, f));
  const double max_f = static_cast<double>(floor_by_factor(p.max_frames.value_or(std::min(768.0, N)), f));
  const int64_t n = floor_by_factor(std::min(std::min(std::max(wanted, min_f), max_f), N), f);
  check_nframes(n, total_frames, p);
  return n;
}

}  // namespace vidpipe::ref
