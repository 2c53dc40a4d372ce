// The FFmpeg decoder backend. See ffmpeg_backend.hpp; the policy (what to decode, seeking,
// restarts, damage) is the walk's: sdk/src/decode_walk.cpp.
#include <vidpipe/media/ffmpeg_backend.hpp>

#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/input_source.hpp>
#include <vidpipe/media/library_logs.hpp>
#include <vidpipe/media/native_frame.hpp>
#include <vidpipe/media/packet_decoder.hpp>
#include <vidpipe/media/rgb_converter.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace vidpipe::av {

DecoderBackendSpec FfmpegBackend::backend_spec() {
  NodeSpec s = NodeSpec("decode.ffmpeg", "Decodes the planned frames of a video to RGB24 with FFmpeg")
      .choice("color_matrix", "auto", {"auto", "bt601", "bt709"},
              "YUV->RGB matrix: auto = as the ffmpeg CLI (honour the stream's tags); bt601 = "
              "as PyAV/decord/OpenCV; bt709 = forced")
      .flag("skip_nonref", true, "do not decode unwanted non-reference frames (H.264/HEVC; output is identical)")
      .choice("pixel_format", "rgb24", {"rgb24", "native"},
              "rgb24: upright RGB24 frames; native: the pictures as decoded (planar YUV 8/10-bit 4:2:0, 4:2:2, "
              "4:4:4, NV12, P010; the rotation still to apply; other formats RGB24), for process.convert_scale to "
              "convert and resize on all cores (graphs/qwen2_5_vl_fast.yaml)");
  DecoderBackendSpec spec;
  spec.contract = declare_input_params(s.model_settable({"color_matrix"}));
  spec.contract.rename("fused_resize", "pixel_format",
                       "decode with pixel_format: native, then process.convert_scale mode: fast, as "
                       "graphs/qwen2_5_vl_fast.yaml does");
  spec.rank = kRankPrimary;
  return spec;
}

FfmpegBackend::FfmpegBackend(const Params& p) {
  opt_.color_matrix = p.get<std::string>("color_matrix");
  opt_.skip_nonref = p.get<bool>("skip_nonref");
  native_ = p.get<std::string>("pixel_format") == "native";
  opt_.input = input_options(p);
  from_params_ = true;
}

FfmpegBackend::FfmpegBackend(ReadOptions settings) : opt_(std::move(settings)) {}

FfmpegBackend::~FfmpegBackend() = default;

void FfmpegBackend::configure(const ReadOptions& s) {
  opt_.color_matrix = s.color_matrix;
  opt_.skip_nonref = s.skip_nonref;
  opt_.max_pixels = s.max_pixels;
}

void FfmpegBackend::attach(const std::string& input, std::shared_ptr<const PacketIndex> index,
                           std::shared_ptr<const InputBytes> bytes) {
  d_.reset();
  input_ = input;
  index_ = std::move(index);
  data_ = bytes ? InputData::from_bytes(std::move(bytes), input_, opt_.input)
                : InputData::load_unless_file(input_, opt_.input);
  used_ = false;
  reopen();
  orient_ = orientation_of(fmt_->streams[stream_]);
}

void FfmpegBackend::reopen() {
  fmt_ = open_input(input_, opt_.input, data_);
  stream_ = best_video_stream(fmt_.get(), input_);
  if (d_) d_->fmt = fmt_.get();
}

int FfmpegBackend::width() const { return fmt_->streams[stream_]->codecpar->width; }
int FfmpegBackend::height() const { return fmt_->streams[stream_]->codecpar->height; }

const std::string& FfmpegBackend::color_matrix_used() const {
  static const std::string none;
  return rgb_ ? rgb_->used() : none;
}

BackendCaps FfmpegBackend::open(const BackendOpen& how) {
  const std::string& m = opt_.color_matrix;
  if (m != "auto" && m != "bt601" && m != "bt709")
    throw Error("color_matrix must be auto, bt601 or bt709, not '" + m + "'");
  const VideoInfo& info = *how.info;
  if (from_params_) {  // the walk's deadline and cancel hook also abandon blocked reads
    InputOptions& io = opt_.input;
    io.deadline = how.limits.deadline, io.deadline_s = how.limits.deadline_s;
    io.cancelled = how.cancelled;
    io.max_pixels = how.limits.max_pixels;
  }
  opt_.autorotate = how.autorotate;
  opt_.threads = how.threads;
  opt_.on_decode_error = how.strict ? "fail" : "skip";
  opt_.limits = how.limits;
  opt_.max_pixels = std::min(opt_.max_pixels, how.limits.max_pixels);
  opt_.cancelled = how.cancelled;

  if (!fmt_ || input_ != info.input) {
    attach(info.input, info.index, info.bytes);
  } else if (used_) {  // a walk before left the input somewhere: start afresh
    d_.reset();
    reopen();
  }
  used_ = true;
  if (index_ && index_->stream != stream_) index_.reset();  // not this input's (cannot happen)
  if (!index_) {  // the prober did not demux: do it once here
    index_ = std::make_shared<const PacketIndex>(build_index(fmt_.get(), stream_, opt_.limits, input_));
    reopen();
  }

  // reopen() replaces fmt_ (and its streams): keep values, never the AVStream pointer.
  const AVStream* st = fmt_->streams[stream_];
  const PacketIndex& ix = *index_;
  usable_ = ix.seekable();
  const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
  intra_only_ = desc && (desc->props & AV_CODEC_PROP_INTRA_ONLY);
  const AVCodecID cid = st->codecpar->codec_id;
  // skip_frame=nonref drops exactly the frames nothing refers to (h264 nal_ref_idc 0, hevc
  // *_N pictures), so the others decode bit-identically (tested against the CLI).
  nonref_ok_ = opt_.skip_nonref && usable_ && (cid == AV_CODEC_ID_H264 || cid == AV_CODEC_ID_HEVC);
  approximate_ = false;
  want_pts_.clear();
  start_ = usable_ ? ix.start : st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  time_base_ = av_q2d(st->time_base);
  const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  rate_ = rate.num > 0 ? av_q2d(rate) : 0;
  ordinal_ = 0;
  op_ = opt_.autorotate ? orient_.op : Orient::None;
  rgb_ = std::make_unique<RgbConverter>(opt_.color_matrix);
  scratch_ = {};
  counts_ = ReadStats();
  native_counts_ = {0, 0};
  return new_decoder(opt_.threads);
}

