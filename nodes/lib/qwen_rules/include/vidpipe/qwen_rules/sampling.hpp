// Frame sampling rules of qwen-vl-utils (docs/qwen-reference.md §2.3-§2.6). The model-agnostic
// parts (linspace_indices, frame_range, sample_fps, the timestamp rule) are in the SDK's plan.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <vidpipe/sdk/plan.hpp>

namespace vidpipe::ref {

// What a sampler does where the reference raises because the video (or its time range) holds
// too few frames: repeat frames (pad) or raise the reference's error (error). The sampler budget
// (vidpipe/sampling/budget.hpp, docs/sampling.md §4) applies it.
enum class ShortVideo { Pad, Error };

// The sampler's knobs, as qwen-vl-utils reads them from the video element.
struct NFramesParams {
  std::optional<double> fps;        // fps mode rate; unset -> 2.0 (ignored when nframes is set)
  std::optional<double> nframes;    // set -> nframes mode
  double min_frames = 4;
  std::optional<double> max_frames;  // unset -> min(768, total_frames)
  int64_t frame_factor = 2;
  ShortVideo short_video = ShortVideo::Pad;  // the sampler budget's; smart_nframes always raises
};
// Number of frames to sample from `total_frames` frames at `video_fps` (§2.3, 0.0.10/0.0.14:
// floor in fps mode, round in nframes mode). Throws vidpipe::Error unless
// frame_factor <= n <= total_frames, with the reference's message (its FRAME_FACTOR is 2).
int64_t smart_nframes(int64_t total_frames, double video_fps, const NFramesParams& p);
// fps mode's rule for `wanted` frames (there N / video_fps * fps): clamped to [min_frames,
// max_frames] and total_frames, floored to frame_factor; throws as smart_nframes does.
int64_t clamp_nframes(double wanted, int64_t total_frames, const NFramesParams& p);

// short_video pad (vidpipe/sampling/budget.hpp) repeats frames up to this many samples, the
// decoders' max_decoded_frames default (limits.hpp): a larger nframes on a short video is refused
// rather than made into that many indices.
inline constexpr int64_t kMaxPaddedSamples = 500000;

}  // namespace vidpipe::ref
