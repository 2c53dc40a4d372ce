// decode.ffmpeg: a sampling plan in, its frames out (packed RGB24, upright, in plan order).
//
// Decodes only what the plan needs (vidpipe/media/ffmpeg_reader.hpp), with the prober's packet index
// (VideoInfo::index; built here only when the prober did not demux): it maps each presentation
// index to a pts; sparse plans seek to the keyframe at or before each target and decode forward
// (no seek while the next target is ahead in the same GOP), dense plans decode sequentially, and
// unwanted non-reference frames are not decoded. Frame i is the i-th frame the decoder presents,
// as `ffmpeg -vf select=eq(n\,i) -vsync 0` counts it (also where the pts do not give that order:
// PacketIndex::output_order). Colours match `ffmpeg -pix_fmt rgb24` by default.
//
// The plan is never changed here: the prober found how many frames decode (vidpipe/media/tail_check.hpp),
// so the plan was made on the true count. A planned frame that does not decode all the same is
// answered by its nearest decodable neighbour and counted as damage.
//
// Damage makes the job "partial" (Job::mark_partial, one line): frames or packets that did not
// decode (fewer decodable frames than the container lists is the prober's report). Limits (max_decoded_frames,
// max_pixels, max_duration, deadline, the input's byte cap and stall rule) throw LimitError.
#include <memory>
#include <tuple>

#include <vidpipe/sdk/plugin.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_source.hpp>
#include "backend.hpp"

