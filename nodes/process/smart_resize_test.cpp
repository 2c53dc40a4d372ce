// process.smart_resize alone (NodeRunner): the output sizes of the worked examples of
// docs/qwen-reference.md §7 (which depend on the frame count of the plan a frame carries, §2.7),
// the profile layer (a profile's max_pixels is this node's resize budget), and pixels: a
// constant picture stays constant under the normalised resize kernels.
#include <doctest/doctest.h>

#include <algorithm>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

// A constant `width` x `height` frame that belongs to a plan of `n` frames.
FramePtr frame(int width, int height, int64_t n, uint8_t value = 77) {
  auto plan = std::make_shared<SamplePlan>();
  auto info = std::make_shared<VideoInfo>();
  info->width = width, info->height = height;
  plan->info = info;
  for (int64_t i = 0; i < n; ++i) plan->indices.push_back(i);
  FrameBuffer fb = make_frame(width, height);
  for (int y = 0; y < height; ++y) std::fill_n(fb.pixels + static_cast<std::size_t>(y) * fb.frame->stride, width * 3, value);
  fb.frame->plan = plan;
  return fb.frame;
}

FramePtr resize(NodeRunner& node, FramePtr f) {
  node.process(f);
  return node.output<Frame>(node.outputs().size() - 1);
}

}  // namespace

TEST_CASE("(a) 1920x1080, 768 frames: 336x644; (b) 640x360, 8 frames: 364x644") {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.smart_resize");
  FramePtr a = resize(node, frame(1920, 1080, 768));
  CHECK(a->height == 336);
  CHECK(a->width == 644);
  FramePtr b = resize(node, frame(640, 360, 8));
  CHECK(b->height == 364);
  CHECK(b->width == 644);
  for (int y = 0; y < b->height; ++y)
    for (int x = 0; x < b->width * 3; ++x) REQUIRE(b->row(y)[x] == 77);
}

TEST_CASE("(c) a profile's max_pixels 151200 is this node's budget: 280x504; the graph's value wins") {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.smart_resize", {}, {{"max_pixels", 151200}});
  CHECK(node.params().origin("max_pixels") == Origin::Profile);
  FramePtr c = resize(node, frame(1280, 720, 40));
  CHECK(c->height == 280);
  CHECK(c->width == 504);
  NodeRunner mine = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.smart_resize", {{"max_pixels", 602112}},
                                            {{"max_pixels", 151200}});
  FramePtr full = resize(mine, frame(1280, 720, 40));
  // §2.2 step 3: 728x1288 is over 602112, so beta = sqrt(921600 / 602112) = 1.2372 -> 560x1008.
  CHECK(full->height == 560);
  CHECK(full->width == 1008);
}

TEST_CASE("64x64 is enlarged to min_pixels: 336x336 (F 28), 384x384 with a Qwen3 profile (F 32)") {
  NodeRunner q25 = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.smart_resize");
  FramePtr small = resize(q25, frame(64, 64, 4));
  CHECK(small->height == 336);
  CHECK(small->width == 336);
  NodeRunner q3 = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.smart_resize", {},
                                          {{"factor", 32}, {"min_pixels", 131072}, {"video_max_pixels", 786432}});
  FramePtr small3 = resize(q3, frame(64, 64, 4));
  CHECK(small3->height == 384);
  CHECK(small3->width == 384);
}
