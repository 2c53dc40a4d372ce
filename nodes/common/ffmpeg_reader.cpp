// FFmpeg opening and decoding (probing: ffmpeg_probe.cpp; the packet index: packet_index.cpp;
// the decoder itself: packet_decoder.cpp; autorotation: orientation.cpp).
// See ffmpeg_reader.hpp for the contract.
#include "common/ffmpeg_reader.hpp"
#include "common/input_source.hpp"
#include "common/library_logs.hpp"
#include "common/packet_decoder.hpp"
#include "common/rgb_converter.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <unordered_set>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace vidpipe::av {

void FormatCloser::operator()(AVFormatContext* p) const {
  void* io = p ? p->opaque : nullptr;  // vidpipe's custom I/O (input_source.cpp), freed after
  avformat_close_input(&p);
  release_custom_io(io);
}
void CodecCloser::operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
void FrameCloser::operator()(AVFrame* p) const { av_frame_free(&p); }
void PacketCloser::operator()(AVPacket* p) const { av_packet_free(&p); }
void SwsCloser::operator()(SwsContext* p) const { sws_freeContext(p); }

std::string error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

namespace {

// The format whitelist and input rules live in input_source.cpp.

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

double seconds(int64_t ts, AVRational tb) { return static_cast<double>(ts) * av_q2d(tb); }

}  // namespace

std::string local_path(const std::string& input) {
  std::string path = input;
  if (input.rfind("file://", 0) == 0) {
    path = percent_decode(input.substr(7));
    if (path.rfind("localhost/", 0) == 0) path = path.substr(9);
    if (!path.empty() && path.front() != '/')
      throw Error(input + ": file:// URLs must name a local absolute path (file:///path/video.mp4)",
                  "remote hosts are read through http:// or https:// only");
  } else if (const auto sep = input.find("://"); sep != std::string::npos) {
    throw Error(input + ": unsupported URL scheme '" + input.substr(0, sep) + "'",
                "vidpipe reads local paths, file://, http:// and https:// URLs, base64 and stdin (-)");
  } else if (input == "-") {
    throw Error("stdin: not a local file", "open it with open_input()");
  }
  if (path.empty()) throw Error("empty input path", "name a video file");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(display_name(input) + ": no such file", "check the path");
  if (std::filesystem::is_directory(path, ec))
    throw Error(input + ": is a directory, not a video file", "name a video file, or a folder of images");
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(input + ": is not a regular file (device, pipe or socket)", "pipe data through stdin (-) instead");
  return path;
}

// Any input kind (local, file://, http(s), base64, stdin) with the rules of input_source.hpp:
// protocol and format whitelists, timeouts, size caps.
FormatPtr open_input(const std::string& input, const InputOptions& opt) { return open_format(input, opt); }

int best_video_stream(AVFormatContext* fmt, const std::string& input) {
  const int s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const bool cover = s >= 0 && (fmt->streams[s]->disposition & AV_DISPOSITION_ATTACHED_PIC);  // not the video
  if (s >= 0 && !cover) return s;
  throw Error(input + ": has no video frames: no video stream" + (cover ? ", only cover art (an attached picture)" : ""),
              cover ? "give a file with a video track, or the picture itself as a one-image list ('[\"cover.png\"]')"
                    : "give a file with a video track (this one holds audio or data only)");
}

// ---------------------------------------------------------------------------------------------
// Decoding (the Decoder: packet_decoder.cpp)

FrameReader::FrameReader(std::string input, InputOptions io)
    : input_(std::move(input)), io_(std::move(io)) {
  reopen();
  orient_ = orientation_of(fmt_->streams[stream_]);
}

FrameReader::~FrameReader() = default;

void FrameReader::reopen() {
  fmt_ = open_input(input_, io_);
  stream_ = best_video_stream(fmt_.get(), input_);
}

int FrameReader::width() const { return fmt_->streams[stream_]->codecpar->width; }
int FrameReader::height() const { return fmt_->streams[stream_]->codecpar->height; }

const PacketIndex& FrameReader::index(const ReadOptions& opt) {
  if (!index_) {
    Limits lim = opt.limits;
    index_ = std::make_unique<PacketIndex>(build_index(fmt_.get(), stream_, lim, input_));
    reopen();
  }
  return *index_;
}

