// sample.scene alone (NodeRunner) on hand-made scene lists, and after analyze.scenes on videos the
// ffmpeg CLI makes here: the needle test of docs/sampling.md §7 (a 1-second shot in a long static
// video is picked wherever it is; uniform picks mostly miss it).
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

#include "temp_dir.hpp"

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

// A video of `frames` frames at 25 fps whose analysis found scenes starting at `starts`.
InfoPtr with_scenes(int64_t frames, const std::vector<int64_t>& starts, const std::vector<float>& content = {}) {
  auto info = std::make_shared<VideoInfo>();
  info->input = "test.mp4", info->fps = 25, info->frame_count = frames, info->duration = frames / 25.0;
  info->width = 320, info->height = 240;
  json scenes = json::array();
  for (std::size_t i = 0; i < starts.size(); ++i)
    scenes.push_back({{"start_frame", starts[i]}, {"end_frame", (i + 1 < starts.size() ? starts[i + 1] : frames) - 1}});
  info->extra["scenes"] = {{"scenes", scenes}};
  if (!content.empty()) info->extra["analysis"] = {{"content", content}};
  return info;
}

std::shared_ptr<const SamplePlan> plan(const InfoPtr& info, const json& params) {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.scene", params);
  node.process(info);
  return node.output<SamplePlan>();
}

}  // namespace

TEST_CASE("one middle frame per shot, the rest by shot length; reasons name the shot") {
  // Shots of 100, 20 and 80 frames; 8 picks: 1 each, then 5 more by length (largest remainder: 3, 0, 2),
  // spread as segment middles inside each shot.
  const auto p = plan(with_scenes(200, {0, 100, 120}), {{"nframes", 8}});
  REQUIRE(p->indices.size() == 8);
  CHECK(p->indices == std::vector<int64_t>{12, 37, 62, 87, 110, 133, 160, 186});
  CHECK(p->reasons[0] == "scene 1 (1/4)");
  CHECK(p->reasons[4] == "scene 2 middle");
  CHECK(p->reasons[7] == "scene 3 (3/3)");
  CHECK(p->extra["spacing"] == "irregular");
}

TEST_CASE("more shots than the budget: the most distinct shots are kept") {
  std::vector<float> content(100, 1.f);
  content[10] = 90, content[20] = 5, content[30] = 80, content[40] = 5, content[50] = 70;
  // 6 shots; distinctness = change at the start + at the end: 91, 95, 85, 85, 75, 70. 3 picks keep
  // shots 2 and 1, then 3 (the tie with 4 goes to the earlier, both being 10 frames long).
  const auto p = plan(with_scenes(100, {0, 10, 20, 30, 40, 50}, content), {{"nframes", 3}, {"frame_factor", 1}});
  REQUIRE(p->indices.size() == 3);
  CHECK(p->reasons == std::vector<std::string>{"scene 1 middle", "scene 2 middle", "scene 3 middle"});
  CHECK(p->indices == std::vector<int64_t>{5, 15, 25});
}

TEST_CASE("the budget contract holds: frame_factor, time range, short video, no analysis") {
  const auto p = plan(with_scenes(200, {0, 100, 120}), {{"nframes", 3}});  // rounded to frame_factor 2
  CHECK(p->indices.size() % 2 == 0);
  const auto r = plan(with_scenes(200, {0, 100, 120}), {{"nframes", 4}, {"video_start", 4.0}});  // frames 100..199
  for (int64_t i : r->indices) CHECK(i >= 100);
  CHECK(r->reasons[0].rfind("scene 2", 0) == 0);
  const auto s = plan(with_scenes(1, {0}), {{"nframes", 4}});  // one frame: padded
  REQUIRE(!s->indices.empty());
  for (int64_t i : s->indices) CHECK(i == 0);
  auto bare = std::make_shared<VideoInfo>(*with_scenes(50, {0}));
  bare->extra = json::object();
  CHECK_THROWS_WITH_AS(plan(bare, {}), doctest::Contains("no scene analysis"), Error);
}

TEST_CASE("needle: a 1-second shot in a static video is picked wherever it is (16 frames)") {
  TempDir dir("needle");
  int scene_hits = 0, uniform_hits = 0;
  const int placements = 5;
  for (int k = 0; k < placements; ++k) {
    const double at = 3.0 + k * 7.3;  // seconds into a 40-second static picture
    const std::string path = (dir.path / ("needle" + std::to_string(k) + ".mp4")).string();
    const std::string cmd =
        "ffmpeg -v error -y -f lavfi -i rgbtestsrc=size=160x120:rate=25:duration=40 -f lavfi -i "
        "testsrc2=size=160x120:rate=25:duration=1 -filter_complex \"[0]split[a][b];[a]trim=0:" +
        std::to_string(at) + "[a1];[b]trim=" + std::to_string(at) +
        ",setpts=PTS-STARTPTS[b1];[a1][1][b1]concat=n=3,format=yuv420p\" -c:v libx264 -preset ultrafast "
        "-sc_threshold 0 -g 250 " + path;
    REQUIRE(std::system(cmd.c_str()) == 0);
    NodeRunner analyze = NodeRunner::from_plugin(VIDPIPE_PLUGIN_DIR "/vidpipe_analyze.so", "analyze.scenes");
    auto info = std::make_shared<VideoInfo>();
    info->input = path, info->fps = 25, info->frame_count = 1025, info->duration = 41;
    analyze.process(InfoPtr(info));
    const InfoPtr analysed = analyze.output<VideoInfo>();
    const int64_t first = static_cast<int64_t>(at * 25 + 0.5), last = first + 24;
    auto hit = [&](const SamplePlan& p) {
      for (int64_t i : p.indices)
        if (i >= first && i <= last) return true;
      return false;
    };
    scene_hits += hit(*plan(analysed, {{"nframes", 16}}));
    NodeRunner uniform = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.uniform", {{"nframes", 16}});
    uniform.process(analysed);
    uniform_hits += hit(*uniform.output<SamplePlan>());
  }
  CHECK(scene_hits == placements);
  CHECK(uniform_hits < placements);
}
