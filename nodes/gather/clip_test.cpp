// gather.clip alone (NodeRunner): a group of frames, handed over as the runtime hands it (the
// decoder's input plan and its items in emission order), becomes one clip in that order.
#include <doctest/doctest.h>

#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

FramePtr frame(int64_t index, const PlanPtr& plan) {
  FrameBuffer fb = make_frame(4, 2);
  fb.frame->index = index;
  fb.frame->plan = plan;
  return fb.frame;
}

}  // namespace

TEST_CASE("frames in emission order become one clip with their plan") {
  auto plan = std::make_shared<SamplePlan>();
  plan->indices = {3, 9, 27};
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "gather.clip");
  CHECK(node.spec().role == Role::Gatherer);
  node.collect(PlanPtr(plan), {frame(3, plan), frame(9, plan), frame(27, plan)});
  REQUIRE(node.outputs("clip").size() == 1);
  const auto clip = node.output<Clip>();
  REQUIRE(clip->frames.size() == 3);
  CHECK(clip->frames[0]->index == 3);
  CHECK(clip->frames[1]->index == 9);
  CHECK(clip->frames[2]->index == 27);
  CHECK(clip->plan == plan);
}

TEST_CASE("no frames (a decoder that delivered none): an error, not an empty clip") {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "gather.clip");
  CHECK_THROWS_WITH_AS(node.collect(PlanPtr(std::make_shared<SamplePlan>()), {}),
                       doctest::Contains("no frames reached the gather"), Error);
  CHECK(node.outputs().empty());
}
