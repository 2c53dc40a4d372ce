// See plan_fields.hpp.
#include "common/plan_fields.hpp"

namespace vidpipe::ref {

void set_timestamps(SamplePlan& plan) {
  const VideoInfo& info = *plan.info;
  const bool timed = static_cast<int64_t>(info.frame_times.size()) == info.frame_count;
  plan.timestamps.clear();
  plan.timestamps.reserve(plan.indices.size());
  for (int64_t i : plan.indices)
    plan.timestamps.push_back(timed ? info.frame_times[static_cast<std::size_t>(i)]
                              : info.fps > 0 ? static_cast<double>(i) / info.fps
                                             : 0.0);
  plan.extra["timestamps_from"] = timed ? "frame_times" : "index / fps";
}

void note_repeats(SamplePlan& plan, const UniformSample& picked) {
  if (picked.repeated_frames == 0) {
    plan.extra.erase("short_video");
    return;
  }
  plan.extra["short_video"] = {{"policy", "pad"},
                               {"frames_in_range", plan.total_frames},
                               {"repeated_frames", picked.repeated_frames},
                               {"why", picked.why}};
}

}  // namespace vidpipe::ref
