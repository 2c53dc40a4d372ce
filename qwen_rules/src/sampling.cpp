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

UniformSample sample_uniform(const FrameRange& range, double video_fps, const NFramesParams& p) {
  const int64_t N = range.count, f = p.frame_factor;
  auto spread = [&](int64_t n) {
    return p.floor_indices ? linspace_floor(range.start, range.end, n) : linspace_indices(range.start, range.end, n);
  };
  UniformSample s;
  if (p.short_video == ShortVideo::Pad) {
    if (p.nframes) {
      const int64_t n = round_by_factor(*p.nframes, f);
      if (n >= f && n > N) {
        if (n > kMaxPaddedSamples)
          throw Error(fmt::format("nframes {} asks for more than {} samples of a video (or time range) of {} frame(s): "
                                  "short_video=pad repeats frames up to {} samples",
                                  n, kMaxPaddedSamples, N, kMaxPaddedSamples),
                      fmt::format("lower nframes (to at most {} to take each frame once)", N));
        s.indices = spread(n);
        s.why = fmt::format("nframes {} is more than the {} frame(s) of the video (or its time range): "
                            "the {} samples are spread over them, repeating frames", n, N, n);
      }
    } else if (N < f) {
      for (int64_t i = range.start; i <= range.end; ++i) s.indices.push_back(i);
      s.indices.resize(static_cast<std::size_t>(f), range.end);
      s.why = fmt::format("the video (or its time range) has {} frame(s), fewer than frame_factor {}: the "
                          "last frame is repeated, as the model's temporal padding repeats it", N, f);
    }
  }
  if (s.indices.empty()) s.indices = spread(smart_nframes(N, video_fps, p));
  s.repeated_frames = repeated_frames(s.indices);
  if (s.repeated_frames == 0) s.why.clear();
  return s;
}

std::vector<std::string> uniform_reasons(const UniformSample& picked) {
  std::vector<std::string> out;
  out.reserve(picked.indices.size());
  for (std::size_t i = 0; i < picked.indices.size(); ++i)
    out.push_back(i > 0 && picked.indices[i] == picked.indices[i - 1] ? "uniform (repeat)" : "uniform");
  return out;
}

void note_repeats(SamplePlan& plan, const UniformSample& picked) {
  plan.repeated_frames = picked.repeated_frames;
  plan.repeated_why = picked.repeated_frames > 0 ? picked.why : "";
}

}  // namespace vidpipe::ref