int64_t FrameReader::frame_count(const ReadOptions& opt, ReadStats* out_stats) {
  const PacketIndex& ix = index(opt);
  auto report = [&] {
    if (out_stats) out_stats->tail_decoded = tail_decoded_, out_stats->end_check = end_check_;
    return true_count_;
  };
  if (true_count_ >= 0) return report();
  true_count_ = ix.size();
  if (!ix.usable || ix.keyframes.empty()) {
    end_check_ = "skipped: no usable packet index (" + ix.problem + ")";
    return report();
  }
  if (opt.seek_mode == "approximate") {
    end_check_ = "skipped: approximate mode decodes keyframes only";
    return report();
  }
  // Not skipped when header and packet counts agree: a real file with 456 packets (and a
  // header saying 456) has 455 decodable frames, and only decoding the tail finds that out
  // before a plan over 456 frames is emitted. The cost is one GOP.
  end_check_ = "decoded";
  // Decode the last GOP (from the last keyframe to the end): trailing packets that do not
  // decode (truncated files, a last packet cut short) make the true count smaller.
  ReadStats stats;
  ReadOptions o = opt;
  o.on_decode_error = "skip";
  o.cancelled = nullptr;
  Decoder d;
  d.stats = &stats;
  d.open(fmt_.get(), stream_, o, input_, opt.threads);
  const std::size_t nk = ix.keyframes.size();
  for (std::size_t a = 0; a < std::min<std::size_t>(nk, 4); ++a) {
    const int64_t k = ix.keyframes[nk - 1 - a];
    if (!d.seek(ix.key_dts[nk - 1 - a])) break;
    int64_t best = -1;
    while (d.next() == 1) {
      check_decoded_frames(++stats.decoded_frames, opt.limits, input_);
      const int64_t i = ix.find(frame_pts(d.frame.get()));
      best = std::max(best, i);
      av_frame_unref(d.frame.get());
    }
    if (best >= k) {
      true_count_ = best + 1;
      break;
    }
  }
  tail_decoded_ = stats.decoded_frames;
  reopen();
  return report();
}

