// How many frames really decode, found by the prober (ffmpeg_probe.cpp) so that a plan is made
// once, on the true count, and `vidpipe plan` equals `vidpipe run` (docs/frame-identity.md §4).
// A packet index is trusted unless the input shows signs of damage; then its last GOP is decoded
// (one GOP, or a few earlier ones while none of its frames decodes). A header's count is trusted
// only when the end of the stream confirms it. A planned frame that still does not decode is
// damage: the decoder answers it with a neighbour and reports it.
#pragma once

#include <cstdint>
#include <string>

#include <vidpipe/media/ffmpeg_reader.hpp>

namespace vidpipe::av {

// Why the packet index may list frames that do not decode, or "" (it is trusted): demuxing
// stopped on an error, packets flagged corrupt, fewer packets than the header lists.
std::string distrust(const PacketIndex& ix, const AVStream* st);

struct TailCheck {
  int64_t frames = -1;  // frames that decode (<= ix.size()); -1: not found out
  int64_t decoded = 0;  // frames decoded to find out
  std::string how;      // "decoded", "decoded again with one thread (the tail is damaged)"
};

// Decodes from the last keyframe of `ix` to the end of `fmt` (which build_index read): the last
// frame that comes out is the last that decodes. Frame threads are used unless damage shows;
// then the tail is decoded again with one thread, so the count never depends on threads.
TailCheck decode_tail(AVFormatContext* fmt, const PacketIndex& ix, const ReadOptions& opt,
                      const std::string& input);

// Whether a header's count of `n` frames holds: the last frame decoded from the keyframe before
// the stream's end is frame n - 1 by its time (start + (n - 1) / fps, within half a frame).
// `decoded` receives the frames decoded to find out. Leaves `fmt` anywhere: reopen it to read on.
bool header_count_holds(AVFormatContext* fmt, int si, int64_t n, double fps,
                        const ReadOptions& opt, const std::string& input, int64_t* decoded);

// Cuts `ix` to its first `n` frames (keyframes, end time).
void cut_index(PacketIndex& ix, int64_t n);

}  // namespace vidpipe::av
