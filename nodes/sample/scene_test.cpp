// sample.scene alone (NodeRunner) on hand-made scene lists, and after analyze.scenes on videos the
// ffmpeg CLI makes here: the needle test of docs/sampling.md §7 for both content-aware samplers
// (a 1-second shot in a 5-minute static video is picked wherever it is; uniform picks mostly miss it).
#include <algorithm>

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

TEST_CASE("needle: a 1-second shot in a 5-minute static video is picked wherever it is (16 frames)") {
  // docs/sampling.md §7: 10 placements; sample.scene and sample.adaptive must pick a frame of the
  // needle every time, sample.uniform (16 frames 20 s apart) about 1 time in 20. 160x90 at 10 fps
  // keeps each file cheap to make and analyse; the needle is 10 frames, so the analysis runs with
  // min_scene_len 5 (the default 15 frames is 1.5 s at this rate: no 1-second shot could be a scene).
  TempDir dir("needle");
  const int placements = 10, rate = 10;
  int scene_hits = 0, adaptive_hits = 0, uniform_hits = 0;
  for (int k = 0; k < placements; ++k) {
    const int first = 50 + k * 293, last = first + rate - 1;  // frames of the needle (5.0 s, 34.3 s ...)
    const std::string path = (dir.path / ("needle" + std::to_string(k) + ".mp4")).string();
    const std::string cmd =
        "ffmpeg -v error -y -f lavfi -i rgbtestsrc=size=160x90:rate=10:duration=" + std::to_string(first / 10.0) +
        " -f lavfi -i testsrc2=size=160x90:rate=10:duration=1 -f lavfi -i rgbtestsrc=size=160x90:rate=10:duration=" +
        std::to_string(300 - first / 10.0) +
        " -filter_complex \"[0][1][2]concat=n=3,format=yuv420p\" -c:v libx264 -preset ultrafast -sc_threshold 0 "
        "-g 250 " + path;
    REQUIRE(std::system(cmd.c_str()) == 0);
    NodeRunner analyze =
        NodeRunner::from_plugin(VIDPIPE_PLUGIN_DIR "/vidpipe_analyze.so", "analyze.scenes", {{"min_scene_len", 5}});
    auto info = std::make_shared<VideoInfo>();
    info->input = path, info->fps = rate, info->frame_count = 3010, info->duration = 301;
    analyze.process(InfoPtr(info));
    const InfoPtr analysed = analyze.output<VideoInfo>();
    auto hit = [&](const char* sampler) {
      NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, sampler, {{"nframes", 16}});
      node.process(analysed);
      const auto p = node.output<SamplePlan>();
      REQUIRE(p->indices.size() == 16);
      return std::any_of(p->indices.begin(), p->indices.end(), [&](int64_t i) { return i >= first && i <= last; });
    };
    scene_hits += hit("sample.scene");
    adaptive_hits += hit("sample.adaptive");
    uniform_hits += hit("sample.uniform");
  }
  MESSAGE("needle hits in " << placements << " placements: scene " << scene_hits << ", adaptive " << adaptive_hits
                            << ", uniform " << uniform_hits);
  CHECK(scene_hits == placements);
  CHECK(adaptive_hits == placements);
  CHECK(uniform_hits <= 3);
}