ReadStats FrameReader::read(const std::vector<int64_t>& wanted, const ReadOptions& opt,
                            const std::function<bool(FramePtr)>& on_frame) {
  ReadStats stats;
  if (wanted.empty()) return stats;
  if (wanted.front() < 0 || !std::is_sorted(wanted.begin(), wanted.end()))
    throw Error(input_ + ": frame indices must be non-negative and ascending");
  if (opt.color_matrix != "auto" && opt.color_matrix != "bt601" && opt.color_matrix != "bt709")
    throw Error("color_matrix must be auto, bt601 or bt709, not '" + opt.color_matrix + "'");
  if (opt.seek_mode != "exact" && opt.seek_mode != "approximate")
    throw Error("seek_mode must be exact or approximate, not '" + opt.seek_mode + "'");
  if (opt.on_decode_error != "skip" && opt.on_decode_error != "fail")
    throw Error("on_decode_error must be skip or fail, not '" + opt.on_decode_error + "'");

  const PacketIndex& ix = index(opt);
  const int64_t count = frame_count(opt, &stats);
  if (wanted.back() >= count)
    throw Error(input_ + ": the video has only " + std::to_string(count) +
                    " decodable frames but frame " + std::to_string(wanted.back()) +
                    " was requested" + (ix.read_error.empty() ? "" : " (reading stopped: " +
                                                                         ix.read_error + ")"),
                "the container's frame count is wrong; probe with count_packets or sample fewer "
                "frames");
  if (used_) reopen();  // a previous read() left the input somewhere: start afresh
  used_ = true;

  AVStream* st = fmt_->streams[stream_];
  const bool usable = ix.usable && !ix.keyframes.empty();
  const bool approximate = opt.seek_mode == "approximate" && usable;
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
    stats.approximate_from = wanted;
  }
  std::unordered_set<int64_t> want_pts;
  if (usable)
    for (int64_t t : targets) want_pts.insert(ix.pts[t]);

  const int64_t start = usable ? ix.start
                        : st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  const Orient op = opt.autorotate ? orient_.op : Orient::None;
  RgbConverter rgb(opt.color_matrix);
  FrameBuffer scratch;  // the converter's output before it is turned upright

  Decoder d;
  d.stats = &stats;
  d.open(fmt_.get(), stream_, opt, input_, opt.threads);
  d.choose = [&](AVPacket* p) -> int {
    if (!usable) return 1;
    const bool target = want_pts.count(p->pts) != 0;
    if (approximate) {  // only the wanted keyframes; drain so each comes out at once
      if (!target) return 0;
      d.ctx->skip_frame = AVDISCARD_DEFAULT;
      return 2;
    }
    if (!target && intra_only) return 0;
    d.ctx->skip_frame = (!target && nonref_ok) ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
    return 1;
  };

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
    if (usable) {
      fb.frame->timestamp = ix.seconds_at(index);
    } else {
      const int64_t ts = f->best_effort_timestamp;
      fb.frame->timestamp = ts != AV_NOPTS_VALUE ? seconds(ts - start, st->time_base)
                            : rate.num > 0       ? index / av_q2d(rate)
                                                 : 0.0;
    }
    return fb.frame;
  };

  // Seeking pays when it skips more frames than the decoder pipeline holds.
  const int64_t margin = approximate ? 0 : 24;
  std::size_t next = 0;
  int64_t last_out = -1;  // presentation index of the last frame out of the decoder
  int64_t counter = 0;    // decoder output ordinal (sequential mode without an index)
  bool can_seek = usable, stopped = false;
  FramePtr last_frame;
  auto deliver = [&](const FramePtr& f, std::size_t k) {
    FramePtr out = f;
    if (f->index != targets[k] && !approximate) {  // a neighbour answers a missing frame
      auto copy = std::make_shared<Frame>(*f);
      copy->index = targets[k];
      if (usable) copy->timestamp = ix.seconds_at(targets[k]);
      out = copy;
    }
    ++stats.returned_frames;
    if (!on_frame(out)) stopped = true;
  };
  auto missing = [&](int64_t index) {
    ++stats.missing_frames;
    if (opt.on_decode_error == "fail")
      throw Error(input_ + ": frame " + std::to_string(index) + " does not decode",
                  "set on_decode_error: skip to answer it with the nearest decodable frame");
  };

  while (next < targets.size() && !stopped) {
    const int64_t t = targets[next];
    if (can_seek) {
      const int64_t k = ix.key_at_or_before(t);
      if (k >= 0 && k > last_out + margin) {
        // Land on the keyframe itself; if the demuxer puts us elsewhere (a non-keyframe or
        // past the target), try earlier keyframes, then give up seeking (decode on from here).
        std::size_t kpos = std::lower_bound(ix.keyframes.begin(), ix.keyframes.end(), k) -
                           ix.keyframes.begin();
        bool landed = false;
        for (int attempt = 0; attempt < 3 && !landed; ++attempt, kpos = kpos ? kpos - 1 : 0) {
          if (!d.seek(ix.key_dts[kpos])) break;
          AVPacket* p = d.peek();
          const int64_t at = p ? ix.find(p->pts) : -1;
          landed = p && (p->flags & AV_PKT_FLAG_KEY) && at >= 0 && at <= t;
          if (kpos == 0 && !landed) break;
        }
        if (landed) {
          last_out = k - 1;
        } else {
          can_seek = false;
          reopen();
          d.fmt = fmt_.get();
          d.seek(ix.key_dts[0]);  // flushes the decoder; the fresh input is at its start
          last_out = -1;
        }
      }
    }
    const int got = d.next();
    if (got < 0) return stats;  // cancelled
    if (got == 0) break;        // end of stream
    check_decoded_frames(++stats.decoded_frames, opt.limits, input_);
    const AVFrame* f = d.frame.get();
    int64_t idx = usable ? ix.find(frame_pts(f)) : counter++;
    if (idx < 0) {
      ++stats.unmapped_frames;
      av_frame_unref(d.frame.get());
      continue;
    }
    if (damaged(f)) {
      ++stats.corrupt_frames;
      if (opt.on_decode_error == "fail")
        throw Error(input_ + ": frame " + std::to_string(idx) + " is damaged",
                    "set on_decode_error: skip to keep the frames that decode");
    }
    last_out = std::max(last_out, idx);
    FramePtr out;
    while (next < targets.size() && targets[next] <= idx && !stopped) {
      if (!out) out = make_rgb(f, idx);
      if (targets[next] < idx) missing(targets[next]);
      deliver(out, next++);
    }
    if (out) last_frame = out;
    av_frame_unref(d.frame.get());
  }
  // The stream ended before some targets: answer them with the last decoded frame.
  while (next < targets.size() && !stopped) {
    if (!last_frame)
      throw Error(input_ + ": has no video frames: none of its " + std::to_string(ix.size()) + " video packets decodes" +
                      (d.read_error.empty() ? "" : " (reading stopped: " + d.read_error + ")") + ffmpeg_said(), kHint);
    missing(targets[next]);
    deliver(last_frame, next++);
  }
  stats.strategy = approximate ? "keyframes" : stats.seeks ? "seek" : "sequential";
  stats.color_matrix = rgb.used();
  if (opt.on_decode_error == "skip") {
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
