// The OpenCV decoder backend through the walk (decode_frames) against decode.opencv, the runtime's
// decode node over the same backend (vidpipe_decode_opencv plugin; before the backend existed, the
// old node of nodes/decode/opencv.cpp, with the same assertions): the same frames byte for byte,
// the same indices and timestamps, on a local H.264 (B-frames) and an MJPEG AVI.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <vidpipe/testing.hpp>

#include "ffmpeg_test_videos.hpp"
#include "opencv_backend.hpp"

using namespace vidpipe;
using namespace vidpipe::test;
using vidpipe::testing::NodeRunner;

TEST_CASE("opencv backend: frames equal decode.opencv's (H.264 with B-frames, MJPEG AVI)") {
  const DecoderBackendSpec spec = nodes::decode::OpenCvBackend::backend_spec();
  CHECK(spec.name() == "opencv");
  CHECK(spec.rank == kRankSecondary);
  CHECK(spec.local_files_only);
  for (const char* name : {"h264", "mjpeg", "rot90"}) {
    INFO(name);
    const std::string v = videos().file(name);
    REQUIRE(!v.empty());
    auto plan = std::make_shared<SamplePlan>();
    plan->info = std::make_shared<const VideoInfo>(av::probe(v));
    plan->indices = {0, 1, 7, 7, 31, plan->info->frame_count - 1};
    NodeRunner node = NodeRunner::from_plugin(std::string(VIDPIPE_PLUGIN_DIR) + "/vidpipe_decode_opencv.so", "decode.opencv");
    node.process(PlanPtr(plan));
    const auto& ref = node.outputs();
    REQUIRE(ref.size() == plan->indices.size());

    nodes::decode::OpenCvBackend b(Params(json{{"color_matrix", "auto"}}, {}));
    std::vector<FramePtr> got;
    const WalkStats st = decode_frames(b, plan, {}, [&](FramePtr f) {
      got.push_back(std::move(f));
      return true;
    });
    REQUIRE(got.size() == ref.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
      const FramePtr& r = std::get<FramePtr>(ref[k]);
      INFO("frame ", plan->indices[k]);
      CHECK(got[k]->index == r->index);
      CHECK(got[k]->timestamp == r->timestamp);
      CHECK(same_pixels(got[k], r));
    }
    CHECK(st.decoded_frames == plan->indices.back() + 1);  // every picture up to the last planned one
    CHECK(st.seeks == 0);
    CHECK(b.note()["color_matrix"] == "bt601");
  }
  // Not a local file: refused with the reason.
  nodes::decode::OpenCvBackend b(Params(json{{"color_matrix", "auto"}}, {}));
  auto plan = std::make_shared<SamplePlan>();
  auto info = std::make_shared<VideoInfo>();
  info->input = "http://127.0.0.1:9/v.mp4";
  plan->info = info;
  plan->indices = {0};
  CHECK_THROWS_WITH_AS(decode_frames(b, plan, {}, [](FramePtr) { return true; }),
                       doctest::Contains("reads local files only"), Error);
}
