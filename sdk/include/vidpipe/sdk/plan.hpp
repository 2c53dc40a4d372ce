// Plan utilities for samplers and planning nodes (in libvidpipe_sdk, so third-party plugins use
// the same rules as the standard nodes). docs/sampling.md describes them.
//
//   sampler        VideoInfo -> SamplePlan: picks indices (linspace_indices, frame_range), then
//                  set_timestamps() and one reason per pick.
//   planning node  SamplePlan -> SamplePlan: may only narrow it, through narrow() (a subset of
//                  the sampler's picks that keeps their timestamps and reasons).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

// Round to nearest, ties to even: Python's round(), torch.round(), numpy.round() (not std::round).
VIDPIPE_API double round_half_even(double x);

// torch.linspace(start, end, n).round() exactly as torch 1.13's CPU kernel computes it in float32
// (qwen-vl-utils' frame indices; float32 error flips roundings at large indices).
VIDPIPE_API std::vector<int64_t> linspace_indices(int64_t start, int64_t end, int64_t n);

// np.linspace(start, end, n).astype(int): float64, truncated (LLaVA-NeXT / lmms-eval).
VIDPIPE_API std::vector<int64_t> linspace_floor(int64_t start, int64_t end, int64_t n);

// The frames a time range keeps: [start, end] inclusive, count = end - start + 1.
struct FrameRange {
  int64_t start = 0, end = 0, count = 0;
};
// qwen-vl-utils' rule (docs/qwen-reference.md §2.4): start = ceil(video_start * fps), end =
// min(floor(video_end * fps), N - 1), times clamped to [0, N / fps]. No range: all N frames.
// Throws vidpipe::Error when fps <= 0, total_frames <= 0 or the range is empty.
VIDPIPE_API FrameRange frame_range(int64_t total_frames, double fps, std::optional<double> video_start = {},
                                   std::optional<double> video_end = {});

// n / max(N, 1e-6) * fps: the rate of video time that n frames out of N represent.
VIDPIPE_API double sample_fps(int64_t n, int64_t total_frames, double video_fps);

// THE timestamp rule: frame `index`'s presentation time in seconds is the packet index's time
// when the prober built one (VideoInfo::frame_times, exact for variable frame rate), else
// index / fps (0 when fps is unknown).
VIDPIPE_API bool has_frame_times(const VideoInfo& info);
VIDPIPE_API double frame_time(const VideoInfo& info, int64_t index);
// Fills plan.timestamps from plan.indices by frame_time(), and plan.timestamps_from.
VIDPIPE_API void set_timestamps(SamplePlan& plan);

// `keep` positions out of n, evenly spread, first and last kept: round(i * (n - 1) / (keep - 1)).
VIDPIPE_API std::vector<std::size_t> spread_positions(std::size_t n, std::size_t keep);

// A planning node's only way to change the picks: a copy of `plan` holding the picks at
// `positions` (ascending, distinct, in range, at least one) with their indices, timestamps and
// reasons; sample_fps scaled by kept / picked, repeated_frames recounted. Throws vidpipe::Error
// otherwise. The caller then adds what it decided (resize, tokens_plan).
VIDPIPE_API std::shared_ptr<SamplePlan> narrow(const SamplePlan& plan, const std::vector<std::size_t>& positions);

// Entries equal to the one before in an ascending index list: the frames that repeat one.
VIDPIPE_API int64_t repeated_frames(const std::vector<int64_t>& ascending);

// The picks' reasons in order, runs of equal reasons grouped: [{"reason": "uniform", "picks": 32}].
// Picks without a reason count as "" (a sampler that gives none).
VIDPIPE_API json reason_runs(const SamplePlan& plan);

}  // namespace vidpipe
