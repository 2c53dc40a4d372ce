// sample.fps: a rate by presentation time (docs/sampling.md §5): n target times evenly spread
// over the range, and for each the frame presented at that time: the last frame whose pts is at
// or before it (VideoInfo::frame_times, exact for variable frame rate).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

// Index of the frame presented at `t` seconds (times as frame_time gives them), within the range.
int64_t presented_at(const VideoInfo& info, const FrameRange& r, double t) {
  constexpr double kSlack = 1e-9;  // a target equal to a pts, up to the rounding of n * (D / n)
  int64_t i = 0;
  if (has_frame_times(info)) {
    const auto& ft = info.frame_times;
    i = static_cast<int64_t>(std::upper_bound(ft.begin(), ft.end(), t + kSlack) - ft.begin()) - 1;
  } else {
    i = static_cast<int64_t>(std::floor(t * info.fps + kSlack));
  }
  return std::clamp(i, r.start, r.end);
}

class FpsSampler : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(
        NodeSpec("sample.fps", "A rate by presentation time: the frame shown at each target time (right for VFR)")
            .with_shape(Shape::Map)
            .with_role(Role::Sampler)
            .parallel()
            .input("info", DataType::Info, "probed video")
            .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps"));
  }

  explicit FpsSampler(const Params& p) : budget_(p, "sample.fps") {}

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);
    const double t0 = frame_time(*info, range.start), span = budget_.seconds(range, *info);
    // The budget's count over the range's duration: exactly fps when the range holds a multiple of
    // frame_factor / fps seconds, else the nearest rate the budget allows.
    const int64_t n = budget_.count_for(span * budget_.fps(), range);
    const double step = span / static_cast<double>(n);
    std::vector<sampling::Pick> picks;
    json targets = json::array();
    for (int64_t k = 0; k < n; ++k) {
      const double t = t0 + static_cast<double>(k) * step;
      picks.push_back({presented_at(*info, range, t), "fps"});
      targets.push_back(t);
    }
    // Evenly spaced targets: the picks are the model's even rate, unless the frame rate varies.
    const auto spacing = info->extra.value("variable_frame_rate", false) ? sampling::Spacing::Irregular
                                                                         : sampling::Spacing::Even;
    auto plan = budget_.finish(info, range, std::move(picks), job, spacing,
                               {{"mode", budget_.nframes_mode() ? "nframes" : "fps"}, {"target_step", step}},
                               "one frame is presented at several target times (the video's rate there is below "
                               "the target rate)");
    json note = job.notes().value("sample", json::object());
    note["targets"] = std::move(targets);
    job.note("sample", std::move(note));
    out.emit(PlanPtr(std::move(plan)));
  }

 private:
  sampling::Budget budget_;
};

}  // namespace

void register_sample_fps(vidpipe::Registry& r) { r.add<FpsSampler>(); }
