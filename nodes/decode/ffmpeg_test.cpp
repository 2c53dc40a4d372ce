// decode.ffmpeg alone (NodeRunner), fed the plan of a video the ffmpeg CLI makes here: each
// frame must equal, byte for byte, what the CLI decodes for that index,
//   ffmpeg -i V -vf "select=eq(n\,I)" -vsync 0 -frames:v 1 -f rawvideo -pix_fmt rgb24 -
// (frame i is the i-th frame the decoder outputs). The probe plugin makes the VideoInfo.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include <vidpipe/testing.hpp>

#include "shell.hpp"
#include "temp_dir.hpp"

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

using vidpipe::test::capture;

// 60 frames of 176x144 at 30 fps with B-frames, a keyframe every 12 frames.
std::string make_video(const TempDir& dir) {
  const std::string path = (dir.path / "v.mp4").string();
  const int rc = std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=size=176x144:rate=30 -frames:v 60 "
                              "-c:v libx264 -g 12 -bf 2 -pix_fmt yuv420p " + path).c_str());
  REQUIRE(rc == 0);
  return path;
}

PlanPtr plan_for(const std::string& video, std::vector<int64_t> indices) {
  NodeRunner probe = NodeRunner::from_plugin(std::string(VIDPIPE_PLUGIN_DIR) + "/vidpipe_probe.so", "probe.ffmpeg");
  probe.process(JobPtr(std::make_shared<const VideoJob>(VideoJob{video, "v", 0, ""})));
  auto plan = std::make_shared<SamplePlan>();
  plan->info = probe.output<VideoInfo>();
  for (int64_t i : indices) plan->timestamps.push_back(static_cast<double>(i) / plan->info->fps);
  plan->indices = std::move(indices);
  plan->total_frames = plan->info->frame_count;
  plan->sampler = "test";
  return plan;
}

std::string cli_frame(const std::string& video, int64_t i) {
  return capture("ffmpeg -v error -i " + video + " -vf \"select=eq(n\\," + std::to_string(i) +
                 ")\" -vsync 0 -frames:v 1 -f rawvideo -pix_fmt rgb24 -");
}

std::string pixels(const Frame& f) {
  std::string out;
  for (int y = 0; y < f.height; ++y) out.append(reinterpret_cast<const char*>(f.row(y)), static_cast<std::size_t>(f.width) * 3);
  return out;
}

}  // namespace

TEST_CASE("planned frames equal the ffmpeg CLI's, across GOPs and B-frames") {
  TempDir dir("decode");
  const std::string v = make_video(dir);
  const std::vector<int64_t> indices{0, 5, 11, 12, 13, 30, 47, 59};
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "decode.ffmpeg");
  node.process(plan_for(v, indices));
  REQUIRE(node.outputs("frames").size() == indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const auto f = node.output<Frame>(k);
    CAPTURE(indices[k]);
    CHECK(f->index == indices[k]);
    CHECK(f->width == 176);
    CHECK(f->height == 144);
    CHECK(pixels(*f) == cli_frame(v, indices[k]));
  }
  CHECK(node.notes()["backend_used"] == "ffmpeg");
  CHECK(node.damage().empty());
}

TEST_CASE("a profile's max_pixels (a resize budget) never reaches the decoder's safety cap") {
  TempDir dir("decode");
  const std::string v = make_video(dir);
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "decode.ffmpeg", {}, {{"max_pixels", 1}, {"max_input_pixels", 1}});
  CHECK(node.params().origin("max_input_pixels") == Origin::Default);
  node.process(plan_for(v, {0}));
  CHECK(node.outputs().size() == 1);
  // Set by the user, the cap holds, as a resource error.
  NodeRunner capped = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "decode.ffmpeg", {{"max_input_pixels", 1000}});
  try {
    capped.process(plan_for(v, {0}));
    FAIL("decoded a frame over max_input_pixels");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Resource);
    CHECK(std::string(e.what()).find("max_input_pixels") != std::string::npos);
  }
}
