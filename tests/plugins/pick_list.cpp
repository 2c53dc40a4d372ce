// A non-uniform sampler (`testing.pick_list`): plans exactly the listed frame indices, each with
// the given reason, as a content-aware sampler would. Planning nodes must keep these picks.
#include <sstream>
#include <string>

#include <vidpipe/sdk.hpp>

namespace {

using namespace vidpipe;

class PickList final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("testing.pick_list", "Plans the listed frame indices (test plugin)")
        .parallel()
        .input("info", DataType::Info)
        .output("plan", DataType::Plan)
        .text("indices", "0", "comma-separated frame indices, ascending")
        .text("reason", "listed", "the reason recorded for every pick");
  }
  explicit PickList(const Params& p) : reason_(p.get<std::string>("reason")) {
    std::stringstream s(p.get<std::string>("indices"));
    for (std::string item; std::getline(s, item, ',');) indices_.push_back(std::stoll(item));
  }

  void process(const Data& in, Emitter& out, Job&) override {
    auto plan = std::make_shared<SamplePlan>();
    plan->info = std::get<InfoPtr>(in);
    plan->sampler = "testing.pick_list";
    plan->indices = indices_;
    plan->reasons.assign(indices_.size(), reason_);
    plan->total_frames = plan->info->frame_count;
    plan->sample_fps = sample_fps(static_cast<int64_t>(indices_.size()), plan->total_frames, plan->info->fps);
    set_timestamps(*plan);
    out.emit(PlanPtr(std::move(plan)));
  }

 private:
  std::vector<int64_t> indices_;
  std::string reason_;
};

void register_nodes(Registry& r) { r.add<PickList>(); }

}  // namespace

VIDPIPE_PLUGIN("testing_pick_list", "1.0.0", register_nodes)
