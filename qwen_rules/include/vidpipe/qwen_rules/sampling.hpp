// Frame sampling rules of qwen-vl-utils (docs/qwen-reference.md §2.3-§2.6). The model-agnostic
// parts (linspace_indices, frame_range, sample_fps, the timestamp rule) are in the SDK's plan.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <vidpipe/sdk/plan.hpp>

namespace vidpipe::ref {

// What sample_uniform does where the reference raises because the video (or its time range)
// holds too few frames: repeat frames (pad) or raise the reference's error (error).
enum class ShortVideo { Pad, Error };

// The sampler's knobs, as qwen-vl-utils reads them from the video element.
struct NFramesParams {
  std::optional<double> fps;        // fps mode rate; unset -> 2.0 (ignored when nframes is set)
  std::optional<double> nframes;    // set -> nframes mode
  double min_frames = 4;
  std::optional<double> max_frames;  // unset -> min(768, total_frames)
  int64_t frame_factor = 2;
  ShortVideo short_video = ShortVideo::Pad;  // sample_uniform only; smart_nframes always raises
  bool floor_indices = false;  // sample_uniform only: linspace_floor (LLaVA) instead of linspace_indices
};
// Number of frames to sample from `total_frames` frames at `video_fps` (§2.3, 0.0.10/0.0.14:
// floor in fps mode, round in nframes mode). Throws vidpipe::Error unless
// frame_factor <= n <= total_frames, with the reference's message (its FRAME_FACTOR is 2).
int64_t smart_nframes(int64_t total_frames, double video_fps, const NFramesParams& p);
// fps mode's rule for `wanted` frames (there N / video_fps * fps): clamped to [min_frames,
// max_frames] and total_frames, floored to frame_factor; throws as smart_nframes does.
int64_t clamp_nframes(double wanted, int64_t total_frames, const NFramesParams& p);

// The frames sample.uniform takes from a range: linspace_indices(start, end, smart_nframes)
// (linspace_floor with floor_indices).
// With short_video Pad, where smart_nframes would raise because the range is too short:
//   fps mode, fewer frames than frame_factor: every frame, then the last one repeated up to
//     frame_factor, as the Qwen processor pads a clip to whole temporal patches;
//   nframes mode, more frames asked than the range holds: linspace_indices spreads them over
//     the range, repeating frames (what LLaVA's np.linspace sampling does on short clips), up to
//     kMaxPaddedSamples samples (more throws vidpipe::Error).
// short_video pad repeats frames up to this many samples, the decoders' max_decoded_frames default
// (limits.hpp): a larger nframes on a short video is refused rather than made into that many indices.
inline constexpr int64_t kMaxPaddedSamples = 500000;
struct UniformSample {
  std::vector<int64_t> indices;
  int64_t repeated_frames = 0;  // indices equal to the one before (only when padding)
  std::string why;              // the reason, when repeated_frames > 0
};
UniformSample sample_uniform(const FrameRange& range, double video_fps, const NFramesParams& p);

// One reason per pick, for SamplePlan::reasons: "uniform", and "uniform (repeat)" for a pick that
// repeats the one before (short_video pad).
std::vector<std::string> uniform_reasons(const UniformSample& picked);

// Records frames repeated by short_video pad in plan.repeated_frames / repeated_why.
void note_repeats(SamplePlan& plan, const UniformSample& picked);

}  // namespace vidpipe::ref
