// decode.opencv: a sampling plan in, its frames out, decoded by cv::VideoCapture (FFmpeg
// backend). The dependable fallback when decode.ffmpeg cannot handle a file.
//
// Frame-index semantics are those of decode.ffmpeg: frame i is the i-th decoded frame. Frames
// are walked with grab() (no colour conversion) and only planned ones are retrieve()d, so
// nothing relies on CAP_PROP_POS_FRAMES seeking, which is not frame-exact (opencv#9053).
// Rotation: OpenCV 4.6's CAP_PROP_ORIENTATION_AUTO turns ±90° files the wrong way (opencv#22088,
// verified on Debian's 4.6.0), so it is switched off and the probe's rotation applied here.
// OpenCV always converts YUV with BT.601; `color_matrix` other than bt601 is recorded as not
// honoured. Only local files are read: OpenCV's FFmpeg applies no protocol or format
// whitelist, so the file is first vetted with vidpipe's own opener (with default InputOptions:
// playlists are always refused here; the network settings do not apply to local files).
// The decoders' limits (vidpipe/media/limits.hpp) hold here too: the frame size is checked before
// OpenCV allocates a frame, the probed duration against max_duration, and every grab() counts
// as a decoded frame (max_decoded_frames) and is timed (deadline).
// Damage OpenCV lets us see: a stream that ends before the plan does. The planned frames past
// its end are answered by the last planned frame that decoded and the input is partial (as
// decode.ffmpeg answers a frame lost at the end), unless they exceed max_corrupt_ratio of the plan
// (an error).
// OpenCV reports no concealed decode errors, so damaged frames inside the stream go unseen.
#include <filesystem>
#include <memory>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <vidpipe/sdk/plugin.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/image_decode.hpp>
#include <vidpipe/media/input_source.hpp>
#include <vidpipe/media/limits.hpp>

