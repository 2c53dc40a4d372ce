// decode_frames: the planned frames of an input, each decoded once, with any backend
// (decoder_backend.hpp), and the same frames and damage counts at any thread count.
//
// Frame threads stay on while the input decodes cleanly. Damage makes their output vary from
// run to run (FFmpeg's frame threads: nodes/lib/media/include/vidpipe/media/packet_decoder.hpp), but only
// from the first sign of it on: every frame handed out before the backend is troubled, or before
// a frame comes out damaged, missing or without a timestamp of the index, is exact. At the first
// sign the walk goes back to its last checkpoint and goes on with one thread, exactly as
// threads=1 decodes on from there: the counts are the checkpoint's, and frames handed out
// already are not handed out again. Checkpoints are the start and each seek that landed: a
// decoder that just landed on a keyframe decodes what follows the same whatever it decoded
// before. A keyframe reached without seeking is no checkpoint: on damaged input what follows it
// can depend on what came before (concealment), so a stretch decoded without seeking is decoded
// again from its start.
//
// Out of reach: damage a decoder does not notice. FFmpeg's threaded HEVC decoder (frame or slice
// threads) can decode corrupt data that it reports nowhere differently from run to run; such
// frames still vary with threads (threads=1 is exact).
#include "vidpipe/sdk/decoder_backend.hpp"

#include <algorithm>
#include <climits>
#include <string>

#include "vidpipe/sdk/error.hpp"
#include "vidpipe/sdk/input.hpp"
#include "vidpipe/sdk/plan.hpp"

namespace vidpipe {
namespace {

const char* kUnplayableHint = "check that the file is a complete, playable video (ffprobe shows its streams)";

// Where a walk stands: what a restart takes up from a checkpoint.
struct Position {
  std::size_t next = 0;       // the first target not answered yet
  int64_t last_out = -1;      // frame index of the last picture out of the decoder
  int64_t counter = 0;        // pictures out (frame i = picture i when there is no index to map by)
  bool can_seek = false;
  FramePtr last_frame;        // the last frame that answered a target
  WalkStats stats;            // the walk's counts
  DecoderCounters counters;   // the backend's, as they stood (filled when a checkpoint is taken)
};

struct Checkpoint {
  Position at;                // as it stood right after the seek
  int64_t key = -1;           // keyframe (its position in PacketIndex::keyframes) to seek to; -1: start over
  int64_t land_by = -1;       // the seek must land on a keyframe no later than this frame
  bool rewind = false;        // rewind first (the walk had given up seeking)
};

class Walk {
 public:
  Walk(DecoderBackend& b, const PlanPtr& plan, const WalkOptions& opt, const std::function<bool(FramePtr)>& on_frame)
      : b_(b), plan_(plan), info_(*plan->info), opt_(opt), on_frame_(on_frame), name_(input_display_name(info_.input)) {}

  WalkStats run();

 private:
  double time_of(int64_t index, double otherwise) const;
  void seek_before(int64_t target);
  void restart(const std::string& why);
  void deliver(const FramePtr& f, std::size_t k);
  void missing(int64_t index);
  FramePtr make_frame_of(int64_t index, const Picture& pic);
  Position snapshot() const {
    Position p = pos_;
    p.counters = b_.counters();
    return p;
  }
  WalkStats finish(bool complete);

