// analyze.scenes: the analysis pass between the prober and a content-aware sampler
// (docs/sampling.md §7). VideoInfo in, the same VideoInfo out with two JSON values in `extra`:
//   "analysis": the per-frame signals (signals.hpp), stored whole so a cache or a researcher can
//               re-threshold without decoding;
//   "scenes":   what the chosen detector finds in them (detect.hpp): cuts, scenes, fades.
#include <vidpipe/sdk.hpp>

#include <vidpipe/media/input_source.hpp>

#include "detect.hpp"
#include "signals.hpp"

namespace {

using namespace vidpipe;

class SceneAnalysis : public Node {
 public:
  static NodeSpec contract() {
    return NodeSpec("analyze.scenes", "Scores every frame cheaply and finds the cuts, scenes and fades")
        .with_shape(Shape::Map)
        .with_role(Role::Processor)
        .parallel()
        .input("info", DataType::Info, "probed video")
        .output("info", DataType::Info, "the video info with extra.analysis and extra.scenes")
        .choice("detector", "adaptive", {"adaptive", "content", "threshold", "hash", "scdet"},
                "adaptive = content score against its neighbours'; content = HSV change; threshold = fades "
                "through black; hash = perceptual-hash distance; scdet = FFmpeg scdet's luma score")
        .number("threshold", 0, 0, 1e9,
                "the detector's cut-off; 0 = its default (adaptive 3, content 27, threshold 12, hash 0.35, "
                "scdet 10)")
        .integer("min_scene_len", 15, 1, 1e9, "frames a scene has at least")
        .integer("analysis_size", 256, 16, 4096, "frames are scored with their longer side scaled to this")
        .integer("max_frames", 2000000, 1, 1e12, "a video with more frames is refused");
  }

  static NodeSpec spec() {
    NodeSpec s = contract();
    return av::declare_input_params(s);  // net_timeout, max_input_bytes ...: as the decoders read inputs
  }

  explicit SceneAnalysis(const Params& p) {
    detect_.detector = p.get<std::string>("detector");
    detect_.threshold = p.get<double>("threshold");
    detect_.min_scene_len = p.get<int64_t>("min_scene_len");
    options_.max_side = static_cast<int>(p.get<int64_t>("analysis_size"));
    options_.max_frames = p.get<int64_t>("max_frames");
    options_.input = av::input_options(p);
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    if (info->extra.value("input_kind", "") == "image_sequence")
      throw Error("analyze.scenes: " + info->input + " is a frame folder; scene analysis needs a video",
                  "use sample.uniform for frame folders");
    analyze::AnalyzeOptions options = options_;  // per call: the cancel hook belongs to this job
    options.input.cancelled = [&job] { return job.cancelled(); };
    const analyze::Signals signals = analyze::analyze(*info, options);
    const analyze::Detection found = analyze::detect(signals, detect_);
    auto result = std::make_shared<VideoInfo>(*info);
    const double fps = info->fps > 0 ? info->fps : signals.fps;
    result->extra["analysis"] = analyze::to_json(signals);
    result->extra["scenes"] = analyze::scenes_json(found, signals.frames(), fps, info->frame_times, detect_);
    out.emit(InfoPtr(std::move(result)));
  }

 private:
  analyze::DetectOptions detect_;
  analyze::AnalyzeOptions options_;
};

}  // namespace

void register_analyze_scenes(vidpipe::Registry& r) { r.add<SceneAnalysis>(); }
