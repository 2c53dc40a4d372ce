// Demuxing the video stream into a packet index. See packet_index.hpp.
#include <vidpipe/media/packet_index.hpp>

#include <algorithm>
#include <vector>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_source.hpp>

extern "C" {
#include <libavformat/avformat.h>
}

namespace vidpipe::av {

namespace {
// At most this many packets are indexed: 10 hours at 240 fps (bounded memory, ~32 B each).
constexpr int64_t kMaxIndexPackets = 10LL * 3600 * 240;
}  // namespace

PacketIndex build_index(AVFormatContext* fmt, int si, const Limits& lim,
                        const std::string& input) {
  AVStream* st = fmt->streams[si];
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != si) fmt->streams[i]->discard = AVDISCARD_ALL;
  PacketIndex ix;
  ix.stream = si;
  ix.time_base = av_q2d(st->time_base);
  struct Entry { int64_t pts, dts, dur; bool key; };
  std::vector<Entry> entries;
  bool missing_pts = false;
  bool increasing = true;  // pts only grow in decode order: no frame is presented out of order
  PacketPtr pkt(av_packet_alloc());
  int r = 0;
  int64_t reads = 0;
  int64_t lowest = AV_NOPTS_VALUE;  // smallest timestamp so far
  while ((r = av_read_frame(fmt, pkt.get())) >= 0) {
    if ((++reads & 255) == 0) check_deadline(lim, input);
    if (pkt->stream_index == si) {
      ++ix.packets;
      if (pkt->flags & AV_PKT_FLAG_CORRUPT) ++ix.corrupt_packets;
      if (pkt->flags & AV_PKT_FLAG_DISCARD) {
        ++ix.discarded_packets;  // libavcodec decodes it and drops the frame
      } else if (pkt->size > 0) {  // empty packets (AVI drop markers) present no frame
        int64_t pts = pkt->pts;
        if (pts == AV_NOPTS_VALUE) missing_pts = true, pts = pkt->dts;
        increasing = increasing && (entries.empty() || pts > entries.back().pts);
        entries.push_back({pts, pkt->dts, pkt->duration, (pkt->flags & AV_PKT_FLAG_KEY) != 0});
        if (static_cast<int64_t>(entries.size()) > kMaxIndexPackets)
          throw LimitError(input + ": more than " + std::to_string(kMaxIndexPackets) + " video packets",
                           "the video is too long to process");
        // Checked while reading: a live stream has no end to wait for. Never stricter than
        // the check on end_time below (lowest >= the index's start).
        if (pts != AV_NOPTS_VALUE) {
          lowest = lowest == AV_NOPTS_VALUE ? pts : std::min(lowest, pts);
          check_duration(static_cast<double>(pts - lowest) * ix.time_base, lim.max_duration,
                         "by its packets so far", input);
        }
      } else {
        ++ix.corrupt_packets;
      }
    }
    av_packet_unref(pkt.get());
  }
  if (r != AVERROR_EOF) {
    check_read_stop(fmt);  // the byte cap, a stalled server or the I/O deadline
    if (r == AVERROR_EXIT) check_deadline(lim, input);
    ix.read_error = error_text(r);
  }
  ix.pts.reserve(entries.size());
  for (const auto& e : entries) ix.pts.push_back(e.pts);
  std::sort(ix.pts.begin(), ix.pts.end());
  const bool dup = std::adjacent_find(ix.pts.begin(), ix.pts.end()) != ix.pts.end();
  ix.usable = !entries.empty() && !missing_pts && !dup;
  if (missing_pts) ix.problem = "packets without timestamps";
  else if (dup) ix.problem = "packets with equal timestamps";
  else if (entries.empty()) ix.problem = "no video packets";
  // A stream that reorders frames (B-frames) but whose pts never go back in decode order was
  // muxed with decode-order timestamps (pts = dts): sorting them gives decode order, not the
  // order the decoder presents. (Without real B-frames both orders are one: nothing changes.)
  ix.output_order = ix.usable && increasing && st->codecpar->video_delay > 0;
  if (entries.empty()) return ix;
  ix.start = st->start_time != AV_NOPTS_VALUE && !missing_pts ? std::min(st->start_time, ix.pts[0])
                                                              : ix.pts[0];
  if (ix.usable) {
    for (const auto& e : entries)
      if (e.key) ix.keyframes.push_back(ix.find(e.pts));
    std::vector<std::pair<int64_t, int64_t>> kd;
    for (const auto& e : entries)
      if (e.key) kd.emplace_back(ix.find(e.pts), e.pts);  // mov/mkv index by pts: lands on it
    std::sort(kd.begin(), kd.end());
    ix.keyframes.clear();
    for (const auto& [k, d] : kd) ix.keyframes.push_back(k), ix.key_dts.push_back(d);
  }
  // End of the last frame: its pts plus its duration (or the previous frame interval).
  int64_t last_dur = 0;
  for (const auto& e : entries)
    if (e.pts == ix.pts.back()) last_dur = e.dur;
  if (last_dur <= 0 && ix.pts.size() > 1) last_dur = ix.pts.back() - ix.pts[ix.pts.size() - 2];
  ix.end_time = static_cast<double>(ix.pts.back() + last_dur - ix.start) * ix.time_base;
  check_duration(ix.end_time, lim.max_duration, "by its packets", input);
  return ix;
}

}  // namespace vidpipe::av
