// sample.interval alone (NodeRunner): n = round(duration / base_interval), clamped and aligned
// by the shared budget (docs/sampling.md §5).
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

std::size_t picks(double seconds, const json& params) {
  auto info = std::make_shared<VideoInfo>();
  info->input = "v.mp4";
  info->fps = 25, info->frame_count = static_cast<int64_t>(seconds * 25), info->duration = seconds;
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.interval", params);
  node.process(InfoPtr(info));
  return node.output<SamplePlan>()->indices.size();
}

}  // namespace

TEST_CASE("one frame per base_interval seconds, within the budget") {
  CHECK(picks(60, json::object()) == 14);                      // round(15) = 15, floored to 2 -> 14
  CHECK(picks(64, json::object()) == 16);
  CHECK(picks(10, json::object()) == 4);                       // round(2.5) = 2 -> min_frames 4
  CHECK(picks(600, json::object()) == 150);
  CHECK(picks(600, {{"max_frames", 64}}) == 64);
  CHECK(picks(60, {{"base_interval", 2.0}, {"frame_factor", 1}}) == 30);
  CHECK(picks(60, {{"fps", 1.0}, {"frame_factor", 1}}) == 60);  // a user's fps is the rate
  CHECK(picks(60, {{"nframes", 8}}) == 8);
  CHECK_THROWS_AS(picks(60, {{"base_interval", 2.0}, {"nframes", 8}}), Error);
}
