// decode.ffmpeg: a sampling plan in, its frames out (packed RGB24, upright, in plan order).
//
// Decodes sequentially from the start and converts only the planned frames, so the result is
// frame-exact whatever the keyframe layout (seeking lands on wrong frames in B-frame and VFR
// files; see users-and-security.md §1). Colours match `ffmpeg -pix_fmt rgb24` by default.
#include <memory>

#include <vidpipe/sdk/plugin.hpp>

#include "common/ffmpeg_reader.hpp"

namespace vidpipe::nodes::decode {

class DecodeFfmpeg : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("decode.ffmpeg", "Decodes the planned frames of a video to RGB24 with FFmpeg")
        .with_shape(Shape::Expand)
        .parallel()
        .input("plan", DataType::Plan, "which frames to decode")
        .output("frames", DataType::Frame, "one RGB24 frame per planned index, in order")
        .choice("color_matrix", "auto", {"auto", "bt601", "bt709"},
                "YUV->RGB matrix: auto = as the ffmpeg CLI (honour the stream's tags); bt601 = "
                "as PyAV/decord/OpenCV; bt709 = forced")
        .flag("autorotate", true, "turn frames upright by the display matrix, as the ffmpeg CLI does")
        .integer("threads", 0, 0, 64, "decoder threads per video, 0 = one per core");
  }

  explicit DecodeFfmpeg(const Params& p) {
    opt_.color_matrix = p.get_or<std::string>("color_matrix", "auto");
    opt_.autorotate = p.get_or<bool>("autorotate", true);
    opt_.threads = static_cast<int>(p.get_or<int64_t>("threads", 0));
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    if (!plan || !plan->info) throw Error("decode.ffmpeg: got a plan without video info");
    job.note("backend_used", "ffmpeg");
    av::FrameReader reader(plan->info->input);
    av::ReadOptions opt = opt_;  // per call: the cancel hook captures this job
    opt.cancelled = [&job] { return job.cancelled(); };
    const av::ReadStats stats =
        reader.read(plan->indices, opt, [&](FramePtr frame) {
          // Frames are immutable once published: attach the plan to a shallow copy.
          auto f = std::make_shared<Frame>(*frame);
          f->plan = plan;
          return out.emit(FramePtr(std::move(f)));
        });
    // The effective matrix: what "auto" resolved to from the stream's tags.
    job.note("decode", {{"color_matrix", stats.color_matrix.empty() ? opt_.color_matrix
                                                                    : stats.color_matrix},
                        {"color_matrix_option", opt_.color_matrix},
                        {"autorotate", opt_.autorotate},
                        {"rotation", reader.rotation()},
                        {"decoded_frames", stats.decoded_frames},
                        {"returned_frames", stats.returned_frames}});
  }

 private:
  av::ReadOptions opt_;  // read-only after construction, so process() is reentrant
};

void register_decode_ffmpeg(Registry& r) { r.add<DecodeFfmpeg>(); }

}  // namespace vidpipe::nodes::decode
