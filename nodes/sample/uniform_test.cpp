// sample.uniform alone (NodeRunner), against the worked examples of docs/qwen-reference.md §7:
// indices from torch 1.13's float32 linspace (§2.5), frame counts from smart_nframes (§2.3),
// sample_fps from §2.6. And the parameter rules of a run: defaults < profile < given, checked.
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

InfoPtr video(int width, int height, double fps, int64_t frames) {
  auto info = std::make_shared<VideoInfo>();
  info->input = "test.mp4";
  info->width = width, info->height = height, info->fps = fps, info->frame_count = frames;
  info->duration = static_cast<double>(frames) / fps;
  return info;
}

NodeRunner sampler(const json& params = json::object(), const json& profile = json::object()) {
  return NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "sample.uniform", params, profile);
}

std::vector<int64_t> head(const std::vector<int64_t>& v, std::size_t n) { return {v.begin(), v.begin() + n}; }
std::vector<int64_t> tail(const std::vector<int64_t>& v, std::size_t n) { return {v.end() - n, v.end()}; }

// The vidpipe::Error constructing or running `fn` throws.
template <class F> Error error_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a vidpipe::Error");
  return Error("");
}

}  // namespace

TEST_CASE("(a) 1920x1080, 30 fps, 600 s, fps 2: 768 frames") {
  NodeRunner node = sampler();
  node.process(video(1920, 1080, 30, 18000));
  const auto plan = node.output<SamplePlan>();
  REQUIRE(plan->indices.size() == 768);
  CHECK(head(plan->indices, 6) == std::vector<int64_t>{0, 23, 47, 70, 94, 117});
  CHECK(tail(plan->indices, 3) == std::vector<int64_t>{17952, 17976, 17999});
  CHECK(plan->sample_fps == doctest::Approx(1.28));
  CHECK(plan->total_frames == 18000);
  CHECK(node.notes()["sample"]["indices"] == json(plan->indices));
  CHECK(node.damage().empty());
}

TEST_CASE("(b) 640x360, 25 fps, 10 s, nframes 8") {
  NodeRunner node = sampler({{"nframes", 8}});
  node.process(video(640, 360, 25, 250));
  const auto plan = node.output<SamplePlan>();
  CHECK(plan->indices == std::vector<int64_t>{0, 36, 71, 107, 142, 178, 213, 249});
  CHECK(plan->sample_fps == doctest::Approx(0.8));
  REQUIRE(plan->timestamps.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) CHECK(plan->timestamps[i] == doctest::Approx(plan->indices[i] / 25.0));
}

TEST_CASE("(c) 1280x720, 30 fps, 20 s, fps 2: 40 frames") {
  NodeRunner node = sampler();
  node.process(video(1280, 720, 30, 600));
  const auto plan = node.output<SamplePlan>();
  REQUIRE(plan->indices.size() == 40);
  CHECK(head(plan->indices, 6) == std::vector<int64_t>{0, 15, 31, 46, 61, 77});
  CHECK(tail(plan->indices, 3) == std::vector<int64_t>{568, 584, 599});
  CHECK(plan->sample_fps == doctest::Approx(2.0));
}

TEST_CASE("parameters: defaults < profile < given, as in a run") {
  NodeRunner node = sampler({{"fps", 1.0}}, {{"fps", 4.0}, {"min_frames", 6}});
  CHECK(node.params().get<double>("fps") == 1.0);
  CHECK(node.params().origin("fps") == Origin::Graph);
  CHECK(node.params().get<int64_t>("min_frames") == 6);
  CHECK(node.params().origin("min_frames") == Origin::Profile);
  CHECK(node.params().origin("max_frames") == Origin::Default);

  // A profile's fps yields to a user's nframes (§2.3, vidpipe): example (b) again.
  NodeRunner mixed = sampler({{"nframes", 8}}, {{"fps", 2.0}});
  mixed.process(video(640, 360, 25, 250));
  CHECK(mixed.output<SamplePlan>()->indices.size() == 8);
}

