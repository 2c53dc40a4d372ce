// A custom sampler as a third party would write it: one file, one node, one entry point.
// `example.every_nth` plans every n-th frame (capped at max_frames), e.g. to compare with
// the Qwen uniform sampler by swapping one line of a graph.
#include <vidpipe/sdk.hpp>

namespace {

using namespace vidpipe;

class EveryNth final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("example.every_nth", "Plans every n-th frame of the video (at most max_frames)")
        .with_role(Role::Sampler)
        .parallel()
        .input("info", DataType::Info)
        .output("plan", DataType::Plan)
        .integer("n", 30, 1, 1e9, "take frames 0, n, 2n, ...")
        .integer("max_frames", 64, 1, 1e6, "upper bound on the frames planned");
  }
  explicit EveryNth(const Params& p) : n_(p.get<int64_t>("n")), max_(p.get<int64_t>("max_frames")) {}

  void process(const Data& in, Emitter& out, Job&) override {
    auto info = std::get<InfoPtr>(in);
    if (info->frame_count <= 0) throw Error(info->input + ": the video has no frames");
    auto plan = std::make_shared<SamplePlan>();
    plan->info = info;
    plan->sampler = "example.every_nth";
    plan->total_frames = info->frame_count;
    plan->range_start = 0;
    plan->range_end = info->frame_count - 1;
    for (int64_t i = 0; i < info->frame_count && static_cast<int64_t>(plan->indices.size()) < max_; i += n_) {
      plan->indices.push_back(i);
      plan->reasons.push_back("1 in " + std::to_string(n_));
    }
    set_timestamps(*plan);  // the SDK's timestamp rule (exact for variable frame rate)
    plan->sample_fps = info->fps / static_cast<double>(n_);
    out.emit(PlanPtr(std::move(plan)));
  }

 private:
  int64_t n_, max_;
};

void register_nodes(Registry& r) { r.add<EveryNth>(); }

}  // namespace

VIDPIPE_PLUGIN("example_sampler", "1.0.0", register_nodes)
