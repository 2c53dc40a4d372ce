// sample.uniform: evenly spaced frames by index, with the index rule of the model's reference
// (docs/sampling.md §5): qwen-vl-utils' rounded linspace (docs/qwen-reference.md §2.3-§2.6),
// LLaVA / lmms-eval's truncated linspace, or TSN / MiniCPM-V's segment midpoints.
#include <string>

#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

enum class IndexRule { Qwen, Floor, SegmentMiddle };

IndexRule parse_rule(const std::string& s) {
  return s == "floor" ? IndexRule::Floor : s == "segment_middle" ? IndexRule::SegmentMiddle : IndexRule::Qwen;
}

// MiniCPM-V's uniform_sample: gap = N / n, frame i = int(i * gap + gap / 2) (float64, truncated).
std::vector<int64_t> segment_middles(int64_t start, int64_t count, int64_t n) {
  const double gap = static_cast<double>(count) / static_cast<double>(n);
  std::vector<int64_t> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.push_back(start + static_cast<int64_t>(static_cast<double>(i) * gap + gap / 2));
  return out;
}

std::vector<int64_t> spread(IndexRule rule, const FrameRange& r, int64_t n) {
  switch (rule) {
    case IndexRule::Floor: return linspace_floor(r.start, r.end, n);
    case IndexRule::SegmentMiddle: return segment_middles(r.start, r.count, n);
    case IndexRule::Qwen: break;
  }
  return linspace_indices(r.start, r.end, n);
}

class UniformSampler : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(
               NodeSpec("sample.uniform", "Evenly spaced frames by index (qwen, floor or segment_middle rule)")
                   .with_shape(Shape::Map)
                   .with_role(Role::Sampler)
                   .parallel()
                   .input("info", DataType::Info, "probed video")
                   .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps"))
        .choice("index_rule", "qwen", {"qwen", "floor", "segment_middle"},
                "how n evenly spaced positions become frames: qwen = torch.linspace(start, end, n).round() "
                "(qwen-vl-utils); floor = np.linspace(start, end, n).astype(int) (LLaVA-NeXT / lmms-eval); "
                "segment_middle = the middle of each of n equal segments, int(i*N/n + N/(2n)) (TSN, MiniCPM-V)")
        .rename("index_rounding", "index_rule", "round is now qwen, floor stays floor")
        .model_settable({"index_rule"});
  }

  explicit UniformSampler(const Params& p)
      : budget_(p, "sample.uniform"), rule_name_(p.get<std::string>("index_rule")), rule_(parse_rule(rule_name_)) {}

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);
    std::vector<sampling::Pick> picks;
    // Without a time range linspace(start, end, n) equals the torchvision backend's linspace(0, N-1, n).
    for (int64_t i : spread(rule_, range, budget_.count(range, *info))) picks.push_back({i, "uniform"});
    const json extra = {{"mode", budget_.nframes_mode() ? "nframes" : "fps"}, {"index_rule", rule_name_}};
    out.emit(PlanPtr(budget_.finish(info, range, std::move(picks), job, sampling::Spacing::Even, extra)));
  }

 private:
  sampling::Budget budget_;
  std::string rule_name_;
  IndexRule rule_;
};

}  // namespace

void register_sample_uniform(vidpipe::Registry& r) { r.add<UniformSampler>(); }
