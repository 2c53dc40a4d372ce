// sample.adaptive alone (NodeRunner) on hand-made analysis signals: the quantile rule, the
// near-duplicate replacement, the budget contract. The needle test on real videos made by the
// ffmpeg CLI is in scene_test.cpp (both content-aware samplers on the same files).
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

// A video of content.size() frames at 25 fps with these per-frame content and hash scores.
InfoPtr analysed(const std::vector<float>& content, std::vector<float> hash = {}) {
  auto info = std::make_shared<VideoInfo>();
  const auto frames = static_cast<int64_t>(content.size());
  info->input = "test.mp4", info->fps = 25, info->frame_count = frames, info->duration = frames / 25.0;
  info->width = 320, info->height = 240;
  if (hash.empty()) hash.assign(content.size(), 0.5f);  // every frame distinct
  info->extra["analysis"] = {{"content", content}, {"hash", hash}};
  return info;
}

std::shared_ptr<const SamplePlan> plan(const InfoPtr& info, const json& params) {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.adaptive", params);
  node.process(info);
  return node.output<SamplePlan>();
}

}  // namespace

TEST_CASE("no change anywhere: the quantiles are segment middles") {
  // Equal weights: pick k at start + floor((k + 1/2) N / n), MiniCPM-V's segment middles.
  const auto p = plan(analysed(std::vector<float>(100, 0.f)), {{"nframes", 4}});
  CHECK(p->indices == std::vector<int64_t>{12, 37, 62, 87});
  CHECK(p->reasons[0] == "change quantile 1/4, content 0.0");
  CHECK(p->extra["spacing"] == "irregular");
}

TEST_CASE("change draws the picks: static_share 0 puts them at the changing frames") {
  std::vector<float> content(100, 0.f);
  content[30] = 10, content[70] = 30;  // a quarter of the change at 30, three quarters at 70
  // Quantiles 1/16, 3/16 .. 15/16 of the cumulative weight: 2 at frame 30, 6 at frame 70. The 6
  // repeats are replaced, no frame above the mean change being left, by the middles of the largest
  // gaps: (30, 70) -> 50, (-1, 30) -> 14, (70, 100) -> 85, (30, 50) -> 40, (50, 70) -> 60, (14, 30) -> 22.
  const auto p = plan(analysed(content), {{"nframes", 8}, {"static_share", 0.0}});
  REQUIRE(p->indices.size() == 8);
  CHECK(p->indices == std::vector<int64_t>{14, 22, 30, 40, 50, 60, 70, 85});
  CHECK(p->reasons[2] == "change quantile 1/8, content 10.0");
  CHECK(p->reasons[6] == "change quantile 3/8, content 30.0");
  CHECK(p->reasons[0] == "replaces a near-duplicate of 70, fills the largest gap (frames 0-29)");
  CHECK(p->extra["replaced_near_duplicates"] == 6);
  // static_share 1: even in time whatever the change.
  CHECK(plan(analysed(content), {{"nframes", 4}, {"static_share", 1.0}})->indices ==
        std::vector<int64_t>{12, 37, 62, 87});
}

TEST_CASE("a near-duplicate (hash) is replaced by the highest-change distinct frame") {
  // Frames 0-59 identical (hash distance 0), then a moving stretch: every frame 0.2 from the last.
  std::vector<float> content(100, 0.f), hash(100, 0.f);
  for (int t = 60; t < 100; ++t) content[t] = 5, hash[t] = 0.2f;
  content[80] = 9;  // the strongest change
  const auto p = plan(analysed(content, hash), {{"nframes", 4}, {"static_share", 0.8}});
  // Weights: 0.008 a static frame, 0.008 + 0.2 * 5 / 204 a moving one. Quantiles: 2 in the static
  // part (15, 46: the second is a near-duplicate of the first), 2 in the moving part (71, 90); the
  // replacement is frame 80, the highest change, 1.8 and 2.0 in hash distance from 71 and 90.
  CHECK(p->indices == std::vector<int64_t>{15, 71, 80, 90});
  CHECK(p->reasons[2] == "replaces a near-duplicate of 15, content 9.0");
  // duplicate_distance 0: only repeats of a frame are replaced; both static picks stay.
  const auto q = plan(analysed(content, hash), {{"nframes", 4}, {"static_share", 0.8}, {"duplicate_distance", 0.0}});
  CHECK(q->indices == std::vector<int64_t>{15, 46, 71, 90});
}

TEST_CASE("the budget contract holds: exact count, frame_factor, range, short video, no analysis") {
  std::vector<float> content(200, 1.f);
  content[120] = 50;
  for (int n : {2, 4, 6, 16, 64}) CHECK(plan(analysed(content), {{"nframes", n}})->indices.size() == std::size_t(n));
  CHECK(plan(analysed(content), {{"nframes", 3}})->indices.size() % 2 == 0);
  const auto r = plan(analysed(content), {{"nframes", 4}, {"video_start", 4.0}});  // frames 100..199
  for (int64_t i : r->indices) CHECK(i >= 100);
  CHECK(std::count(r->indices.begin(), r->indices.end(), 120) == 1);
  const auto big = plan(analysed(std::vector<float>(5, 0.f)), {{"nframes", 8}});  // more than the frames
  CHECK(big->indices == std::vector<int64_t>{0, 1, 1, 2, 2, 3, 3, 4});
  const auto one = plan(analysed({0.f}), {{"nframes", 4}});
  for (int64_t i : one->indices) CHECK(i == 0);
  auto bare = std::make_shared<VideoInfo>(*analysed(content));
  bare->extra = json::object();
  CHECK_THROWS_WITH_AS(plan(bare, {}), doctest::Contains("no scene analysis"), Error);
  CHECK_THROWS_WITH_AS(NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.adaptive", {{"static_share", 2.0}}),
                       doctest::Contains("static_share"), Error);
  CHECK_THROWS_WITH_AS(NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.adaptive", {{"nosuch", 1}}),
                       doctest::Contains("nosuch"), Error);
}

TEST_CASE("deterministic: the same plan every time") {
  std::vector<float> content(500), hash(500);
  for (int t = 0; t < 500; ++t) content[t] = static_cast<float>((t * 37) % 23), hash[t] = (t % 7) / 64.f;
  const auto a = plan(analysed(content, hash), {{"nframes", 32}});
  for (int k = 0; k < 3; ++k) CHECK(plan(analysed(content, hash), {{"nframes", 32}})->indices == a->indices);
}