namespace vidpipe::nodes::decode {

std::pair<int, int> fused_size(const SamplePlan& plan) {
  if (!plan.resize)
    throw Error((plan.info ? plan.info->input + ": " : std::string()) +
                    "decode fused_resize needs the planned frame size, and the plan has none",
                "put the model's planning node (e.g. qwen2_5_vl.plan) between the sampler and the "
                "decoder, or set fused_resize=false");
  return {plan.resize->height, plan.resize->width};
}

namespace {
// The decode damage of `stats` in words ("1 damaged frame, 2 planned frames missing ..."), or "".
std::string damage_text(const av::ReadStats& stats) {
  std::string text;
  auto add = [&](int64_t n, const char* one, const char* many) {
    if (n > 0) text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + (n == 1 ? one : many);
  };
  add(stats.corrupt_packets, "packet does not decode", "packets do not decode");
  add(stats.corrupt_frames, "damaged frame", "damaged frames");
  add(stats.missing_frames, "planned frame missing (answered by the nearest decodable frame)",
      "planned frames missing (answered by the nearest decodable frame)");
  add(stats.unmapped_frames, "frame without a packet timestamp", "frames without a packet timestamp");
  return text;
}
}  // namespace

class DecodeFfmpeg : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s = NodeSpec("decode.ffmpeg", "Decodes the planned frames of a video to RGB24 with FFmpeg")
        .with_shape(Shape::Expand)
        .with_role(Role::Decoder)
        .parallel()
        .input("plan", DataType::Plan, "which frames to decode")
        .output("frames", DataType::Frame, "one RGB24 frame per planned index, in order")
        .choice("color_matrix", "auto", {"auto", "bt601", "bt709"},
                "YUV->RGB matrix: auto = as the ffmpeg CLI (honour the stream's tags); bt601 = "
                "as PyAV/decord/OpenCV; bt709 = forced")
        .flag("autorotate", true, "turn frames upright by the display matrix, as the ffmpeg CLI does")
        .flag("fused_resize", false,
              "fast path: resize the YUV planes to the size a planning node decided "
              "(plan.resize) and convert at that size (10-bit and other formats: one "
              "swscale pass), so no full-size RGB frame is made; the resize node then passes "
              "frames through. Pixels close to mode exact, not equal (bench/resize.py)")
        .integer("threads", 0, 0, 64, "decoder threads per video, 0 = one per core")
        .choice("seek_mode", "exact", {"exact", "approximate"},
                "exact: frame i is the i-th presented frame; approximate: each planned frame is "
                "answered by the keyframe at or before it (much faster on long GOPs; the frame's "
                "index says which frame it is)")
        .flag("skip_nonref", true,
              "do not decode unwanted non-reference frames (H.264/HEVC; output is identical)")
        .choice("on_decode_error", "skip", {"skip", "fail"},
                "skip: keep the frames that decode, answer lost ones by a neighbour and report the "
                "damage; fail: the first decode error fails the job")
        .number("max_corrupt_ratio", 0.5, 0, 1,
                "skip mode: fail when damaged frames/packets exceed this share of those decoded");
    return av::declare_input_params(av::declare_decode_limits(s.model_settable({"color_matrix"})));
  }

  explicit DecodeFfmpeg(const Params& p) {
    opt_.color_matrix = p.get<std::string>("color_matrix");
    opt_.autorotate = p.get<bool>("autorotate");
    fused_ = p.get<bool>("fused_resize");
    opt_.threads = static_cast<int>(p.get<int64_t>("threads"));
    opt_.seek_mode = p.get<std::string>("seek_mode");
    opt_.skip_nonref = p.get<bool>("skip_nonref");
    opt_.on_decode_error = p.get<std::string>("on_decode_error");
    opt_.max_corrupt_ratio = p.get<double>("max_corrupt_ratio");
    opt_.limits = av::decode_limits(p);
    opt_.max_pixels = opt_.limits.max_pixels;
    opt_.input = av::input_options(p);
    opt_.input.max_pixels = opt_.max_pixels;
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    if (!plan || !plan->info) throw Error("decode.ffmpeg: got a plan without video info");
    job.note("backend_used", "ffmpeg");
    av::ReadOptions opt = opt_;  // per call: the cancel hook and deadline belong to this job
    opt.cancelled = [&job] { return job.cancelled(); };
    av::start_deadline(opt.limits);
    opt.input.deadline = opt.limits.deadline;  // also abandons blocked reads (interrupt callback)
    opt.input.deadline_s = opt.limits.deadline_s;
    opt.input.cancelled = opt.cancelled;
    if (fused_) std::tie(opt.out_height, opt.out_width) = fused_size(*plan);
    av::FrameReader reader(plan->info->input, opt.input, plan->info->index, plan->info->bytes);
    const av::ReadStats stats = reader.read(plan->indices, opt, [&](FramePtr frame) {
      // Frames are immutable once published: attach the plan to a shallow copy.
      auto f = std::make_shared<Frame>(*frame);
      f->plan = plan;
      return out.emit(FramePtr(std::move(f)));
    });
    const int64_t decoded = stats.decoded_frames;
    json note = {{"fused_resize", fused_ ? json::array({opt.out_height, opt.out_width}) : json()},
                 {"color_matrix", stats.color_matrix.empty() ? opt_.color_matrix : stats.color_matrix},
                 {"color_matrix_option", opt_.color_matrix},
                 {"autorotate", opt_.autorotate},
                 {"rotation", reader.rotation()},
                 {"seek_mode", opt_.seek_mode},
                 {"strategy", stats.strategy},
                 {"seeks", stats.seeks},
                 {"decoded_frames", decoded},
                 {"packets_skipped", stats.packets_skipped},
                 {"returned_frames", stats.returned_frames},
                 {"decoded_per_returned",
                  stats.returned_frames ? static_cast<double>(decoded) / stats.returned_frames : 0.0}};
    if (!stats.approximate_from.empty()) note["requested_indices"] = stats.approximate_from;
    if (stats.restart_from >= 0)  // damage under frame threads (sdk/src/decode_walk.cpp)
      note["restarted_single_threaded"] = {{"from_frame", stats.restart_from}, {"reason", stats.restart_reason}};
    job.note("decode", note);
    const std::string damage = damage_text(stats);
    if (!damage.empty()) {
      job.mark_partial(damage);
      job.note("damage", {{"corrupt_packets", stats.corrupt_packets},
                          {"corrupt_frames", stats.corrupt_frames},
                          {"missing_frames", stats.missing_frames},
                          {"unmapped_frames", stats.unmapped_frames},
                          {"policy", opt_.on_decode_error},
                          {"note", "missing frames are answered by the nearest decodable frame"}});
    }
  }

 private:
  av::ReadOptions opt_;  // read-only after construction, so process() is reentrant
  bool fused_ = false;
};

void register_decode_ffmpeg(Registry& r) { r.add<DecodeFfmpeg>(); }

}  // namespace vidpipe::nodes::decode
