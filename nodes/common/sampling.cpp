// Why torch 1.13 and not a formula: qwen-vl-utils takes torch.linspace(...).round() in float32,
// and float32 error flips roundings at large indices, so the index list is whatever that exact
// kernel computes. Debian's torch 1.13 runs aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp
// with CPU capability AVX2 (GCC, FMA contraction on):
//   step = float(end - start) / float(n - 1); halfway = n / 2
//   chunks of 8 (Vectorized<float>, processed in pairs of 16), for the chunk starting at i:
//     base = i < halfway ? fma(step, i, start) : fma(-step, n - 1 - i, end)   (one rounding)
//     L[i + j] = base + float(j * step)                                         (two roundings)
//   the tail (< 16 elements) one by one with the same two-sided base formula.
// A chunk that straddles halfway uses the start-side formula throughout.
// Verified against torch itself by tests/e2e/test_reference_math.py.
#include "common/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "common/rounding.hpp"
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

}  // namespace

FrameRange frame_range(int64_t total_frames, double fps, std::optional<double> video_start,
                       std::optional<double> video_end) {
  if (!(fps > 0)) throw Error("video fps must be positive, got " + std::to_string(fps));
  if (total_frames <= 0)
    throw Error("video has no frames (total_frames = " + std::to_string(total_frames) + ")");
  if (!video_start && !video_end) return {0, total_frames - 1, total_frames};
  const double duration = static_cast<double>(total_frames) / fps;
  auto clamp = [&](double t) { return std::max(0.0, std::min(t, duration)); };
  const int64_t start = video_start ? static_cast<int64_t>(std::ceil(clamp(*video_start) * fps)) : 0;
  int64_t end = total_frames - 1;
  if (video_end) end = std::min(static_cast<int64_t>(std::floor(clamp(*video_end) * fps)), end);
  if (start >= end)
    throw Error("video_start/video_end select no frames (start frame " + std::to_string(start) +
                    " >= end frame " + std::to_string(end) + ")",
                "check video_start < video_end and both lie within the video's duration");
  return {start, end, end - start + 1};
}

int64_t smart_nframes(int64_t total_frames, double video_fps, const NFramesParams& p) {
  const int64_t f = p.frame_factor;
  const double N = static_cast<double>(total_frames);
  int64_t n = 0;
  if (p.nframes) {
    n = round_by_factor(*p.nframes, f);  // py-round: 5 -> 4, 7 -> 8
  } else {
    const double fps = p.fps.value_or(2.0);
    const double min_f = static_cast<double>(ceil_by_factor(p.min_frames, f));
    const double max_f =
        static_cast<double>(floor_by_factor(p.max_frames.value_or(std::min(768.0, N)), f));
    const double x = N / video_fps * fps;  // same division order as Python
    n = floor_by_factor(std::min(std::min(std::max(x, min_f), max_f), N), f);
  }
  if (n < f || n > total_frames)
    throw Error(fmt::format("nframes should in interval [{}, {}], but got {}", f, total_frames, n),
                nframes_hint(total_frames, n, p));
  return n;
}

UniformSample sample_uniform(const FrameRange& range, double video_fps, const NFramesParams& p) {
  const int64_t N = range.count, f = p.frame_factor;
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
        s.indices = linspace_indices(range.start, range.end, n);
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
  if (s.indices.empty()) s.indices = linspace_indices(range.start, range.end, smart_nframes(N, video_fps, p));
  s.repeated_frames = repeated_frames(s.indices);
  if (s.repeated_frames == 0) s.why.clear();
  return s;
}

int64_t repeated_frames(const std::vector<int64_t>& ascending) {
  int64_t r = 0;
  for (std::size_t i = 1; i < ascending.size(); ++i) r += ascending[i] == ascending[i - 1];
  return r;
}

// FMA on the chunk base and none inside arange is what GCC emitted for torch 1.13's AVX2 build.
std::vector<int64_t> linspace_indices(int64_t start, int64_t end, int64_t n) {
  std::vector<int64_t> out;
  if (n <= 0) return out;
  const float s = static_cast<float>(start), e = static_cast<float>(end);
  if (n == 1) return {static_cast<int64_t>(round_half_even(s))};
  const float step = (e - s) / static_cast<float>(n - 1);
  const int64_t halfway = n / 2;
  auto base = [&](int64_t i) {
    return i < halfway ? std::fmaf(step, static_cast<float>(i), s)
                       : std::fmaf(-step, static_cast<float>(n - 1 - i), e);
  };
  out.resize(static_cast<std::size_t>(n));
  auto chunk = [&](int64_t i0) {  // Vectorized<float>::arange(base, step)
    const float b = base(i0);
    for (int64_t j = 0; j < 8; ++j) {
      volatile float prod = static_cast<float>(j) * step;  // rounded before the add: no FMA
      out[i0 + j] = static_cast<int64_t>(round_half_even(b + prod));
    }
  };
  int64_t i = 0;
  for (; i <= n - 16; i += 16) chunk(i), chunk(i + 8);  // AVX2: 8 floats, two per iteration
  for (; i < n; ++i) out[i] = static_cast<int64_t>(round_half_even(base(i)));
  return out;
}

double sample_fps(int64_t n, int64_t total_frames, double video_fps) {
  return static_cast<double>(n) / std::max(static_cast<double>(total_frames), 1e-6) * video_fps;
}

}  // namespace vidpipe::ref
