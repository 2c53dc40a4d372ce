// sample.fps alone (NodeRunner): target times k * D / n and the frame presented at each, on a
// variable-frame-rate VideoInfo (docs/sampling.md §5).
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

// 10 frames: 0.0 0.1 0.2 | 1.2 1.3 | 3.3 ... (long gaps in the middle), 4 s in all.
InfoPtr vfr_video() {
  auto info = std::make_shared<VideoInfo>();
  info->input = "vfr.mp4";
  info->width = info->height = 64;
  info->frame_times = {0.0, 0.1, 0.2, 1.2, 1.3, 3.3, 3.4, 3.5, 3.6, 3.7};
  info->frame_count = 10;
  info->duration = 4.0;
  info->fps = 2.5;
  info->extra = {{"variable_frame_rate", true}};
  return info;
}

}  // namespace

TEST_CASE("each pick is the last frame whose time is at or before its target") {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.fps", {{"fps", 2.0}, {"frame_factor", 1}});
  node.process(vfr_video());
  const auto plan = node.output<SamplePlan>();
  // n = 4 s * 2 = 8 targets 0, 0.5, ... 3.5
  CHECK(plan->indices == std::vector<int64_t>{0, 2, 2, 4, 4, 4, 4, 7});  // 1.0 s still shows frame 2 (0.2 s)
  CHECK(plan->reasons[2] == "fps (repeat)");
  CHECK(plan->repeated_frames == 4);
  CHECK(plan->timestamps[6] == doctest::Approx(1.3));
  CHECK(node.notes()["sample"]["targets"][7].get<double>() == doctest::Approx(3.5));
  CHECK(plan->extra["spacing"] == "irregular");
}

TEST_CASE("a constant rate: the budget's count over N / fps, exactly fps") {
  auto info = std::make_shared<VideoInfo>();
  info->input = "cfr.mp4";
  info->fps = 30, info->frame_count = 300, info->duration = 10;
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.fps", {{"fps", 2.0}});
  node.process(InfoPtr(info));
  const auto plan = node.output<SamplePlan>();
  REQUIRE(plan->indices.size() == 20);
  for (std::size_t k = 0; k < 20; ++k) CHECK(plan->indices[k] == static_cast<int64_t>(15 * k));
  CHECK(plan->sample_fps == doctest::Approx(2.0));
  CHECK(plan->extra["spacing"] == "even");
}
