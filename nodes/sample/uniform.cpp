// sample.uniform: qwen-vl-utils' frame sampler (docs/qwen-reference.md §2.3-§2.6) on a probed VideoInfo.
#include <memory>
#include <string>

#include <vidpipe/sdk.hpp>

#include <vidpipe/qwen_rules/sampling.hpp>

namespace {

using namespace vidpipe;

bool user_set(const Params& p, const char* name) {
  const Origin o = p.origin(name);
  return p.has(name) && (o == Origin::Graph || o == Origin::CommandLine);
}

std::optional<double> opt_number(const Params& p, const char* name) {
  return p.has(name) ? std::optional<double>(p.get<double>(name)) : std::nullopt;
}

class UniformSampler : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("sample.uniform",
                    "Evenly spaced frames, fps or nframes mode, as qwen-vl-utils samples them")
        .with_shape(Shape::Map)
        .with_role(Role::Sampler)
        .parallel()
        .input("info", DataType::Info, "probed video")
        .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps")
        .number("fps", 2.0, 1e-6, 1e6, "frames per second of video to sample (fps mode)")
        .integer("nframes", nullptr, 1, 1e9,
                 "exact frame count, rounded to frame_factor (nframes mode; excludes fps)")
        .integer("min_frames", 4, 1, 1e9, "fps mode: at least this many frames")
        .integer("max_frames", 768, 1, 1e9, "fps mode: at most this many frames")
        .integer("frame_factor", 2, 1, 1024, "frame count is a multiple of this")
        .number("video_start", nullptr, 0, 1e12, "start of the time range, seconds")
        .number("video_end", nullptr, 0, 1e12, "end of the time range, seconds")
        .choice("index_rounding", "round", {"round", "floor"},
                "how linspace positions become frame indices: round = torch.linspace(...).round() "
                "(qwen-vl-utils); floor = np.linspace(...).astype(int) (LLaVA-NeXT / lmms-eval)")
        .choice("short_video", "pad", {"pad", "error"},
                "a video (or time range) too short for the rule, where qwen-vl-utils raises: pad = "
                "repeat frames (fewer than frame_factor: the last one, as the model's temporal "
                "padding; fewer than nframes: spread over the frames), recorded as repeated_frames; "
                "error = the reference's error")
        .model_settable({"fps", "nframes", "min_frames", "max_frames", "frame_factor", "index_rounding"});
  }

  explicit UniformSampler(const Params& p) {
    if (user_set(p, "fps") && user_set(p, "nframes"))
      throw Error("sample.uniform: set either fps or nframes, not both",
                  "remove one of them from the graph or the command line");
    if (p.has("nframes")) nf_.nframes = p.get<double>("nframes");
    else nf_.fps = p.get<double>("fps");
    nf_.min_frames = p.get<double>("min_frames");
    nf_.max_frames = opt_number(p, "max_frames");
    nf_.frame_factor = p.get<int64_t>("frame_factor");
    nf_.short_video = p.get<std::string>("short_video") == "pad" ? ref::ShortVideo::Pad : ref::ShortVideo::Error;
    nf_.floor_indices = p.get<std::string>("index_rounding") == "floor";
    start_ = opt_number(p, "video_start");
    end_ = opt_number(p, "video_end");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = frame_range(info->frame_count, info->fps, start_, end_);
    ref::UniformSample picked = ref::sample_uniform(range, info->fps, nf_);
    const auto n = static_cast<int64_t>(picked.indices.size());
    auto plan = std::make_shared<SamplePlan>();
    plan->info = info;
    // linspace(start, end, n) as qwen-vl-utils 0.0.14 does for decord/torchcodec (absolute
    // indices); without a time range this equals the torchvision backend's linspace(0, N-1, n).
    plan->reasons = ref::uniform_reasons(picked);
    plan->indices = std::move(picked.indices);
    plan->total_frames = range.count;
    plan->sample_fps = sample_fps(n, range.count, info->fps);
    plan->sampler = "sample.uniform";
    plan->range_start = range.start;
    plan->range_end = range.end;
    plan->extra = {{"mode", nf_.nframes ? "nframes" : "fps"},
                   {"index_rounding", nf_.floor_indices ? "floor" : "round"}};
    set_timestamps(*plan);
    ref::note_repeats(*plan, picked);
    json note = {{"sampler", plan->sampler},
                 {"indices", plan->indices},
                 {"timestamps", plan->timestamps},
                 {"timestamps_from", plan->timestamps_from}};
    if (plan->repeated_frames > 0)
      note["short_video"] = {{"policy", "pad"},
                             {"frames_in_range", plan->total_frames},
                             {"repeated_frames", plan->repeated_frames},
                             {"why", plan->repeated_why}};
    job.note("sample", note);
    out.emit(PlanPtr(std::move(plan)));
  }

 private:
  ref::NFramesParams nf_;
  std::optional<double> start_, end_;
};

}  // namespace

void register_sample_uniform(vidpipe::Registry& r) { r.add<UniformSampler>(); }