namespace vidpipe::nodes::decode {

class DecodeOpencv : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s = NodeSpec("decode.opencv", "Decodes the planned frames of a local video to RGB24 with OpenCV")
        .with_shape(Shape::Expand)
        .with_role(Role::Decoder)
        .parallel()
        .input("plan", DataType::Plan, "which frames to decode")
        .output("frames", DataType::Frame, "one RGB24 frame per planned index, in order")
        .choice("color_matrix", "auto", {"auto", "bt601", "bt709"},
                "YUV->RGB matrix; OpenCV always uses bt601 (other values are recorded as not honoured)")
        .flag("autorotate", true, "turn frames upright by the probe's rotation (applied by vidpipe)")
        .integer("threads", 0, 0, 64, "accepted for compatibility; OpenCV 4.6 picks its own thread count")
        .number("max_corrupt_ratio", 0.5, 0, 1,
                "fail when more than this share of the planned frames lie past the frames that decode "
                "(fewer answer the nearest decodable frame and make the input partial)");
    return av::declare_decode_limits(s.model_settable({"color_matrix"}));
  }

  explicit DecodeOpencv(const Params& p)
      : color_matrix_(p.get<std::string>("color_matrix")),
        autorotate_(p.get<bool>("autorotate")),
        max_missing_(p.get<double>("max_corrupt_ratio")),
        limits_(av::decode_limits(p)) {
    imgseq::quiet_opencv();
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    if (!plan || !plan->info) throw Error("decode.opencv: got a plan without video info");
    const VideoInfo& info = *plan->info;
    const std::string& input = info.input;
    const std::string name = input_display_name(input);
    const InputKind kind = classify_input(input);
    if (kind != InputKind::File)
      throw Error(name + ": decode.opencv reads local files only, not " + to_string(kind) + " inputs",
                  "use decode.ffmpeg (or decode.auto) for URLs, base64 and stdin; decode.images for frame sequences");
    av::Limits lim = limits_;
    av::start_deadline(lim);
    av::check_frame_size(info.width, info.height, lim.max_pixels, name);
    av::check_duration(info.duration, lim.max_duration, "by its probe", name);
    // Vet the container with vidpipe's whitelists (no playlists, real containers only) first.
    {
      av::InputOptions io;
      io.max_pixels = lim.max_pixels;
      io.deadline = lim.deadline, io.deadline_s = lim.deadline_s;
      io.cancelled = [&job] { return job.cancelled(); };
      av::FormatPtr fmt = av::open_input(input, io);
      av::best_video_stream(fmt.get(), input);
    }
    const std::string path = std::filesystem::absolute(av::local_path(input)).string();
    cv::VideoCapture cap(path, cv::CAP_FFMPEG);
    if (!cap.isOpened())
      throw Error(name + ": OpenCV cannot open the video", "try decode.ffmpeg, or re-encode the video (e.g. to H.264)");
    cap.set(cv::CAP_PROP_ORIENTATION_AUTO, 0);  // vidpipe rotates (4.6 turns the wrong way)
    // The size OpenCV will allocate, from its own reading of the headers.
    av::check_frame_size(static_cast<int64_t>(cap.get(cv::CAP_PROP_FRAME_WIDTH)),
                         static_cast<int64_t>(cap.get(cv::CAP_PROP_FRAME_HEIGHT)), lim.max_pixels, name);
    job.note("backend_used", "opencv");

    const int rotation = autorotate_ ? info.rotation : 0;
    int64_t next = 0;  // index of the next frame grab() returns
    int64_t returned = 0, missing = 0;
    bool ended = false;  // grab() found the end of the stream before the plan's end
    FramePtr last;       // the last planned frame made: answers planned frames past the end
    cv::Mat bgr, upright;
    const std::size_t planned = plan->indices.size();
    auto time_of = [&](int64_t target, double otherwise) {
      return target < static_cast<int64_t>(info.frame_times.size()) ? info.frame_times[target] : otherwise;
    };
    auto convert = [&](int64_t target) -> FramePtr {  // the frame grab() just passed, upright RGB24
      if (!cap.retrieve(bgr) || bgr.empty() || bgr.type() != CV_8UC3)
        throw Error(name + ": OpenCV could not convert frame " + std::to_string(target), "try decode.ffmpeg");
      const cv::Mat* src = &bgr;
      if (rotation == 90 || rotation == 180 || rotation == 270) {
        cv::rotate(bgr, upright, rotation == 90    ? cv::ROTATE_90_CLOCKWISE
                                 : rotation == 180 ? cv::ROTATE_180
                                                   : cv::ROTATE_90_COUNTERCLOCKWISE);
        src = &upright;
      }
      FrameBuffer fb = make_frame(src->cols, src->rows);
      cv::Mat rgb(src->rows, src->cols, CV_8UC3, fb.pixels, static_cast<std::size_t>(fb.frame->stride));
      cv::cvtColor(*src, rgb, cv::COLOR_BGR2RGB);
      fb.frame->index = target;
      fb.frame->timestamp = time_of(target, cap.get(cv::CAP_PROP_POS_MSEC) / 1000.0);
      fb.frame->plan = plan;
      return fb.frame;
    };
    auto answer_missing = [&](int64_t target) -> FramePtr {  // the last frame, named `target`
      auto copy = std::make_shared<Frame>(*last);
      copy->index = target;
      copy->timestamp = time_of(target, last->timestamp);
      return copy;
    };
    for (std::size_t k = 0; k < planned;) {
      const int64_t target = plan->indices[k];
      if (target < next) throw Error(name + ": frame indices must be ascending");
      while (!ended && next <= target) {
        if (job.cancelled()) return;
        av::check_deadline(lim, name);
        if (!cap.grab()) {
          if (next == 0) throw Error(name + ": has no video frames (none decodes with OpenCV)", av::kHint);
          // As decode.ffmpeg answers a frame lost at the end: by the last planned frame made, as
          // long as the lost ones are not most of the plan.
          if (static_cast<double>(planned - k) > max_missing_ * static_cast<double>(planned))
            throw Error(name + ": the video has only " + std::to_string(next) + " decodable frames (OpenCV) but " +
                            std::to_string(planned - k) + " of the " + std::to_string(planned) +
                            " planned frames are from frame " + std::to_string(target) + " on",
                        "the plan was made for more frames than OpenCV decodes: use decode.ffmpeg, sample fewer "
                        "frames, or raise max_corrupt_ratio");
          ended = true;
          break;
        }
        av::check_decoded_frames(++next, lim, name);
      }
      const FramePtr frame = ended ? answer_missing(target) : (last = convert(target));
      for (; k < planned && plan->indices[k] == target; ++k, ++returned) {
        missing += ended;
        if (!out.emit(frame)) return;
      }
    }
    json note = {{"backend", "opencv"},
                 {"color_matrix", "bt601"},
                 {"color_matrix_option", color_matrix_},
                 {"color_matrix_honoured", color_matrix_ != "bt709"},
                 {"autorotate", autorotate_},
                 {"rotation", info.rotation},
                 {"decoded_frames", next},
                 {"returned_frames", returned}};
    if (ended) note["missing_frames"] = missing;
    job.note("decode", note);
    if (ended)
      job.mark_partial(std::to_string(next) + " of " + std::to_string(info.frame_count) +
                       " frames decodable (OpenCV): " + std::to_string(missing) +
                       (missing == 1 ? " planned frame" : " planned frames") + " past the end answered by frame " +
                       std::to_string(last->index));
  }

 private:
  std::string color_matrix_;
  bool autorotate_;
  double max_missing_;  // max_corrupt_ratio
  av::Limits limits_;   // the deadline is started per call
};

void register_decode_opencv(Registry& r) { r.add<DecodeOpencv>(); }

}  // namespace vidpipe::nodes::decode
