// Probing: a video's facts without decoding pixels. See ffmpeg_reader.hpp for the contract.
#include <algorithm>
#include <cmath>

#include "common/ffmpeg_reader.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
}

namespace vidpipe::av {

namespace {
std::string name_or_empty(const char* s) { return s ? s : ""; }
}  // namespace

VideoInfo probe(const std::string& input, const ProbeOptions& opt) {
  Limits lim;
  lim.max_duration = opt.max_duration;
  lim.max_pixels = opt.max_pixels;
  lim.deadline_s = opt.deadline_s;
  start_deadline(lim);
  InputOptions io = opt.input;
  io.max_pixels = opt.max_pixels;
  if (opt.deadline_s > 0 && (io.deadline == Clock::time_point{} || lim.deadline < io.deadline))
    io.deadline = lim.deadline, io.deadline_s = opt.deadline_s;
  FormatPtr fmt = open_input(input, io);
  check_deadline(lim, input);
  const int si = best_video_stream(fmt.get(), input);
  AVStream* st = fmt->streams[si];
  const AVCodecParameters* par = st->codecpar;

  VideoInfo info;
  info.input = input;
  info.container = name_or_empty(fmt->iformat->name);
  info.codec = name_or_empty(avcodec_get_name(par->codec_id));
  info.pixel_format = name_or_empty(av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format)));
  info.width = par->width;
  info.height = par->height;
  if (info.width <= 0 || info.height <= 0)
    throw Error(input + ": the video stream has no frame size", kHint);
  check_frame_size(info.width, info.height, opt.max_pixels, input);
  info.rotation = orientation_of(st).rotation;

  AVRational rate = st->avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = st->r_frame_rate;
  info.fps = (rate.num > 0 && rate.den > 0) ? av_q2d(rate) : 0;

  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info.duration = static_cast<double>(st->duration) * av_q2d(st->time_base);
  else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
    info.duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  // The header's word first (cheap, before demuxing a possibly huge file); packets below.
  check_duration(info.duration, opt.max_duration, "by its header", input);
  const double header_duration = info.duration;

  json index_facts = json::object();
  if (st->nb_frames > 0 && !opt.count_packets) {
    info.frame_count = st->nb_frames;
    info.frame_count_source = "header";
  } else {
    // Demux only (no decoding): header counts lie, packets rarely do.
    const PacketIndex ix = build_index(fmt.get(), si, lim, input);
    info.frame_count = ix.size();
    info.frame_count_source = "packets";
    if (ix.usable) {
      info.keyframes = ix.keyframes;
      info.frame_times.reserve(ix.pts.size());
      for (int64_t i = 0; i < ix.size(); ++i) info.frame_times.push_back(ix.seconds_at(i));
      if (ix.end_time > 0) info.duration = ix.end_time;
    }
    index_facts = {{"keyframe_count", ix.keyframes.size()},
                   {"packets", ix.packets},
                   {"packet_duration", ix.end_time},
                   {"index_usable", ix.usable}};
    if (!ix.problem.empty()) index_facts["index_problem"] = ix.problem;
    if (ix.corrupt_packets) index_facts["corrupt_packets"] = ix.corrupt_packets;
    if (!ix.read_error.empty()) index_facts["read_error"] = ix.read_error;
  }
  if (info.frame_count <= 0) throw Error(input + ": has no video frames (its video stream holds no packets)", kHint);
  if (info.duration <= 0 && info.fps > 0) info.duration = info.frame_count / info.fps;

  bool has_audio = false;
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    has_audio |= fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
  const AVRational sar = par->sample_aspect_ratio;
  info.extra = {
      {"color_space", name_or_empty(av_color_space_name(par->color_space))},
      {"color_range", name_or_empty(av_color_range_name(par->color_range))},
      {"color_primaries", name_or_empty(av_color_primaries_name(par->color_primaries))},
      {"sample_aspect_ratio", sar.num > 0 && sar.den > 0
                                  ? std::to_string(sar.num) + ":" + std::to_string(sar.den)
                                  : "1:1"},
      {"has_audio", has_audio},
      {"bit_rate", par->bit_rate > 0 ? par->bit_rate : fmt->bit_rate},
      {"header_frames", st->nb_frames > 0 ? json(st->nb_frames) : json(nullptr)},
      {"header_duration", header_duration},
      {"r_frame_rate", st->r_frame_rate.den > 0 ? av_q2d(st->r_frame_rate) : 0.0},
  };
  for (auto& [k, v] : index_facts.items()) info.extra[k] = v;
  if (st->nb_frames > 0 && info.frame_count_source == "packets" && st->nb_frames != info.frame_count)
    info.extra["frame_count_mismatch"] = "header says " + std::to_string(st->nb_frames) +
                                         " frames, packets say " +
                                         std::to_string(info.frame_count);
  // VFR: frame intervals differ by more than 1 % (only known with the packet index).
  bool vfr = false;
  for (std::size_t i = 2; i < info.frame_times.size() && !vfr; ++i) {
    const double a = info.frame_times[i] - info.frame_times[i - 1];
    const double b = info.frame_times[1] - info.frame_times[0];
    vfr = std::fabs(a - b) > 0.01 * std::max(a, b);
  }
  info.extra["variable_frame_rate"] = vfr;
  return info;
}

}  // namespace vidpipe::av
