// The decodable frame count of a video. See tail_check.hpp.
#include <vidpipe/media/tail_check.hpp>

#include <algorithm>
#include <cmath>

#include <vidpipe/media/packet_decoder.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace vidpipe::av {

std::string distrust(const PacketIndex& ix, const AVStream* st) {
  if (!ix.read_error.empty()) return "demuxing stopped early (" + ix.read_error + ")";
  if (ix.corrupt_packets > 0) return std::to_string(ix.corrupt_packets) + " packets flagged corrupt or empty";
  if (st->nb_frames > 0 && st->nb_frames != ix.packets)
    return "the header lists " + std::to_string(st->nb_frames) + " frames, the stream holds " +
           std::to_string(ix.packets) + " packets";
  return "";
}

namespace {

// Decodes from wherever `seek_to` put the input to its end, with frame threads unless damage
// shows (then again with one thread: which frames come out of a damaged tail can depend on
// frame threads, packet_decoder.hpp). `seen` gets each decoded frame's pts and returns whether
// to go on to the next seek position; seek_to(attempt) returns false when there is none left.
template <class Seek, class Seen>
int64_t decode_to_end(AVFormatContext* fmt, int si, const ReadOptions& opt, const std::string& input,
                      Seek seek_to, Seen seen, bool* again) {
  ReadOptions o = opt;
  o.on_decode_error = "skip";
  o.cancelled = nullptr;
  ReadStats stats;
  for (int threads : {opt.threads, 1}) {
    stats = ReadStats();
    Decoder d;
    d.stats = &stats;
    d.open(fmt, si, o, input, threads);
    bool damage = false;
    for (int attempt = 0; seek_to(d, attempt); ++attempt) {
      bool more = true;
      while (d.next() == 1) {
        check_decoded_frames(++stats.decoded_frames, opt.limits, input);
        damage = damage || damaged(d.frame.get());
        more = seen(attempt, frame_pts(d.frame.get()));
        av_frame_unref(d.frame.get());
      }
      if (!more) break;
    }
    if (!d.troubled() && !(d.frame_threaded() && damage)) break;
    *again = true;
  }
  return stats.decoded_frames;
}

}  // namespace

TailCheck decode_tail(AVFormatContext* fmt, const PacketIndex& ix, const ReadOptions& opt,
                      const std::string& input) {
  TailCheck out;
  const std::size_t nk = ix.keyframes.size();
  int64_t best = -1;
  bool again = false;
  // The last keyframe, then up to three earlier ones while nothing after the keyframe decodes.
  auto seek_to = [&](Decoder& d, int attempt) {
    if (attempt == 0) best = -1, out.frames = -1;
    return attempt < static_cast<int>(std::min<std::size_t>(nk, 4)) && d.seek(ix.key_dts[nk - 1 - attempt]);
  };
  auto seen = [&](int attempt, int64_t pts) {
    best = std::max(best, ix.find(pts));
    const bool found = best >= ix.keyframes[nk - 1 - attempt];
    if (found) out.frames = best + 1;
    return !found;
  };
  out.decoded = decode_to_end(fmt, ix.stream, opt, input, seek_to, seen, &again);
  out.how = again ? "decoded again with one thread (the tail is damaged)" : "decoded";
  return out;
}

bool header_count_holds(AVFormatContext* fmt, int si, int64_t n, double fps,
                        const ReadOptions& opt, const std::string& input, int64_t* decoded) {
  const AVStream* st = fmt->streams[si];
  const double tb = av_q2d(st->time_base);
  if (n <= 0 || fps <= 0 || tb <= 0) return false;
  const int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  const auto last = static_cast<int64_t>(std::llround(static_cast<double>(n - 1) / fps / tb)) + start;
  int64_t latest = INT64_MIN;
  bool again = false;
  auto seek_to = [&](Decoder& d, int attempt) {
    if (attempt > 0) return false;
    latest = INT64_MIN;
    return d.seek(last);
  };
  auto seen = [&](int, int64_t pts) {
    if (pts != AV_NOPTS_VALUE) latest = std::max(latest, pts);
    return true;
  };
  *decoded = decode_to_end(fmt, si, opt, input, seek_to, seen, &again);
  return latest != INT64_MIN &&
         std::fabs(static_cast<double>(latest - start) * tb * fps - static_cast<double>(n - 1)) < 0.5;
}

void cut_index(PacketIndex& ix, int64_t n) {
  if (n >= ix.size()) return;
  ix.end_time = ix.seconds_at(n);  // where the first frame cut off begins
  ix.pts.resize(static_cast<std::size_t>(n));
  std::size_t keep = 0;
  while (keep < ix.keyframes.size() && ix.keyframes[keep] < n) ++keep;
  ix.keyframes.resize(keep);
  ix.key_dts.resize(keep);
}

}  // namespace vidpipe::av
