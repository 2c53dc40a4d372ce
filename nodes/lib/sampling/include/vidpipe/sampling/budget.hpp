// The sampler contract (docs/sampling.md §4): every sampler declares and applies the same budget
// parameters through this one helper, so a model's frame constraints hold whatever sampler a graph
// uses, and swapping the sampler changes nothing else.
//
//   spec:     sampling::declare_budget(NodeSpec(...)...)      fps | nframes, min_frames, max_frames,
//                                                            frame_factor, video_start, video_end,
//                                                            short_video
//   ctor:     budget_ = sampling::Budget(params, "sample.mine");
//   process:  FrameRange r = budget_.range(*info);             the frames the picks come from
//             int64_t n = budget_.count(r, *info);             how many picks (or count_for(...))
//             ... the sampler's own picks, each with a reason ...
//             emit(budget_.finish(info, r, std::move(picks), job, Spacing::Irregular));
//
// Installed with the SDK package (vidpipe::sampling, <vidpipe/sampling/budget.hpp>) so a
// third-party sampler honours the same contract.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <vidpipe/sdk/node.hpp>
#include <vidpipe/sdk/plan.hpp>

#include <vidpipe/qwen_rules/sampling.hpp>

namespace vidpipe::sampling {

// The budget parameters, with their defaults (qwen-vl-utils': fps 2, min 4, max 768, factor 2),
// marked model-settable so a model profile's values reach any sampler.
NodeSpec& declare_budget(NodeSpec& spec);

// One pick of a sampler: a presentation index and why it was picked ("uniform", "keyframe").
struct Pick {
  int64_t index = 0;
  std::string reason;
};

// How a plan's picks lie in time, for the model's timing fields (plan.extra["spacing"],
// docs/sampling.md §6). Even: spread evenly over the range, as sample_fps = n / N * fps describes
// them (a model's reference rate applies). Irregular: anything else; a model times the picks by
// their timestamps.
enum class Spacing { Even, Irregular };

// True when the user (graph or command line), not a default or a model profile, set `name`.
bool user_set(const Params& p, const char* name);

class Budget {
 public:
  Budget() = default;
  // Reads the declared parameters; throws vidpipe::Error when both fps and nframes were set by the user.
  Budget(const Params& p, std::string sampler);

  const std::string& sampler() const { return sampler_; }
  bool nframes_mode() const { return nf_.nframes.has_value(); }
  double fps() const { return nf_.fps.value_or(2.0); }
  int64_t frame_factor() const { return nf_.frame_factor; }
  const ref::NFramesParams& rules() const { return nf_; }

  // The frames a time range keeps (frame_range: qwen-vl-utils' rule); the whole video without one.
  FrameRange range(const VideoInfo& info) const;
  // Seconds the range spans: N / fps at a constant rate; with variable frame rate (the prober's
  // variable_frame_rate), from its first frame's presentation time to the next frame's after it
  // (the video's end for the last frame).
  double seconds(const FrameRange& r, const VideoInfo& info) const;

  // How many picks for the range: nframes mode, nframes rounded to frame_factor; rate mode, the
  // range's frames at `fps`, clamped to [min_frames, max_frames] and the range, floored to
  // frame_factor (smart_nframes, docs/qwen-reference.md §2.3). With short_video pad, a range too
  // short for the rule gives its own count (the picks are padded in finish()) and nframes larger
  // than the range is kept (the sampler repeats frames); with short_video error it throws.
  int64_t count(const FrameRange& r, const VideoInfo& info) const;
  // The same rules for a sampler with its own rate: `wanted` picks before the clamps (ignored in
  // nframes mode), e.g. sample.interval's round(duration / base_interval).
  int64_t count_for(double wanted, const FrameRange& r) const;

  // The plan from a sampler's picks (any order; sorted here; each inside the range and with a
  // reason, else vidpipe::Error). Applies what
  // every sampler shares: the count made a multiple of frame_factor (more picks: an even spread of
  // them; fewer than frame_factor: the last repeated, or the short_video error), a pick equal to
  // the one before marked " (repeat)", timestamps (set_timestamps), sample_fps, the range, and the
  // job's "sample" note. `extra`: the sampler's own facts (plan.extra, with "spacing" added);
  // `why_repeats`: the sampler's reason when its own picks repeat frames.
  std::shared_ptr<SamplePlan> finish(const InfoPtr& info, const FrameRange& r, std::vector<Pick> picks, Job& job,
                                     Spacing spacing, json extra = json::object(), std::string why_repeats = "") const;

 private:
  std::string align_to_factor(std::vector<Pick>& picks, const FrameRange& r, const VideoInfo& info) const;

  std::string sampler_;
  ref::NFramesParams nf_;
  std::optional<double> start_, end_;
};

}  // namespace vidpipe::sampling
