// sample.keyframe: keyframes, the frames that decode alone (docs/sampling.md §5).
//   mode only: keyframes only, from the prober's keyframe list (VideoInfo::keyframes), at most
//              the budget's count of them, spread evenly; every image of a frame folder is one.
//   mode snap: the budget's uniform targets (qwen-vl-utils' rounded linspace), each moved to the
//              nearest keyframe within `tolerance` seconds, else kept.
#include <algorithm>
#include <cmath>
#include <set>

#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

// The keyframes inside the range; a frame sequence's images all decode alone.
std::vector<int64_t> keyframes_in(const VideoInfo& info, const FrameRange& r) {
  std::vector<int64_t> out;
  if (info.keyframes.empty() && info.extra.value("input_kind", "") == "image_sequence") {
    for (int64_t i = r.start; i <= r.end; ++i) out.push_back(i);
    return out;
  }
  if (info.keyframes.empty())
    throw Error("sample.keyframe: " + info.input + " has no keyframe list (its packets were not indexed)",
                "keep probe.count_packets on (the default), or use sample.uniform");
  for (int64_t k : info.keyframes)
    if (k >= r.start && k <= r.end) out.push_back(k);
  return out;
}

class KeyframeSampler : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(
               NodeSpec("sample.keyframe", "Keyframes only, or uniform picks snapped to nearby keyframes")
                   .with_shape(Shape::Map)
                   .with_role(Role::Sampler)
                   .parallel()
                   .input("info", DataType::Info, "probed video")
                   .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps"))
        .choice("mode", "only", {"only", "snap"},
                "only = keyframes only (at most the budget's count, spread evenly); snap = uniform picks moved to "
                "the nearest keyframe within tolerance")
        .number("tolerance", 1.0, 0, 1e9, "snap: seconds a pick may move to reach a keyframe");
  }

  explicit KeyframeSampler(const Params& p)
      : budget_(p, "sample.keyframe"),
        snap_(p.get<std::string>("mode") == "snap"),
        tolerance_(p.get<double>("tolerance")) {}

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);
    const std::vector<int64_t> keys = keyframes_in(*info, range);
    if (!snap_ && keys.empty())
      throw Error("sample.keyframe: " + info->input + " has no keyframe in frames " + std::to_string(range.start) +
                      "-" + std::to_string(range.end),
                  "widen the time range, or use mode snap (uniform picks where no keyframe is near)");
    const int64_t n = budget_.count(range, *info);
    std::vector<sampling::Pick> picks = snap_ ? snapped(*info, range, keys, n) : only(keys, n);
    out.emit(PlanPtr(budget_.finish(info, range, std::move(picks), job, sampling::Spacing::Irregular,
                                    {{"mode", snap_ ? "snap" : "only"},
                                     {"keyframes_in_range", keys.size()},
                                     {"tolerance", tolerance_}})));
  }

 private:
  static std::vector<sampling::Pick> only(const std::vector<int64_t>& keys, int64_t n) {
    std::vector<sampling::Pick> picks;
    for (std::size_t pos : spread_positions(keys.size(), static_cast<std::size_t>(n)))
      picks.push_back({keys[pos], "keyframe"});
    return picks;
  }

  std::vector<sampling::Pick> snapped(const VideoInfo& info, const FrameRange& r, const std::vector<int64_t>& keys,
                                      int64_t n) const {
    std::vector<sampling::Pick> picks;
    std::set<int64_t> taken;
    for (int64_t target : linspace_indices(r.start, r.end, n)) {
      // The nearest free keyframe by time: the first at or after the target, or the one before.
      const double t = frame_time(info, target);
      const auto after = std::lower_bound(keys.begin(), keys.end(), target);
      int64_t best = -1;
      double best_gap = 0;
      for (auto it : {after, after == keys.begin() ? keys.end() : after - 1}) {
        if (it == keys.end() || taken.count(*it)) continue;
        const double gap = std::fabs(frame_time(info, *it) - t);
        if (gap <= tolerance_ + 1e-9 && (best < 0 || gap < best_gap)) best = *it, best_gap = gap;
      }
      if (best < 0) picks.push_back({target, "uniform"});  // no keyframe near: the exact frame
      else if (best == target) picks.push_back({target, "keyframe"});
      else picks.push_back({best, "keyframe (snapped from " + std::to_string(target) + ")"});
      taken.insert(picks.back().index);
    }
    return picks;
  }

  sampling::Budget budget_;
  bool snap_;
  double tolerance_;
};

}  // namespace

void register_sample_keyframe(vidpipe::Registry& r) { r.add<KeyframeSampler>(); }
