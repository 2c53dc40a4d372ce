// The OpenCV decoder backend. See opencv_backend.hpp.
#include "opencv_backend.hpp"
#include "image_decode_opencv.hpp"

#include <filesystem>

#include <opencv2/imgproc.hpp>

#include <vidpipe/sdk/input.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_source.hpp>

namespace vidpipe::nodes::decode {

DecoderBackendSpec OpenCvBackend::backend_spec() {
  DecoderBackendSpec spec;
  NodeSpec s = NodeSpec("decode.opencv", "Decodes the planned frames of a local video to RGB24 with OpenCV")
      .choice("color_matrix", "auto", {"auto", "bt601", "bt709"},
              "YUV->RGB matrix; OpenCV always uses bt601 (other values are recorded as not honoured)");
  spec.contract = s.model_settable({"color_matrix"});
  spec.rank = kRankSecondary;
  spec.local_files_only = true;
  return spec;
}

OpenCvBackend::OpenCvBackend(const Params& p) : color_matrix_(p.get<std::string>("color_matrix")) {
  imgseq::quiet_opencv();
}

BackendCaps OpenCvBackend::open(const BackendOpen& how) {
  how_ = how;
  const VideoInfo& info = *how.info;
  const std::string& input = info.input;
  name_ = input_display_name(input);
  const InputKind kind = classify_input(input);
  if (kind != InputKind::File)
    throw Error(name_ + ": decode.opencv reads local files only, not " + to_string(kind) + " inputs",
                "use decode.ffmpeg (or decode.auto) for URLs, base64 and stdin; decode.images for frame sequences");
  {  // vet the container with vidpipe's whitelists (no playlists, real containers only) first
    av::InputOptions io;
    io.max_pixels = how.limits.max_pixels;
    io.deadline = how.limits.deadline, io.deadline_s = how.limits.deadline_s;
    io.cancelled = how.cancelled;
    av::FormatPtr fmt = av::open_input(input, io);
    av::best_video_stream(fmt.get(), input);
  }
  path_ = std::filesystem::absolute(av::local_path(input)).string();
  rewind();
  // The size OpenCV will allocate, from its own reading of the headers.
  check_frame_size(static_cast<int64_t>(cap_.get(cv::CAP_PROP_FRAME_WIDTH)),
                   static_cast<int64_t>(cap_.get(cv::CAP_PROP_FRAME_HEIGHT)), how.limits.max_pixels, name_);
  rotation_ = how.autorotate ? info.rotation : 0;
  counts_ = {};
  return {};
}

void OpenCvBackend::rewind() {
  if (!cap_.open(path_, cv::CAP_FFMPEG))
    throw Error(name_ + ": OpenCV cannot open the video", "try decode.ffmpeg, or re-encode the video (e.g. to H.264)");
  cap_.set(cv::CAP_PROP_ORIENTATION_AUTO, 0);  // vidpipe rotates (4.6 turns the wrong way)
}

int OpenCvBackend::next(Picture& out) {
  if (how_.cancelled && how_.cancelled()) return -1;
  if (!cap_.grab()) return 0;
  ++counts_.packets_sent;
  out.seconds = cap_.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
  return 1;
}

// The picture grab() just passed, upright RGB24.
std::shared_ptr<Frame> OpenCvBackend::frame() {
  if (!cap_.retrieve(bgr_) || bgr_.empty() || bgr_.type() != CV_8UC3)
    throw Error(name_ + ": OpenCV could not convert a frame", "try decode.ffmpeg");
  const cv::Mat* src = &bgr_;
  if (rotation_ == 90 || rotation_ == 180 || rotation_ == 270) {
    cv::rotate(bgr_, upright_, rotation_ == 90    ? cv::ROTATE_90_CLOCKWISE
                               : rotation_ == 180 ? cv::ROTATE_180
                                                  : cv::ROTATE_90_COUNTERCLOCKWISE);
    src = &upright_;
  }
  FrameBuffer fb = make_frame(src->cols, src->rows);
  cv::Mat rgb(src->rows, src->cols, CV_8UC3, fb.pixels, static_cast<std::size_t>(fb.frame->stride));
  cv::cvtColor(*src, rgb, cv::COLOR_BGR2RGB);
  return fb.frame;
}

json OpenCvBackend::note() const {
  return {{"backend", "opencv"},
          {"color_matrix", "bt601"},
          {"color_matrix_option", color_matrix_},
          {"color_matrix_honoured", color_matrix_ != "bt709"},
          {"autorotate", how_.autorotate},
          {"rotation", how_.info ? how_.info->rotation : 0}};
}

}  // namespace vidpipe::nodes::decode
