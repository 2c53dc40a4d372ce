// Frame sampling rules of qwen-vl-utils (qwen.md §2.3-§2.6), torch 1.13 linspace included.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vidpipe::ref {

// The frames a time range keeps: [start, end] inclusive, count = end - start + 1 (§2.4).
struct FrameRange {
  int64_t start = 0, end = 0, count = 0;
};
// Throws vidpipe::Error when fps <= 0, total_frames <= 0 or the range is empty.
FrameRange frame_range(int64_t total_frames, double fps, std::optional<double> video_start = {},
                       std::optional<double> video_end = {});

// The sampler's knobs, as qwen-vl-utils reads them from the video element.
struct NFramesParams {
  std::optional<double> fps;        // fps mode rate; unset -> 2.0 (ignored when nframes is set)
  std::optional<double> nframes;    // set -> nframes mode
  double min_frames = 4;
  std::optional<double> max_frames;  // unset -> min(768, total_frames)
  int64_t frame_factor = 2;
};
// Number of frames to sample from `total_frames` frames at `video_fps` (§2.3, 0.0.10/0.0.14:
// floor in fps mode, round in nframes mode). Throws vidpipe::Error unless 2 <= n <= total_frames.
int64_t smart_nframes(int64_t total_frames, double video_fps, const NFramesParams& p);

// torch.linspace(start, end, n).round() exactly as Debian's torch 1.13 (AVX2 kernel) gives it.
std::vector<int64_t> linspace_indices(int64_t start, int64_t end, int64_t n);

// n / max(N, 1e-6) * fps (§2.6).
double sample_fps(int64_t n, int64_t total_frames, double video_fps);

}  // namespace vidpipe::ref