  DecoderBackend& b_;
  const PlanPtr& plan_;
  const VideoInfo& info_;
  const WalkOptions& opt_;
  const std::function<bool(FramePtr)>& on_frame_;
  const std::string name_;
  std::shared_ptr<const PacketIndex> ix_;
  bool seekable_ = false, timed_ = false, approximate_ = false, fail_ = false, threaded_ = false;
  std::vector<int64_t> targets_;
  Position pos_;
  Checkpoint begin_, last_;
  std::size_t handed_ = 0;  // targets handed to on_frame (never twice)
  bool stopped_ = false;
  int64_t restart_from_ = -1;
  std::string restart_reason_;
};

// A frame's time: the probe's frame times (exact for variable frame rate), else the index's,
// else what the backend says.
double Walk::time_of(int64_t index, double otherwise) const {
  if (has_frame_times(info_) && index < info_.frame_count) return frame_time(info_, index);
  if (timed_ && index < ix_->size()) return ix_->seconds_at(index);
  return otherwise;
}

FramePtr Walk::make_frame_of(int64_t index, const Picture& pic) {
  std::shared_ptr<Frame> f = b_.frame();
  if (!f) throw Error(name_ + ": the decoder backend made no frame for frame " + std::to_string(index));
  f->index = index;
  f->timestamp = time_of(index, pic.seconds);
  f->plan = plan_;
  return f;
}

void Walk::deliver(const FramePtr& f, std::size_t k) {
  ++pos_.stats.returned_frames;
  if (k < handed_) return;  // handed out before a restart: this very frame
  handed_ = k + 1;
  FramePtr out = f;
  if (f->index != targets_[k] && !approximate_) {  // a neighbour answers a missing frame
    auto copy = std::make_shared<Frame>(*f);
    copy->index = targets_[k];
    copy->timestamp = time_of(targets_[k], f->timestamp);
    out = copy;
  }
  if (!on_frame_(out)) stopped_ = true;
}

void Walk::missing(int64_t index) {
  ++pos_.stats.missing_frames;
  if (fail_)
    throw Error(name_ + ": frame " + std::to_string(index) + " does not decode",
                "set on_decode_error: skip to answer it with the nearest decodable frame");
}

// Damage may have reached the frame threads: go on from the last checkpoint with one thread.
void Walk::restart(const std::string& why) {
  threaded_ = false;
  restart_reason_ = why;
  if (last_.key < 0 || last_.rewind) b_.rewind();
  b_.new_decoder(1);
  pos_ = last_.at;
  restart_from_ = last_.key < 0 ? 0 : ix_->keyframes[last_.key];
  if (last_.key >= 0) {
    const int64_t at = b_.seek(last_.key);
    if (at < 0 || at > last_.land_by) {  // landed elsewhere: from the start
      b_.rewind();
      b_.new_decoder(1);
      pos_ = begin_.at;
      restart_from_ = 0;
    }
  }
  b_.restore(pos_.counters);  // the seek was counted when it was first made
}

// Seeking pays when it skips more frames than the decoder pipeline holds.
void Walk::seek_before(int64_t target) {
  const int64_t margin = approximate_ ? 0 : 24;
  const int64_t k = ix_->key_at_or_before(target);
  if (k < 0 || k <= pos_.last_out + margin) return;
  // Land on the keyframe itself; if the backend lands elsewhere (a non-keyframe or past the
  // target), try earlier keyframes, then give up seeking (decode on from the start).
  int64_t kpos = std::lower_bound(ix_->keyframes.begin(), ix_->keyframes.end(), k) - ix_->keyframes.begin();
  bool landed = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int64_t at = b_.seek(kpos);
    if (at == kSeekFailed) break;
    landed = at >= 0 && at <= target;
    if (landed || kpos == 0) break;
    --kpos;
  }
  if (landed) {
    pos_.last_out = k - 1;
    if (threaded_) last_ = {snapshot(), kpos, target};
  } else {
    pos_.can_seek = false;
    b_.rewind();
    b_.seek(0);  // where a seeking decode starts: the first keyframe
    pos_.last_out = -1;
    if (threaded_) last_ = {snapshot(), 0, INT64_MAX, true};
  }
}

WalkStats Walk::run() {
  const std::vector<int64_t>& wanted = plan_->indices;
  if (wanted.empty()) return {};
  if (wanted.front() < 0 || !std::is_sorted(wanted.begin(), wanted.end()))
    throw Error(name_ + ": frame indices must be non-negative and ascending");
  if (opt_.seek_mode != "exact" && opt_.seek_mode != "approximate")
    throw Error("seek_mode must be exact or approximate, not '" + opt_.seek_mode + "'");
  if (opt_.on_decode_error != "skip" && opt_.on_decode_error != "fail")
    throw Error("on_decode_error must be skip or fail, not '" + opt_.on_decode_error + "'");
  fail_ = opt_.on_decode_error == "fail";
  const DecodeLimits& lim = opt_.limits;
  if (info_.width > 0 && info_.height > 0) check_frame_size(info_.width, info_.height, lim.max_pixels, name_);
  check_duration(info_.duration, lim.max_duration, "by its probe", name_);

  BackendOpen how;
  how.info = plan_->info;
  how.threads = opt_.threads;
  how.autorotate = opt_.autorotate;
  how.strict = fail_;
  how.limits = lim;
  how.cancelled = opt_.cancelled;
  threaded_ = b_.open(how).frame_threaded;
  ix_ = b_.index();
  if (ix_ && wanted.back() >= ix_->size())  // the plan was made for another count
    throw Error(name_ + ": the video has only " + std::to_string(ix_->size()) + " decodable frames but frame " +
                    std::to_string(wanted.back()) + " was requested" +
                    (ix_->read_error.empty() ? "" : " (reading stopped: " + ix_->read_error + ")"),
                "plan with probe.ffmpeg, which counts the frames that decode");
  // Pictures are found by pts and reached by seeking, unless there is no index or its pts do not
  // give presentation order (PacketIndex::output_order): then frame i is the i-th picture, read
  // from the start, and only its time comes from the index.
  seekable_ = ix_ && ix_->seekable();
  timed_ = ix_ && ix_->usable;
  approximate_ = opt_.seek_mode == "approximate" && seekable_;
  targets_ = wanted;
  if (approximate_)  // each target becomes its keyframe
    for (auto& t : targets_)
      if (const int64_t k = ix_->key_at_or_before(t); k >= 0) t = k;
  b_.want(targets_, approximate_);

  pos_.can_seek = seekable_;
  begin_ = {snapshot()};
  last_ = begin_;  // the latest checkpoint (taken while frame-threaded only)
  const bool timed_deadline = lim.deadline != DecodeLimits::Clock::time_point{};
  for (;;) {
    while (pos_.next < targets_.size() && !stopped_) {
      if (pos_.can_seek) seek_before(targets_[pos_.next]);
      Picture pic;
      const int got = b_.next(pic);
      if (got < 0) return finish(false);  // cancelled
      if (got == 0) break;                // end of stream
      const int64_t idx = seekable_ ? ix_->find(pic.pts) : pos_.counter++;
      if (threaded_) {
        const bool lost = idx >= 0 && pos_.next < targets_.size() && targets_[pos_.next] < idx;
        if (b_.troubled() || idx < 0 || pic.damaged || lost) {
          restart(idx < 0 ? "a frame without a timestamp of the index"
                  : lost  ? "frame " + std::to_string(targets_[pos_.next]) + " did not decode"
                          : "damage around frame " + std::to_string(idx));
          continue;
        }
      }
      if (timed_deadline) check_deadline(lim, name_);
      check_decoded_frames(++pos_.stats.decoded_frames, lim, name_);
      if (idx < 0) {
        ++pos_.stats.unmapped_frames;
        continue;
      }
      if (pic.damaged) {
        ++pos_.stats.corrupt_frames;
        if (fail_)
          throw Error(name_ + ": frame " + std::to_string(idx) + " is damaged",
                      "set on_decode_error: skip to keep the frames that decode");
      }
      pos_.last_out = std::max(pos_.last_out, idx);
      FramePtr out;
      while (pos_.next < targets_.size() && targets_[pos_.next] <= idx && !stopped_) {
        if (!out) out = make_frame_of(idx, pic);
        if (targets_[pos_.next] < idx) missing(targets_[pos_.next]);
        deliver(out, pos_.next++);
      }
      if (out) pos_.last_frame = out;
    }
    // The stream ended before the last target: which frames come out may depend on damage.
    if (threaded_ && !stopped_ && pos_.next < targets_.size()) {
      restart("the stream ended before frame " + std::to_string(targets_[pos_.next]));
      continue;
    }
    break;
  }
  // The stream ended before some targets: answer them with the last decoded frame.
  while (pos_.next < targets_.size() && !stopped_) {
    if (!pos_.last_frame) {
      const int64_t n = ix_ ? ix_->size() : info_.frame_count;
      throw Error(name_ + ": has no video frames: none of its " + std::to_string(n) + " frames decodes" +
                      b_.stop_reason(),
                  kUnplayableHint);
    }
    missing(targets_[pos_.next]);
    deliver(pos_.last_frame, pos_.next++);
  }
  return finish(true);
}

// The walk's counts and the backend's together; for a complete walk also the strategy and the
// damage ratio check.
WalkStats Walk::finish(bool complete) {
  WalkStats stats = pos_.stats;
  const DecoderCounters c = b_.counters();
  stats.packets_sent = c.packets_sent;
  stats.packets_skipped = c.packets_skipped;
  stats.seeks = c.seeks;
  stats.corrupt_packets = c.corrupt_packets;
  stats.corrupt_frames += c.corrupt_frames;
  if (!complete) return stats;
  stats.strategy = approximate_           ? "keyframes"
                   : ix_ && ix_->output_order ? "output order"
                   : stats.seeks          ? "seek"
                                          : "sequential";
  if (approximate_) stats.approximate_from = plan_->indices;
  stats.restart_from = restart_from_;
  stats.restart_reason = restart_reason_;
  if (!fail_) {
    const int64_t damage = stats.corrupt_packets + stats.corrupt_frames + stats.missing_frames;
    const int64_t decoded = stats.decoded_frames + stats.corrupt_packets;
    const double ratio = static_cast<double>(damage) / static_cast<double>(std::max<int64_t>(1, decoded));
    if (damage > 0 && ratio > opt_.max_corrupt_ratio)
      throw Error(name_ + ": too damaged: " + std::to_string(damage) + " damaged of " + std::to_string(decoded) +
                      " decoded frames/packets (max_corrupt_ratio " + std::to_string(opt_.max_corrupt_ratio) + ")",
                  "raise max_corrupt_ratio to accept it");
  }
  return stats;
}

}  // namespace

WalkStats decode_frames(DecoderBackend& backend, const PlanPtr& plan, const WalkOptions& opt,
                        const std::function<bool(FramePtr)>& on_frame) {
  if (!plan || !plan->info) throw Error("decode: got a plan without video info");
  return Walk(backend, plan, opt, on_frame).run();
}

}  // namespace vidpipe
