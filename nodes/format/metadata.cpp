// format.metadata: writes metadata.json, everything needed to use or reproduce an output:
// what was sampled and why, sizes, tokens, which backend decoded, timings, and the effective
// configuration of the whole graph.
#include <fmt/format.h>

#include "vidpipe/sdk.hpp"


namespace vidpipe::nodes {
namespace {

class FormatMetadata final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.metadata", "Writes metadata.json: plan, sizes, tokens, backend, timing, effective config")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Descriptors)  // indices, timestamps, sizes
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the file listed in its artifacts")
        .text("file", "metadata.json", "file name inside the input's output folder");
  }
  explicit FormatMetadata(const Params& p) : file_(p.get<std::string>("file")) {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const Clip& clip = *std::get<ClipPtr>(in);
    json meta = describe(clip, job);
    job.note("summary", {{"num_frames", meta["num_frames"]},
                         {"resized_height", meta["resized_height"]},
                         {"resized_width", meta["resized_width"]},
                         {"grid_thw", meta["grid_thw"]},
                         {"total_tokens", meta["total_tokens"]}});
    if (job.video().out_dir.empty()) return (void)out.emit(in);

    auto next = std::make_shared<Clip>(clip);
    meta["artifacts"].push_back({{"name", file_}, {"kind", "metadata"}});
    std::string text = json_text(meta, 2) + "\n";
    OutputFile file(job.video().out_dir, file_);
    file.write(text.data(), text.size());
    next->artifacts.push_back({file_, "metadata", file.commit()});
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  // Paths and URLs as given; inline data (base64, data: URIs: megabytes of text) only by its
  // size and head, so metadata.json stays small. The frames themselves are the output.
  static std::string input_label(const std::string& input) {
    if (input.size() <= 1024) return input;
    return input.substr(0, 48) + "... (inline input, " + std::to_string(input.size()) + " chars, not stored)";
  }

  static json describe(const Clip& clip, Job& job) {
    const SamplePlan& plan = *clip.plan;
    const VideoInfo& info = *plan.info;
    const Frame& first = *clip.frames.at(0);
    json notes = job.notes();
    const std::string damage = job.damage();
    json meta = {
        {"input", input_label(job.video().input)},
        {"status", damage.empty() ? "ok" : "partial"},  // partial: see "damage" (Job::mark_partial)
        {"num_frames", clip.frames.size()},
        {"original_fps", info.fps},
        {"sample_fps", plan.sample_fps},
        {"duration", info.duration},
        {"total_frames", info.frame_count},
        {"sampled_range_frames", plan.total_frames},
        {"resolution", {{"width", info.sideways() ? info.height : info.width}, {"height", info.sideways() ? info.width : info.height}}},
        {"rotation", info.rotation},
        {"frame_indices", json::array()},
        {"timestamps", json::array()},
        {"resized_height", first.height},
        {"resized_width", first.width},
        {"grid_thw", nullptr},
        {"total_tokens", nullptr},
        {"backend_used", notes.value("backend_used", json())},
        {"sampler", plan.sampler},
        {"pick_reasons", reason_runs(plan)},  // why the sampler picked each frame, runs grouped
    };
    int64_t repeated = 0;  // frames that repeat the one before (a short video padded by the sampler)
    if (!damage.empty()) meta["damage"] = damage;
    for (const auto& f : clip.frames) {
      if (!meta["frame_indices"].empty() && meta["frame_indices"].back() == f->index) ++repeated;
      meta["frame_indices"].push_back(f->index);
      meta["timestamps"].push_back(f->timestamp);
    }
    meta["repeated_frames"] = repeated;
    if (repeated > 0)
      meta["repeated_frames_why"] =
          plan.repeated_frames > 0 ? json(plan.repeated_why)
                                   : json("planned frames answered by one decoded frame (see notes.decode)");
    if (clip.tokens) {
      meta["grid_thw"] = clip.tokens->grid_thw;
      meta["total_tokens"] = clip.tokens->total_tokens;
      meta["padded_frames"] = clip.tokens->padded_frames;
      meta["tokens"] = clip.tokens->extra;
    }
    meta["video"] = {{"container", info.container}, {"codec", info.codec}, {"pixel_format", info.pixel_format},
                     {"width", info.width}, {"height", info.height}, {"frame_count_source", info.frame_count_source},
                     {"extra", info.extra}};
    json other = notes;
    other.erase("backend_used");
    other.erase("summary");
    meta["notes"] = other;
    json t = job.timing();
    meta["timing"] = {{"extraction", t["extraction"]}, {"processing", t["processing"]}, {"total", t["total"]},
                      {"nodes", t["nodes"]}};
    // Every tensor written, with the file it is in, its dtype, shape and layout (docs/outputs.md):
    // a bfloat16 .npy reads back as uint16, and only this says so.
    meta["artifacts"] = json::array();
    meta["tensors"] = json::array();
    for (const auto& a : clip.artifacts) {
      meta["artifacts"].push_back({{"name", a.name}, {"kind", a.kind}, {"bytes", a.bytes}});
      if (!a.info.is_object() || !a.info.contains("tensors")) continue;
      for (json t : a.info["tensors"]) {
        t["file"] = a.name;
        meta["tensors"].push_back(std::move(t));
      }
    }
    meta["vidpipe_version"] = VIDPIPE_VERSION;
    meta["config"] = job.config();
    return meta;
  }

  std::string file_;
};

}  // namespace

void register_format_metadata(Registry& r) { r.add<FormatMetadata>(); }

}  // namespace vidpipe::nodes
