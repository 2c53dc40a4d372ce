// FrameReader: the walk (sdk/src/decode_walk.cpp) over the FFmpeg backend (ffmpeg_backend.cpp),
// with the options and statistics decode.ffmpeg and the tests have always used.
#include <vidpipe/media/ffmpeg_backend.hpp>
#include <vidpipe/media/ffmpeg_reader.hpp>

namespace vidpipe::av {

FrameReader::FrameReader(std::string input, InputOptions io, std::shared_ptr<const PacketIndex> index,
                         std::shared_ptr<const InputBytes> bytes)
    : input_(std::move(input)) {
  ReadOptions settings;
  settings.input = std::move(io);
  backend_ = std::make_unique<FfmpegBackend>(std::move(settings));
  backend_->attach(input_, std::move(index), std::move(bytes));
}

FrameReader::~FrameReader() = default;

int FrameReader::width() const { return backend_->width(); }
int FrameReader::height() const { return backend_->height(); }
int FrameReader::rotation() const { return backend_->rotation(); }

ReadStats FrameReader::read(const std::vector<int64_t>& wanted, const ReadOptions& opt,
                            const std::function<bool(FramePtr)>& on_frame) {
  backend_->configure(opt);
  auto info = std::make_shared<VideoInfo>();
  info->input = input_;  // the backend has it open, with its index (or builds one)
  auto plan = std::make_shared<SamplePlan>();
  plan->info = info;
  plan->indices = wanted;
  WalkOptions walk;
  walk.seek_mode = opt.seek_mode;
  walk.on_decode_error = opt.on_decode_error;
  walk.max_corrupt_ratio = opt.max_corrupt_ratio;
  walk.threads = opt.threads;
  walk.autorotate = opt.autorotate;
  walk.limits = opt.limits;
  walk.limits.max_pixels = opt.max_pixels;  // ReadOptions::max_pixels wins
  walk.cancelled = opt.cancelled;
  const WalkStats w = decode_frames(*backend_, plan, walk, on_frame);
  ReadStats r;
  r.decoded_frames = w.decoded_frames;
  r.returned_frames = w.returned_frames;
  r.packets_sent = w.packets_sent;
  r.packets_skipped = w.packets_skipped;
  r.seeks = w.seeks;
  r.corrupt_packets = w.corrupt_packets;
  r.corrupt_frames = w.corrupt_frames;
  r.missing_frames = w.missing_frames;
  r.unmapped_frames = w.unmapped_frames;
  r.strategy = w.strategy;
  r.color_matrix = backend_->color_matrix_used();
  r.approximate_from = w.approximate_from;
  r.restart_from = w.restart_from;
  r.restart_reason = w.restart_reason;
  return r;
}

}  // namespace vidpipe::av
