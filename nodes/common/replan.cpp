#include "common/replan.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

json replan_rule_uniform(const NFramesParams& p, std::optional<double> video_start,
                         std::optional<double> video_end) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  return {{"rule", "sample.uniform"},
          {"fps", opt(p.fps)},
          {"nframes", opt(p.nframes)},
          {"min_frames", p.min_frames},
          {"max_frames", opt(p.max_frames)},
          {"frame_factor", p.frame_factor},
          {"short_video", p.short_video == ShortVideo::Pad ? "pad" : "error"},
          {"index_rounding", p.floor_indices ? "floor" : "round"},
          {"video_start", opt(video_start)},
          {"video_end", opt(video_end)}};
}

Replanned replan(const SamplePlan& plan, int64_t true_count) {
  if (true_count <= 0) throw Error("the video holds no decodable frame");
  auto info = std::make_shared<VideoInfo>(*plan.info);
  info->frame_count = true_count;
  info->frame_count_source = "decoded";
  if (static_cast<int64_t>(info->frame_times.size()) > true_count)
    info->frame_times.resize(static_cast<std::size_t>(true_count));
  info->keyframes.erase(std::remove_if(info->keyframes.begin(), info->keyframes.end(),
                                       [&](int64_t k) { return k >= true_count; }),
                        info->keyframes.end());
  auto next = std::make_shared<SamplePlan>(plan);
  next->info = info;
  Replanned out;
  const json* rule = plan.extra.contains("replan") ? &plan.extra["replan"] : nullptr;
  if (rule && rule->value("rule", "") == "sample.uniform") {
    auto opt = [&](const char* k) {
      return rule->contains(k) && !(*rule)[k].is_null() ? std::optional<double>((*rule)[k].get<double>())
                                                        : std::nullopt;
    };
    NFramesParams p;
    p.fps = opt("fps");
    p.nframes = opt("nframes");
    p.min_frames = opt("min_frames").value_or(4);
    p.max_frames = opt("max_frames");
    p.frame_factor = static_cast<int64_t>(opt("frame_factor").value_or(2));
    p.short_video = rule->value("short_video", "pad") == "pad" ? ShortVideo::Pad : ShortVideo::Error;
    p.floor_indices = rule->value("index_rounding", "round") == "floor";
    const FrameRange range = frame_range(true_count, info->fps, opt("video_start"), opt("video_end"));
    UniformSample picked = sample_uniform(range, info->fps, p);
    const auto n = static_cast<int64_t>(picked.indices.size());
    next->reasons = uniform_reasons(picked);
    next->indices = std::move(picked.indices);
    next->total_frames = range.count;
    next->sample_fps = sample_fps(n, range.count, info->fps);
    note_repeats(*next, picked);
    next->range_start = range.start;
    next->range_end = range.end;
    out.method = "sample.uniform rule";
  } else {
    const int64_t old_n = std::max<int64_t>(plan.info->frame_count, 1);
    for (auto& i : next->indices)
      i = old_n <= 1 ? 0
                     : std::min<int64_t>(true_count - 1,
                                         std::llround(static_cast<double>(i) * (true_count - 1) /
                                                      static_cast<double>(old_n - 1)));
    next->total_frames = std::min<int64_t>(next->total_frames, true_count);
    out.method = "rescaled";
  }
  set_timestamps(*next);
  out.plan = next;
  return out;
}

}  // namespace vidpipe::ref