TEST_CASE("parameters: the runtime's refusals") {
  const Error unknown = error_of([] { sampler({{"fsp", 2.0}}); });
  CHECK(std::string(unknown.what()).find("unknown parameter 'fsp' (did you mean 'fps'?)") != std::string::npos);
  CHECK(unknown.kind() == ErrorKind::Configuration);
  const Error type = error_of([] { sampler({{"nframes", "eight"}}); });
  CHECK(std::string(type.what()).find("parameter 'nframes' (int) must be an integer") != std::string::npos);
  const Error range = error_of([] { sampler({{"fps", 0}}); });
  CHECK(std::string(range.what()).find("parameter 'fps' = 0.0 is out of range [1e-06, 1000000]") != std::string::npos);
  // The node's own check, in its constructor: both modes set by the user.
  const Error both = error_of([] { sampler({{"fps", 2.0}, {"nframes", 8}}); });
  CHECK(std::string(both.what()).find("set either fps or nframes") != std::string::npos);
  // A 1-frame video cannot be sampled at nframes 8 with short_video: error (§2.3).
  NodeRunner strict = sampler({{"nframes", 8}, {"short_video", "error"}});
  CHECK_THROWS_AS(strict.process(video(64, 64, 25, 1)), Error);
}

TEST_CASE("index_rule: qwen rounds, floor truncates, segment_middle takes the middle of n segments") {
  auto picks = [](const char* rule) {
    NodeRunner node = sampler({{"nframes", 4}, {"index_rule", rule}});
    node.process(video(64, 64, 25, 10));
    return node.output<SamplePlan>()->indices;
  };
  CHECK(picks("qwen") == std::vector<int64_t>{0, 3, 6, 9});           // torch.linspace(0, 9, 4).round()
  CHECK(picks("floor") == std::vector<int64_t>{0, 3, 6, 9});          // np.linspace(0, 9, 4).astype(int)
  CHECK(picks("segment_middle") == std::vector<int64_t>{1, 3, 6, 8});  // int(i * 2.5 + 1.25)
  NodeRunner five = sampler({{"nframes", 6}, {"index_rule", "floor"}});
  five.process(video(64, 64, 25, 10));
  CHECK(five.output<SamplePlan>()->indices == std::vector<int64_t>{0, 1, 3, 5, 7, 9});  // 1.8 -> 1, 5.4 -> 5
  CHECK(five.output<SamplePlan>()->extra["index_rule"] == "floor");
  const Error renamed = error_of([] { sampler({{"index_rounding", "floor"}}); });
  CHECK(std::string(renamed.what()).find("index_rule") != std::string::npos);
}

TEST_CASE("short videos are padded unless short_video is error (the shared budget)") {
  auto pick = [](int64_t N, const json& params) {
    NodeRunner node = sampler(params);
    node.process(video(64, 64, 25, N));
    return node.output<SamplePlan>();
  };
  auto one = pick(1, json::object());  // the Qwen processor's temporal padding: [f0] -> [f0, f0]
  CHECK(one->indices == std::vector<int64_t>{0, 0});
  CHECK(one->repeated_frames == 1);
  CHECK(one->repeated_why.find("fewer than frame_factor 2") != std::string::npos);
  CHECK(one->reasons == std::vector<std::string>{"uniform", "uniform (repeat)"});
  CHECK(pick(3, {{"frame_factor", 4}})->indices == std::vector<int64_t>{0, 1, 2, 2});  // the last one repeated
  auto spread = pick(3, {{"nframes", 8}});  // more frames asked than there are: spread over them
  CHECK(spread->indices == linspace_indices(0, 2, 8));
  CHECK(spread->repeated_frames == 5);
  CHECK(pick(3, json::object())->indices == std::vector<int64_t>{0, 2});  // the reference's answer, no repeats
  CHECK(pick(3, json::object())->repeated_frames == 0);
  CHECK_THROWS_AS(pick(100, {{"nframes", 1}}), Error);  // nframes rounds to 0: a setting, not a short video
  CHECK_THROWS_WITH_AS(pick(1, {{"short_video", "error"}}),
                       doctest::Contains("nframes should in interval [2, 1], but got 0"), Error);
  // Padding is bounded (nframes goes up to 1e9): beyond 500000 samples an error, not that many indices.
  CHECK(pick(3, {{"nframes", 500000}})->indices.size() == 500000);
  CHECK_THROWS_WITH_AS(pick(3, {{"nframes", 1000000}}),
                       doctest::Contains("nframes 1000000 asks for more than 500000 samples of a video (or time "
                                         "range) of 3 frame(s)"),
                       Error);
}
