// A custom sampler as a third party would write it: one file, one node, one entry point.
// `example.every_nth` plans every n-th frame, e.g. to compare with the Qwen uniform sampler by
// swapping one line of a graph (or `--set sample.type=example.every_nth`). It honours the budget
// every sampler shares (README "Samplers"): vidpipe::sampling declares fps | nframes,
// min_frames, max_frames, frame_factor and the time range, and turns the picks into the plan.
#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

class EveryNth final : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(NodeSpec("example.every_nth", "Plans every n-th frame (at most the budget's count)")
                                        .with_role(Role::Sampler)
                                        .parallel()
                                        .input("info", DataType::Info)
                                        .output("plan", DataType::Plan))
        .integer("n", 30, 1, 1e9, "take frames 0, n, 2n, ... of the range");
  }
  explicit EveryNth(const Params& p) : budget_(p, "example.every_nth"), n_(p.get<int64_t>("n")) {}

  void process(const Data& in, Emitter& out, Job& job) override {
    auto info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);  // video_start / video_end, checked
    std::vector<int64_t> every;
    for (int64_t i = range.start; i <= range.end; i += n_) every.push_back(i);
    // At most the budget's count (max_frames, the model's fps), evenly spread over the candidates.
    std::vector<sampling::Pick> picks;
    for (std::size_t pos : spread_positions(every.size(), static_cast<std::size_t>(budget_.count(range, *info))))
      picks.push_back({every[pos], "1 in " + std::to_string(n_)});
    // frame_factor, timestamps (exact for variable frame rate), sample_fps and the job's note.
    out.emit(PlanPtr(budget_.finish(info, range, std::move(picks), job, sampling::Spacing::Even)));
  }

 private:
  sampling::Budget budget_;
  int64_t n_;
};

void register_nodes(Registry& r) { r.add<EveryNth>(); }

}  // namespace

VIDPIPE_PLUGIN("example_sampler", "1.0.0", register_nodes)
