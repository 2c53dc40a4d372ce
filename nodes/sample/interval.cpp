// sample.interval: one frame per base_interval seconds (docs/sampling.md §5): n =
// round(duration / base_interval), clamped to [min_frames, max_frames] and aligned to
// frame_factor by the budget, the picks spread evenly (qwen-vl-utils' rounded linspace).
#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

class IntervalSampler : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(
               NodeSpec("sample.interval", "One frame per base_interval seconds, spread evenly")
                   .with_shape(Shape::Map)
                   .with_role(Role::Sampler)
                   .parallel()
                   .input("info", DataType::Info, "probed video")
                   .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps"))
        .number("base_interval", 4.0, 1e-3, 1e9,
                "seconds of video per frame (the rate; a model profile's fps does not replace it, a user's fps or "
                "nframes does)");
  }

  explicit IntervalSampler(const Params& p) : budget_(p, "sample.interval") {
    const bool own = sampling::user_set(p, "base_interval");
    if (own && (sampling::user_set(p, "fps") || sampling::user_set(p, "nframes")))
      throw Error("sample.interval: set base_interval, fps or nframes, not two of them",
                  "base_interval is seconds per frame: fps = 1 / base_interval");
    seconds_per_frame_ = sampling::user_set(p, "fps") ? 1.0 / p.get<double>("fps") : p.get<double>("base_interval");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);
    const int64_t n = budget_.count_for(round_half_even(budget_.seconds(range, *info) / seconds_per_frame_), range);
    std::vector<sampling::Pick> picks;
    for (int64_t i : linspace_indices(range.start, range.end, n)) picks.push_back({i, "interval"});
    out.emit(PlanPtr(budget_.finish(info, range, std::move(picks), job, sampling::Spacing::Even,
                                    {{"mode", budget_.nframes_mode() ? "nframes" : "interval"},
                                     {"base_interval", seconds_per_frame_}})));
  }

 private:
  sampling::Budget budget_;
  double seconds_per_frame_ = 4.0;
};

}  // namespace

void register_sample_interval(vidpipe::Registry& r) { r.add<IntervalSampler>(); }
