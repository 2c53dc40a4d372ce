// gather.clip: collects the frames decoded for one plan into a Clip, in presentation order.
#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
namespace {

class GatherClip final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("gather.clip", "Collects the frames of one video into a clip, in presentation order")
        .with_shape(Shape::Gather)
        .with_role(Role::Gatherer)
        .uses_frames(FrameUse::Descriptors)  // the clip's frames are its items, unchanged
        .parallel()
        .input("frames", DataType::Frame, "frames of one decoder call, any order")
        .output("clip", DataType::Clip, "the ordered frames with their plan");
  }
  explicit GatherClip(const Params&) {}

  // The runtime has already ordered `items` by emission order; `parent` is the decoder's input plan.
  void collect(const Data& parent, std::vector<Data> items, Emitter& out, Job&) override {
    auto clip = std::make_shared<Clip>();
    clip->frames.reserve(items.size());
    for (auto& d : items)
      if (auto* f = std::get_if<FramePtr>(&d)) clip->frames.push_back(std::move(*f));
    if (clip->frames.empty())
      throw Error("no frames reached the gather", "check the decoder's damage report and the plan's frame indices");
    // The plan the frames were decoded for (decoders attach it to each frame), else the
    // decoder's input.
    clip->plan = clip->frames.front()->plan;
    if (auto* plan = std::get_if<PlanPtr>(&parent); plan && !clip->plan) clip->plan = *plan;
    out.emit(ClipPtr(std::move(clip)));
  }
};

}  // namespace

void register_gather_clip(Registry& r) { r.add<GatherClip>(); }

}  // namespace vidpipe::nodes
