// decode.images: a sampling plan over a frame sequence (folder, pattern, image list) in, the
// planned images out as RGB24. Frame i is the i-th file in the sequence's order (the order
// probe.ffmpeg used to count them), so plans mean the same as on a video. Each file's header is
// checked (size equal to the first image, within max_pixels) before it is decoded; EXIF
// orientation is ignored, as FFmpeg's image decoders ignore it. The other decoders' limits hold
// too (vidpipe/media/limits.hpp): each image counts as a decoded frame, under the deadline, and the
// sequence's duration (images / images_fps) is checked against max_duration. A damaged image that
// still decodes (a truncated JPEG: its missing rows come out grey; image_decode.hpp says which
// warnings are damage) makes the job partial (Job::mark_partial); all warnings are in the decode note.
#include <memory>

#include <vidpipe/sdk/plan.hpp>
#include <vidpipe/sdk/plugin.hpp>

#include <vidpipe/media/image_decode.hpp>
#include <vidpipe/media/image_sequence.hpp>
#include <vidpipe/media/input_source.hpp>
#include <vidpipe/media/limits.hpp>

namespace vidpipe::nodes::decode {

class DecodeImages : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s = NodeSpec("decode.images", "Decodes the planned images of a frame sequence to RGB24")
        .with_shape(Shape::Expand)
        .with_role(Role::Decoder)
        .parallel()
        .input("plan", DataType::Plan, "which frames (images) to decode")
        .output("frames", DataType::Frame, "one RGB24 frame per planned index, in order");
    return av::declare_decode_limits(s);  // max_input_pixels: checked on each image's header
  }

  explicit DecodeImages(const Params& p) : limits_(av::decode_limits(p)) {}

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    if (!plan || !plan->info) throw Error("decode.images: got a plan without video info");
    const VideoInfo& info = *plan->info;
    const std::string name = input_display_name(info.input);
    if (info.container != imgseq::kContainer)
      throw Error(name + ": decode.images reads frame sequences (a folder, a pattern or a list of images), "
                         "not a video",
                  "use decode.ffmpeg, decode.opencv or decode.auto for videos");
    const std::vector<std::string> files = imgseq::list_images(info.input, info.frame_count);
    if (static_cast<int64_t>(files.size()) != info.frame_count)
      throw Error(name + ": the sequence changed since it was probed (" + std::to_string(files.size()) +
                      " images, probed " + std::to_string(info.frame_count) + ")",
                  "do not modify the folder while vidpipe runs");
    job.note("backend_used", "images");
    av::Limits lim = limits_;
    av::start_deadline(lim);
    av::check_duration(info.duration, lim.max_duration, "images / images_fps", name);
    int64_t returned = 0, decoded = 0, damaged = 0;
    json warnings = json::array();  // damaged images that still decode (e.g. a truncated JPEG)
    std::string first_damage;       // the first damaged image's first warning
    for (std::size_t k = 0; k < plan->indices.size();) {
      if (job.cancelled()) return;
      av::check_deadline(lim, name);
      av::check_decoded_frames(++decoded, lim, name);
      const int64_t index = plan->indices[k];
      if (index < 0 || index >= static_cast<int64_t>(files.size()))
        throw Error(name + ": frame " + std::to_string(index) + " requested but the sequence has " +
                    std::to_string(files.size()) + " images");
      const std::string& file = files[index];
      const imgseq::ImageHeader h = imgseq::read_header(file, lim.max_pixels);
      if (h.width != info.width || h.height != info.height)
        throw Error(file + ": image size " + size_text(h.width, h.height) +
                        " differs from the sequence's first image (" + size_text(info.width, info.height) + ")",
                    "all images of a frame sequence must have the same size");
      imgseq::DecodedImage image = imgseq::decode_rgb(file, h.width, h.height);
      for (const std::string& w : image.warnings) warnings.push_back(file + ": " + w);
      if (image.damaged && first_damage.empty()) first_damage = file + ": " + image.warnings.front();
      damaged += image.damaged;
      FrameBuffer& fb = image.frame;
      fb.frame->index = index;
      fb.frame->timestamp = frame_time(info, index);
      fb.frame->plan = plan;
      FramePtr frame = fb.frame;
      for (; k < plan->indices.size() && plan->indices[k] == index; ++k, ++returned)
        if (!out.emit(frame)) return;
    }
    json note = {{"backend", "images"}, {"returned_frames", returned}, {"images", files.size()}};
    if (!warnings.empty()) note["warnings"] = warnings;
    job.note("decode", note);
    if (damaged > 0)  // the decoder filled in what was missing or corrupt (grey rows of a cut JPEG)
      job.mark_partial(std::to_string(damaged) + (damaged == 1 ? " planned image is" : " planned images are") +
                       " damaged, decoded with what the decoder could recover (first warning: " +
                       first_damage + ")");
  }

 private:
  av::Limits limits_;  // the deadline is started per call
};

void register_decode_images(Registry& r) { r.add<DecodeImages>(); }

}  // namespace vidpipe::nodes::decode
