// FrameReader::read: the wanted frames of a video, each decoded once (see ffmpeg_reader.hpp for
// the contract), and the same frames and damage counts at any thread count.
//
// Frame threads stay on while the input decodes cleanly. Damage makes their output vary from
// run to run (packet_decoder.hpp says why), but only from the first sign of it on: every frame
// handed out before the decoder is troubled, or before a frame comes out damaged, missing or
// without a timestamp of the index, is exact. At the first sign the read goes back to its last
// checkpoint and goes on with one thread, exactly as decode.threads=1 reads on from there: the
// counts are the checkpoint's, and frames handed out already are not handed out again.
// Checkpoints are the start of the read and each seek that landed: a decoder that just landed
// on a keyframe decodes what follows the same whatever it decoded before. A keyframe reached
// without seeking is no checkpoint: on damaged input what follows it can depend on what came
// before (concealment), so a stretch decoded without seeking is decoded again from its start.
//
// Out of reach: damage FFmpeg does not notice. Its threaded HEVC decoder (frame or slice
// threads) can decode corrupt data that it reports nowhere differently from run to run; such
// frames still vary with threads (decode.threads=1 is exact).
#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/library_logs.hpp>
#include <vidpipe/media/packet_decoder.hpp>
#include <vidpipe/media/rgb_converter.hpp>

#include <algorithm>
#include <cstdint>
#include <unordered_set>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace vidpipe::av {
namespace {

// Where a read stands: what a restart takes up from a checkpoint.
struct Position {
  std::size_t next = 0;   // the first target not answered yet
  int64_t last_out = -1;  // presentation index of the last frame out of the decoder
  int64_t counter = 0;    // decoder output ordinal (when frames are not found by pts)
  bool can_seek = false;
  FramePtr last_frame;    // the last frame that answered a target
  ReadStats stats;
};

struct Checkpoint {
  Position at;            // as it stood right after the seek
  int64_t key = -1;       // keyframe (its position in PacketIndex::keyframes) to seek to; -1: start over
  int64_t land_by = -1;   // the seek must land on a keyframe no later than this frame
  bool reopen = false;    // reopen the input first (its demuxer could not seek)
};

}  // namespace

