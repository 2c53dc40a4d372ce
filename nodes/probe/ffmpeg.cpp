// probe.ffmpeg: a job in, the video's facts out (VideoInfo), without decoding pixels, except one
// GOP when the frame count is in doubt (vidpipe/media/tail_check.hpp): the plan is made on the frames
// that decode. A damaged container (truncated, demuxing stopped by an error, packets at the end
// that do not decode) makes the job partial (Job::mark_partial);
// limits (max_input_pixels, max_duration, deadline, the input's byte cap and stall rule) are errors.
#include <memory>

#include <vidpipe/sdk/plugin.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/image_sequence.hpp>
#include <vidpipe/media/input_source.hpp>

namespace vidpipe::nodes::probe {

namespace {
// A damaged container, by what probing found ("" = none seen): fewer packets than its header
// lists (a truncated file), or demuxing that ended on an error rather than at the end.
std::string damage_of(const VideoInfo& v) {
  const json& x = v.extra;
  std::string text;
  if (x.contains("packets") && x.value("header_frames", json()).is_number_integer() &&
      x["header_frames"].get<int64_t>() > x["packets"].get<int64_t>())
    text = "truncated: " + x["packets"].dump() + " of the " + x["header_frames"].dump() +
           " frames its header lists are present";
  if (x.contains("read_error"))
    text += (text.empty() ? "" : ", ") + std::string("reading stopped early (") +
            x["read_error"].get<std::string>() + ")";
  return text;
}
}  // namespace

class ProbeFfmpeg : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s = NodeSpec("probe.ffmpeg", "Reads a video's size, rate, rotation and frame count with FFmpeg")
        .with_shape(Shape::Map)
        .with_role(Role::Prober)
        .parallel()
        .input("job", DataType::Job, "the video to probe")
        .output("info", DataType::Info, "what the container and stream say, frames counted")
        .flag("count_packets", true,
              "count the video packets by demuxing even when the header states a frame count "
              "(header counts are often wrong); false: take the header's count when decoding "
              "the stream's end confirms it")
        .integer("max_input_pixels", av::kDefaultMaxPixels, 1, 1LL << 40,
                 "reject videos whose frame has more pixels than this (decompression bombs)")
        .number("max_duration", 3600, 0, 1e9,
                "reject videos longer than this, seconds, by header and by packets (0 = no limit)")
        .number("deadline", 60, 0, 1e9, "seconds allowed to probe one input (0 = no limit)")
        // Frame sequences (a folder, a glob, a JSON list of images): see image_sequence.hpp.
        .number("images_fps", 2.0, 1e-3, 1000, "frame rate of a frame-sequence input (folder, pattern, image list)")
        .integer("max_input_images", 10000, 1, 10000000, "reject frame sequences with more images than this")
        .rename("max_pixels", "max_input_pixels", av::kRenamedMaxPixels)
        .rename("max_images", "max_input_images", "the frame-sequence safety limit; max_images is a model's");
    return av::declare_input_params(s);
  }

  explicit ProbeFfmpeg(const Params& p) {
    opt_.count_packets = p.get<bool>("count_packets");
    opt_.max_pixels = p.get<int64_t>("max_input_pixels");
    opt_.max_duration = p.get<double>("max_duration");
    opt_.deadline_s = p.get<double>("deadline");
    opt_.input = av::input_options(p);
    seq_ = {p.get<double>("images_fps"), p.get<int64_t>("max_input_images"), opt_.max_pixels};
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const JobPtr& video = std::get<JobPtr>(in);
    av::ProbeOptions opt = opt_;  // per call: the cancel hook belongs to this job
    opt.input.cancelled = [&job] { return job.cancelled(); };
    auto info = std::make_shared<const VideoInfo>(classify_input(video->input) == InputKind::Sequence
                                                      ? imgseq::probe(video->input, seq_)
                                                      : av::probe(video->input, opt));
    if (const std::string damage = damage_of(*info); !damage.empty()) job.mark_partial(damage);
    const json& x = info->extra;
    if (x.contains("decodable_frames"))  // packets at the end that do not decode
      job.mark_partial(x["decodable_frames"].dump() + " of " + x["packets"].dump() + " frames decodable");
    out.emit(InfoPtr(std::move(info)));
  }

 private:
  av::ProbeOptions opt_;  // read-only after construction, so process() is reentrant
  imgseq::SequenceOptions seq_;
};

void register_probe_ffmpeg(Registry& r) { r.add<ProbeFfmpeg>(); }

}  // namespace vidpipe::nodes::probe
