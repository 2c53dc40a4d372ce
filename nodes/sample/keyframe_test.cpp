// sample.keyframe alone (NodeRunner): keyframes only, or uniform picks snapped to a keyframe
// within tolerance seconds (docs/sampling.md §5).
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

InfoPtr gop_video(std::vector<int64_t> keyframes) {
  auto info = std::make_shared<VideoInfo>();
  info->input = "gop.mp4";
  info->fps = 25, info->frame_count = 250, info->duration = 10;
  info->keyframes = std::move(keyframes);
  return info;
}

std::shared_ptr<const SamplePlan> plan_of(const json& params, std::vector<int64_t> keyframes) {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.keyframe", params);
  node.process(gop_video(std::move(keyframes)));
  return node.output<SamplePlan>();
}

}  // namespace

TEST_CASE("only: the keyframes, at most the budget's count, an even number") {
  CHECK(plan_of(json::object(), {0, 60, 120, 180, 240})->indices == std::vector<int64_t>{0, 60, 180, 240});
  CHECK(plan_of({{"nframes", 2}}, {0, 60, 120, 180, 240})->indices == std::vector<int64_t>{0, 240});
  const auto one = plan_of(json::object(), {0});  // padded to frame_factor, as the model pads
  CHECK(one->indices == std::vector<int64_t>{0, 0});
  CHECK(one->reasons == std::vector<std::string>{"keyframe", "keyframe (repeat)"});
}

TEST_CASE("snap: to the nearest free keyframe within tolerance, else the exact frame") {
  const auto p = plan_of({{"mode", "snap"}, {"nframes", 4}, {"tolerance", 1.0}}, {0, 100, 180});
  // targets 0 83 166 249: 83 -> 100 (0.68 s), 166 -> 180 (0.56 s), 249 (2.76 s from 180) stays
  CHECK(p->indices == std::vector<int64_t>{0, 100, 180, 249});
  CHECK(p->reasons ==
        std::vector<std::string>{"keyframe", "keyframe (snapped from 83)", "keyframe (snapped from 166)", "uniform"});
  CHECK(p->extra["spacing"] == "irregular");
}

TEST_CASE("no keyframe list, or none in the range: one clear error") {
  CHECK_THROWS_WITH_AS(plan_of(json::object(), {}), doctest::Contains("has no keyframe list"), Error);
  CHECK_THROWS_WITH_AS(plan_of({{"video_start", 2.0}, {"video_end", 3.0}}, {0, 100}),
                       doctest::Contains("has no keyframe in frames 50-75"), Error);
}