void FfmpegBackend::want(const std::vector<int64_t>& targets, bool keyframes_only) {
  approximate_ = keyframes_only;
  want_pts_.clear();
  if (usable_)
    for (int64_t t : targets) want_pts_.insert(index_->pts[t]);
}

// Per packet (Decoder::choose): 0 skip it, 1 decode it, 2 decode it and drain.
int FfmpegBackend::choose(AVPacket* p) {
  if (!usable_) return 1;
  const bool target = want_pts_.count(p->pts) != 0;
  if (approximate_) {  // only the wanted keyframes; drain so each comes out at once
    if (!target) return 0;
    d_->ctx->skip_frame = AVDISCARD_DEFAULT;
    return 2;
  }
  if (!target && intra_only_) return 0;
  d_->ctx->skip_frame = (!target && nonref_ok_) ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
  return 1;
}

BackendCaps FfmpegBackend::new_decoder(int threads) {
  auto start = [&](int n) {
    d_ = std::make_unique<Decoder>();
    d_->stats = &counts_;
    d_->open(fmt_.get(), stream_, opt_, input_, n);
    d_->choose = [this](AVPacket* p) { return choose(p); };
  };
  start(threads);
  bool threaded = d_->frame_threaded();
  if (threaded && !d_->watched) start(1), threaded = false;  // damage could not be seen
  if (threaded) d_->strict = false;  // damage is judged single-threaded (the walk restarts)
  return {threaded};
}

int64_t FfmpegBackend::seek(int64_t key) {
  ordinal_ = 0;
  if (!d_->seek(index_->key_dts[key])) return kSeekFailed;
  const AVPacket* p = d_->peek();
  const int64_t at = p ? index_->find(p->pts) : -1;
  return p && (p->flags & AV_PKT_FLAG_KEY) && at >= 0 ? at : -1;
}

void FfmpegBackend::rewind() {
  reopen();
  d_->flush();
  ordinal_ = 0;
}

int FfmpegBackend::next(Picture& out) {
  const int got = d_->next();
  if (got != 1) return got;
  const AVFrame* f = d_->frame.get();
  out.pts = frame_pts(f);
  out.damaged = damaged(f);
  // The picture's own time (used when the index has none): its best-effort timestamp, else its
  // place at the stream's frame rate.
  const int64_t ts = f->best_effort_timestamp;
  out.seconds = ts != AV_NOPTS_VALUE ? static_cast<double>(ts - start_) * time_base_
                : rate_ > 0         ? static_cast<double>(ordinal_) / rate_
                                    : 0.0;
  ++ordinal_;
  return 1;
}

std::shared_ptr<Frame> FfmpegBackend::frame() {
  const AVFrame* f = d_->frame.get();
  const Orient op = op_;
  if (native_) {  // as decoded, when the format has a planar Frame (else RGB24 below)
    NativeFrame n = native_frame(f, op);
    if (n.frame) {
      ++native_counts_[n.zero_copy ? 0 : 1];
      return n.frame;
    }
  }
  const bool swap = swaps_axes(op);
  FrameBuffer fb = make_frame(swap ? f->height : f->width, swap ? f->width : f->height);
  if (op == Orient::None) {
    rgb_->convert(f, fb.pixels, fb.frame->stride, input_);
  } else {
    if (!scratch_.frame || scratch_.frame->width != f->width || scratch_.frame->height != f->height)
      scratch_ = make_frame(f->width, f->height);
    rgb_->convert(f, scratch_.pixels, scratch_.frame->stride, input_);
    orient_rgb(op, *scratch_.frame, fb);
  }
  return fb.frame;
}

bool FfmpegBackend::troubled() const { return d_ && d_->troubled(); }

DecoderCounters FfmpegBackend::counters() const {
  return {counts_.packets_sent, counts_.packets_skipped, counts_.seeks, counts_.corrupt_packets, counts_.corrupt_frames};
}

void FfmpegBackend::restore(const DecoderCounters& c) {
  counts_.packets_sent = c.packets_sent;
  counts_.packets_skipped = c.packets_skipped;
  counts_.seeks = c.seeks;
  counts_.corrupt_packets = c.corrupt_packets;
  counts_.corrupt_frames = c.corrupt_frames;
}

std::string FfmpegBackend::stop_reason() const {
  const std::string read_error = d_ ? d_->read_error : "";
  return (read_error.empty() ? "" : " (reading stopped: " + read_error + ")") + ffmpeg_said();
}

json FfmpegBackend::note() const {
  const std::string& used = color_matrix_used();
  json note = {{"color_matrix", used.empty() ? opt_.color_matrix : used},
          {"color_matrix_option", opt_.color_matrix},
          {"autorotate", opt_.autorotate},
          {"rotation", orient_.rotation}};
  if (!native_) return note;
  // pixel_format native: pictures handed out in FFmpeg's own buffers, or copied (their layout
  // was not make_planar_frame's; native_frame.hpp)
  note["native_frames"] = {{"zero_copy", native_counts_[0]}, {"copied", native_counts_[1]}};
  return note;
}

}  // namespace vidpipe::av