ReadStats FrameReader::read(const std::vector<int64_t>& wanted, const ReadOptions& opt,
                            const std::function<bool(FramePtr)>& on_frame) {
  Position pos;
  ReadStats& stats0 = pos.stats;
  if (wanted.empty()) return stats0;
  if (wanted.front() < 0 || !std::is_sorted(wanted.begin(), wanted.end()))
    throw Error(input_ + ": frame indices must be non-negative and ascending");
  if (opt.color_matrix != "auto" && opt.color_matrix != "bt601" && opt.color_matrix != "bt709")
    throw Error("color_matrix must be auto, bt601 or bt709, not '" + opt.color_matrix + "'");
  if (opt.seek_mode != "exact" && opt.seek_mode != "approximate")
    throw Error("seek_mode must be exact or approximate, not '" + opt.seek_mode + "'");
  if (opt.on_decode_error != "skip" && opt.on_decode_error != "fail")
    throw Error("on_decode_error must be skip or fail, not '" + opt.on_decode_error + "'");

  const PacketIndex& ix = index(opt);
  if (wanted.back() >= ix.size())  // the plan was made for another count: not this prober's
    throw Error(input_ + ": the video has only " + std::to_string(ix.size()) +
                    " decodable frames but frame " + std::to_string(wanted.back()) +
                    " was requested" + (ix.read_error.empty() ? "" : " (reading stopped: " +
                                                                         ix.read_error + ")"),
                "plan with probe.ffmpeg, which counts the frames that decode");
  if (used_) reopen();  // a previous read() left the input somewhere: start afresh
  used_ = true;

  // reopen() replaces fmt_ (and its streams): keep values, never the AVStream pointer.
  const AVStream* st = fmt_->streams[stream_];
  const AVRational time_base = st->time_base;
  // Decoded frames are found by pts and reached by seeking, unless the pts do not give
  // presentation order (PacketIndex::output_order): then frame i is the decoder's i-th output,
  // read from the start (no seeking, every frame decoded), and only its time comes from the index.
  const bool usable = ix.seekable();
  const bool timed = ix.usable;
  const bool approximate = opt.seek_mode == "approximate" && usable;
  const bool fail = opt.on_decode_error == "fail";
  const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
  const bool intra_only = desc && (desc->props & AV_CODEC_PROP_INTRA_ONLY);
  const AVCodecID cid = st->codecpar->codec_id;
  // skip_frame=nonref drops exactly the frames nothing refers to (h264 nal_ref_idc 0, hevc
  // *_N pictures), so the others decode bit-identically (tested against the CLI).
  const bool nonref_ok = opt.skip_nonref && usable &&
                         (cid == AV_CODEC_ID_H264 || cid == AV_CODEC_ID_HEVC);

  // What to decode: in approximate mode each target becomes its keyframe.
  std::vector<int64_t> targets = wanted;
  if (approximate) {
    for (auto& t : targets) {
      const int64_t k = ix.key_at_or_before(t);
      if (k >= 0) t = k;
    }
  }
  std::unordered_set<int64_t> want_pts;
  if (usable)
    for (int64_t t : targets) want_pts.insert(ix.pts[t]);

  const int64_t start = usable ? ix.start
                        : st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  st = nullptr;
  const Orient op = opt.autorotate ? orient_.op : Orient::None;
  RgbConverter rgb(opt.color_matrix);
  FrameBuffer scratch;  // the converter's output before it is turned upright

  std::unique_ptr<Decoder> d;
  auto open_decoder = [&](int threads) {
    d = std::make_unique<Decoder>();
    d->stats = &pos.stats;
    d->open(fmt_.get(), stream_, opt, input_, threads);
    d->choose = [&](AVPacket* p) -> int {
      if (!usable) return 1;
      const bool target = want_pts.count(p->pts) != 0;
      if (approximate) {  // only the wanted keyframes; drain so each comes out at once
        if (!target) return 0;
        d->ctx->skip_frame = AVDISCARD_DEFAULT;
        return 2;
      }
      if (!target && intra_only) return 0;
      d->ctx->skip_frame = (!target && nonref_ok) ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
      return 1;
    };
  };
  open_decoder(opt.threads);
  bool threaded = d->frame_threaded();
  if (threaded && !d->watched) open_decoder(1), threaded = false;  // damage could not be seen
  if (threaded) d->strict = false;  // damage is judged single-threaded

  auto make_rgb = [&](const AVFrame* f, int64_t index) -> FramePtr {
    const bool swap = op == Orient::Clock || op == Orient::CClock || op == Orient::ClockFlip ||
                      op == Orient::CClockFlip;
    // Upright output size (the fused resize target, else the decoded size) and the size the
    // converter writes before turning the picture upright.
    const bool fused = opt.out_width > 0 && opt.out_height > 0;
    const int ow = fused ? opt.out_width : swap ? f->height : f->width;
    const int oh = fused ? opt.out_height : swap ? f->width : f->height;
    const int cw = swap ? oh : ow, ch = swap ? ow : oh;
    FrameBuffer fb = make_frame(ow, oh);
    if (op == Orient::None) {
      rgb.convert(f, fb.pixels, fb.frame->stride, input_, cw, ch);
    } else {
      if (!scratch.frame || scratch.frame->width != cw || scratch.frame->height != ch) scratch = make_frame(cw, ch);
      rgb.convert(f, scratch.pixels, scratch.frame->stride, input_, cw, ch);
      orient_rgb(op, *scratch.frame, fb);
    }
    fb.frame->index = index;
    if (timed && index < ix.size()) {
      fb.frame->timestamp = ix.seconds_at(index);
    } else {
      const int64_t ts = f->best_effort_timestamp;
      fb.frame->timestamp = ts != AV_NOPTS_VALUE ? static_cast<double>(ts - start) * av_q2d(time_base)
                            : rate.num > 0       ? index / av_q2d(rate)
                                                 : 0.0;
    }
    return fb.frame;
  };

  std::size_t handed = 0;  // targets handed to on_frame (never twice)
  bool stopped = false;
  auto deliver = [&](const FramePtr& f, std::size_t k) {
    ++pos.stats.returned_frames;
    if (k < handed) return;  // handed out before a restart: this very frame
    handed = k + 1;
    FramePtr out = f;
    if (f->index != targets[k] && !approximate) {  // a neighbour answers a missing frame
      auto copy = std::make_shared<Frame>(*f);
      copy->index = targets[k];
      if (timed && targets[k] < ix.size()) copy->timestamp = ix.seconds_at(targets[k]);
      out = copy;
    }
    if (!on_frame(out)) stopped = true;
  };
  auto missing = [&](int64_t index) {
    ++pos.stats.missing_frames;
    if (fail)
      throw Error(input_ + ": frame " + std::to_string(index) + " does not decode",
                  "set on_decode_error: skip to answer it with the nearest decodable frame");
  };

  pos.can_seek = usable;
  const Checkpoint begin{pos};
  Checkpoint last = begin;  // the latest checkpoint (taken while frame-threaded only)
  int64_t restart_from = -1;
  std::string restart_reason;
  // Damage may have reached the frame threads: go on from `last` with one thread.
  auto restart = [&](const std::string& why) {
    threaded = false;
    restart_reason = why;
    if (last.key < 0 || last.reopen) reopen();
    open_decoder(1);
    pos = last.at;
    restart_from = last.key < 0 ? 0 : ix.keyframes[last.key];
    if (last.key < 0) return;
    ReadStats uncounted;  // the seek was counted when it was first made
    d->stats = &uncounted;
    AVPacket* p = d->seek(ix.key_dts[last.key]) ? d->peek() : nullptr;
    d->stats = &pos.stats;
    const int64_t at = p ? ix.find(p->pts) : -1;
    if (!p || !(p->flags & AV_PKT_FLAG_KEY) || at < 0 || at > last.land_by) {  // landed elsewhere
      reopen();
      open_decoder(1);
      pos = begin.at;
      restart_from = 0;
    }
  };

  // Seeking pays when it skips more frames than the decoder pipeline holds.
  const int64_t margin = approximate ? 0 : 24;
  for (;;) {
    while (pos.next < targets.size() && !stopped) {
      const int64_t t = targets[pos.next];
      if (pos.can_seek) {
        const int64_t k = ix.key_at_or_before(t);
        if (k >= 0 && k > pos.last_out + margin) {
          // Land on the keyframe itself; if the demuxer puts us elsewhere (a non-keyframe or
          // past the target), try earlier keyframes, then give up seeking (decode on from here).
          std::size_t kpos = std::lower_bound(ix.keyframes.begin(), ix.keyframes.end(), k) -
                             ix.keyframes.begin();
          bool landed = false;
          for (int attempt = 0; attempt < 3; ++attempt) {
            if (!d->seek(ix.key_dts[kpos])) break;
            AVPacket* p = d->peek();
            const int64_t at = p ? ix.find(p->pts) : -1;
            landed = p && (p->flags & AV_PKT_FLAG_KEY) && at >= 0 && at <= t;
            if (landed || kpos == 0) break;
            --kpos;
          }
          if (landed) {
            pos.last_out = k - 1;
            if (threaded) last = {pos, static_cast<int64_t>(kpos), t};
          } else {
            pos.can_seek = false;
            reopen();
            d->fmt = fmt_.get();
            d->seek(ix.key_dts[0]);  // flushes the decoder; the fresh input is at its start
            pos.last_out = -1;
            if (threaded) last = {pos, 0, INT64_MAX, true};
          }
        }
      }
      const int got = d->next();
      if (got < 0) return pos.stats;  // cancelled
      if (got == 0) break;            // end of stream
      const AVFrame* f = d->frame.get();
      const int64_t idx = usable ? ix.find(frame_pts(f)) : pos.counter++;
      if (threaded) {
        const bool lost = idx >= 0 && pos.next < targets.size() && targets[pos.next] < idx;
        if (d->troubled() || idx < 0 || damaged(f) || lost) {
          av_frame_unref(d->frame.get());
          restart(idx < 0 ? "a frame without a timestamp of the index"
                  : lost  ? "frame " + std::to_string(targets[pos.next]) + " did not decode"
                          : "damage around frame " + std::to_string(idx));
          continue;
        }
      }
      check_decoded_frames(++pos.stats.decoded_frames, opt.limits, input_);
      if (idx < 0) {
        ++pos.stats.unmapped_frames;
        av_frame_unref(d->frame.get());
        continue;
      }
      if (damaged(f)) {
        ++pos.stats.corrupt_frames;
        if (fail)
          throw Error(input_ + ": frame " + std::to_string(idx) + " is damaged",
                      "set on_decode_error: skip to keep the frames that decode");
      }
      pos.last_out = std::max(pos.last_out, idx);
      FramePtr out;
      while (pos.next < targets.size() && targets[pos.next] <= idx && !stopped) {
        if (!out) out = make_rgb(f, idx);
        if (targets[pos.next] < idx) missing(targets[pos.next]);
        deliver(out, pos.next++);
      }
      if (out) pos.last_frame = out;
      av_frame_unref(d->frame.get());
    }
    // The stream ended before the last target: which frames come out may depend on damage.
    if (threaded && !stopped && pos.next < targets.size()) {
      restart("the stream ended before frame " + std::to_string(targets[pos.next]));
      continue;
    }
    break;
  }
  // The stream ended before some targets: answer them with the last decoded frame.
  while (pos.next < targets.size() && !stopped) {
    if (!pos.last_frame)
      throw Error(input_ + ": has no video frames: none of its " + std::to_string(ix.size()) + " video packets decodes" +
                      (d->read_error.empty() ? "" : " (reading stopped: " + d->read_error + ")") + ffmpeg_said(), kHint);
    missing(targets[pos.next]);
    deliver(pos.last_frame, pos.next++);
  }
  ReadStats& stats = pos.stats;
  stats.strategy = approximate       ? "keyframes"
                   : ix.output_order ? "output order"
                   : stats.seeks     ? "seek"
                                     : "sequential";
  stats.color_matrix = rgb.used();
  if (approximate) stats.approximate_from = wanted;
  stats.restart_from = restart_from;
  stats.restart_reason = restart_reason;
  if (!fail) {
    const int64_t damage = stats.corrupt_packets + stats.corrupt_frames + stats.missing_frames;
    const double ratio = static_cast<double>(damage) /
                         static_cast<double>(std::max<int64_t>(1, stats.decoded_frames + stats.corrupt_packets));
    if (damage > 0 && ratio > opt.max_corrupt_ratio)
      throw Error(input_ + ": too damaged: " + std::to_string(damage) + " damaged of " +
                      std::to_string(stats.decoded_frames + stats.corrupt_packets) +
                      " decoded frames/packets (max_corrupt_ratio " +
                      std::to_string(opt.max_corrupt_ratio) + ")",
                  "raise max_corrupt_ratio to accept it");
  }
  return stats;
}

}  // namespace vidpipe::av
