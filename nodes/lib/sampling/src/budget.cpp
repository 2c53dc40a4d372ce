// The sampler contract's one implementation (budget.hpp, docs/sampling.md §4).
#include <vidpipe/sampling/budget.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <vidpipe/qwen_rules/rounding.hpp>

namespace vidpipe::sampling {

NodeSpec& declare_budget(NodeSpec& spec) {
  return spec.number("fps", 2.0, 1e-6, 1e6, "frames per second of video to sample (fps mode)")
      .integer("nframes", nullptr, 1, 1e9, "exact frame count, rounded to frame_factor (nframes mode; excludes fps)")
      .integer("min_frames", 4, 1, 1e9, "fps mode: at least this many frames")
      .integer("max_frames", 768, 1, 1e9, "fps mode: at most this many frames")
      .integer("frame_factor", 2, 1, 1024, "frame count is a multiple of this")
      .number("video_start", nullptr, 0, 1e12, "start of the time range, seconds")
      .number("video_end", nullptr, 0, 1e12, "end of the time range, seconds")
      .choice("short_video", "pad", {"pad", "error"},
              "a video (or time range) too short for the budget, where qwen-vl-utils raises: pad = repeat "
              "frames (fewer than frame_factor: the last one, as the model's temporal padding; fewer than "
              "nframes: spread over the frames), recorded as repeated_frames; error = the reference's error")
      .model_settable({"fps", "nframes", "min_frames", "max_frames", "frame_factor"});
}

bool user_set(const Params& p, const char* name) {
  const Origin o = p.origin(name);
  return p.has(name) && (o == Origin::Graph || o == Origin::CommandLine);
}

Budget::Budget(const Params& p, std::string sampler) : sampler_(std::move(sampler)) {
  if (user_set(p, "fps") && user_set(p, "nframes"))
    throw Error(sampler_ + ": set either fps or nframes, not both",
                "remove one of them from the graph or the command line");
  if (p.has("nframes")) nf_.nframes = p.get<double>("nframes");
  else nf_.fps = p.get<double>("fps");
  nf_.min_frames = p.get<double>("min_frames");
  if (p.has("max_frames")) nf_.max_frames = p.get<double>("max_frames");
  nf_.frame_factor = p.get<int64_t>("frame_factor");
  nf_.short_video = p.get<std::string>("short_video") == "pad" ? ref::ShortVideo::Pad : ref::ShortVideo::Error;
  if (p.has("video_start")) start_ = p.get<double>("video_start");
  if (p.has("video_end")) end_ = p.get<double>("video_end");
}

FrameRange Budget::range(const VideoInfo& info) const {
  return frame_range(info.frame_count, info.fps, start_, end_);
}

double Budget::seconds(const FrameRange& r, const VideoInfo& info) const {
  // Constant rate: N / fps, the reference's duration (and the same rounding as count()).
  if (!has_frame_times(info) || !info.extra.value("variable_frame_rate", false))
    return static_cast<double>(r.count) / info.fps;
  const double first = frame_time(info, r.start);
  double after = r.end + 1 < info.frame_count ? frame_time(info, r.end + 1) : info.duration;
  if (!(after > frame_time(info, r.end)) && info.fps > 0) after = frame_time(info, r.end) + 1.0 / info.fps;
  return std::max(after - first, 0.0);
}

namespace {

bool pads(const ref::NFramesParams& nf) { return nf.short_video == ref::ShortVideo::Pad; }

}  // namespace

int64_t Budget::count(const FrameRange& r, const VideoInfo& info) const {
  return count_for(static_cast<double>(r.count) / info.fps * fps(), r);  // smart_nframes' x, same order
}

int64_t Budget::count_for(double wanted, const FrameRange& r) const {
  const int64_t N = r.count, f = nf_.frame_factor;
  if (nf_.nframes) {
    const int64_t n = ref::round_by_factor(*nf_.nframes, f);
    if (!pads(nf_) || n < f || n <= N) return ref::smart_nframes(N, 1.0, nf_);  // the reference's rule and errors
    if (n > ref::kMaxPaddedSamples)
      throw Error(fmt::format("nframes {} asks for more than {} samples of a video (or time range) of {} frame(s): "
                              "short_video=pad repeats frames up to {} samples",
                              n, ref::kMaxPaddedSamples, N, ref::kMaxPaddedSamples),
                  fmt::format("lower nframes (to at most {} to take each frame once)", N));
    return n;
  }
  if (pads(nf_) && N < f) return N;  // every frame; finish() repeats the last up to frame_factor
  return ref::clamp_nframes(wanted, N, nf_);
}

// The count made a multiple of frame_factor: more picks -> an even spread of them; fewer than
// frame_factor -> the last repeated (pad) or an error. Returns why frames were repeated, or "".
std::string Budget::align_to_factor(std::vector<Pick>& picks, const FrameRange& r, const VideoInfo& info) const {
  const int64_t f = nf_.frame_factor, k = static_cast<int64_t>(picks.size());
  if (k % f != 0 && k > f) {
    std::vector<Pick> kept;
    for (std::size_t pos : spread_positions(picks.size(), static_cast<std::size_t>(ref::floor_by_factor(k, f))))
      kept.push_back(std::move(picks[pos]));
    picks = std::move(kept);
    return "";
  }
  if (k >= f) return "";
  if (!pads(nf_))
    throw Error(fmt::format("{}: {} has {} pick(s) in frames {}-{}, fewer than frame_factor {}", sampler_, info.input,
                            k, r.start, r.end, f),
                "set short_video=pad to repeat the last frame as the model's temporal padding does");
  picks.resize(static_cast<std::size_t>(f), picks.back());
  if (r.count < f)
    return fmt::format("the video (or its time range) has {} frame(s), fewer than frame_factor {}: the last frame is "
                       "repeated, as the model's temporal padding repeats it", r.count, f);
  return fmt::format("{} pick(s), fewer than frame_factor {}: the last one is repeated, as the model's temporal "
                     "padding repeats it", k, f);
}

std::shared_ptr<SamplePlan> Budget::finish(const InfoPtr& info, const FrameRange& r, std::vector<Pick> picks, Job& job,
                                           Spacing spacing, json extra, std::string why_repeats) const {
  if (picks.empty())
    throw Error(fmt::format("{}: picked no frames of {} (frames {}-{})", sampler_, info->input, r.start, r.end),
                "widen the time range (video_start / video_end) or change the sampler's parameters");
  std::stable_sort(picks.begin(), picks.end(), [](const Pick& a, const Pick& b) { return a.index < b.index; });
  for (const Pick& p : picks) {
    if (p.reason.empty())
      throw Error(fmt::format("{}: frame {} was picked without a reason", sampler_, p.index),
                  "give every Pick a reason (docs/sampling.md §1), e.g. \"uniform\"");
    if (p.index < r.start || p.index > r.end)
      throw Error(fmt::format("{}: picked frame {}, outside the frames {}-{} it samples from", sampler_, p.index,
                              r.start, r.end),
                  "a sampler picks only inside Budget::range()");
  }
  std::string why = align_to_factor(picks, r, *info);
  auto plan = std::make_shared<SamplePlan>();
  plan->info = info;
  for (std::size_t i = 0; i < picks.size(); ++i) {
    static const std::string mark = " (repeat)";
    std::string reason = std::move(picks[i].reason);
    const bool marked = reason.size() >= mark.size() && reason.substr(reason.size() - mark.size()) == mark;
    if (i > 0 && picks[i].index == picks[i - 1].index && !marked) reason += mark;
    plan->indices.push_back(picks[i].index);
    plan->reasons.push_back(std::move(reason));
  }
  const auto n = static_cast<int64_t>(plan->indices.size());
  plan->total_frames = r.count;
  plan->sample_fps = sample_fps(n, r.count, info->fps);
  plan->sampler = sampler_;
  plan->range_start = r.start;
  plan->range_end = r.end;
  plan->extra = std::move(extra);
  plan->extra["spacing"] = spacing == Spacing::Even ? "even" : "irregular";
  set_timestamps(*plan);
  plan->repeated_frames = repeated_frames(plan->indices);
  if (plan->repeated_frames > 0) {
    if (why.empty() && nf_.nframes && n > r.count && pads(nf_))
      why = fmt::format("nframes {} is more than the {} frame(s) of the video (or its time range): "
                        "the {} samples are spread over them, repeating frames", n, r.count, n);
    plan->repeated_why = !why.empty() ? why : why_repeats;
  }
  json note = {{"sampler", plan->sampler},
               {"indices", plan->indices},
               {"timestamps", plan->timestamps},
               {"timestamps_from", plan->timestamps_from},
               // the frames and seconds picked from (`vidpipe eval sampler`: gaps to the range's ends)
               {"range", {{"frames", {r.start, r.end}},
                          {"seconds", {frame_time(*info, r.start), frame_time(*info, r.start) + seconds(r, *info)}}}}};
  if (plan->repeated_frames > 0 && !why.empty())  // the budget repeated frames: a short video, padded
    note["short_video"] = {{"policy", "pad"},
                           {"frames_in_range", plan->total_frames},
                           {"repeated_frames", plan->repeated_frames},
                           {"why", plan->repeated_why}};
  else if (plan->repeated_frames > 0)  // the sampler's own picks repeat a frame
    note["repeats"] = {{"repeated_frames", plan->repeated_frames}, {"why", plan->repeated_why}};
  job.note("sample", note);
  return plan;
}

}  // namespace vidpipe::sampling
