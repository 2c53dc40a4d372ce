// Probing: a video's facts without decoding pixels. See ffmpeg_reader.hpp for the contract.
#include <algorithm>
#include <cmath>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/tail_check.hpp>

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
  // An http(s), base64 or stdin input is read once: here, for every open, and by the decoder.
  const std::shared_ptr<InputData> data = InputData::load_unless_file(input, io);
  FormatPtr fmt = open_input(input, io, data);
  check_deadline(lim, input);
  const int si = best_video_stream(fmt.get(), input);
  AVStream* st = fmt->streams[si];
  const AVCodecParameters* par = st->codecpar;  // both again if the input is reopened

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

  // What decoding the tail needs (tail_check.hpp): the probe's limits, FFmpeg's threads.
  ReadOptions tail;
  tail.max_pixels = opt.max_pixels;
  tail.limits = lim;
  tail.input = io;
  json index_facts = json::object();
  int64_t header_check = -1;  // frames decoded to confirm a header count
  if (st->nb_frames > 0 && !opt.count_packets &&
      header_count_holds(fmt.get(), si, st->nb_frames, info.fps, tail, input, &header_check)) {
    info.frame_count = st->nb_frames;
    info.frame_count_source = "header";
    index_facts["end_check"] = "the header's count: its last frame decodes";
    index_facts["end_check_frames"] = header_check;
  } else {
    if (header_check >= 0) {  // the header's count does not hold: count the packets
      index_facts["end_check_header"] = "the header's " + std::to_string(st->nb_frames) +
                                        " frames do not end where its last frame decodes";
      fmt = open_input(input, io, data);  // frees the old context and its streams: st is re-read
      st = fmt->streams[si];
      par = st->codecpar;
    }
    // Demux only (no decoding): header counts lie, packets rarely do.
    auto ix = std::make_shared<PacketIndex>(build_index(fmt.get(), si, lim, input));
    info.frame_count = ix->size();
    info.frame_count_source = "packets";
    if (const std::string why = distrust(*ix, st); !why.empty()) {
      index_facts["end_check"] = why;
      if (ix->seekable()) {  // the last GOP says how many frames decode
        const TailCheck t = decode_tail(fmt.get(), *ix, tail, input);
        index_facts["end_check"] = t.how + ": " + why;
        index_facts["end_check_frames"] = t.decoded;
        if (t.frames >= 0 && t.frames < ix->size()) {
          cut_index(*ix, t.frames);
          info.frame_count = t.frames;
          info.frame_count_source = "decoded";
          index_facts["decodable_frames"] = t.frames;
        }
      }
    }
    if (header_check > 0)  // frames decoded to try the header's count count too
      index_facts["end_check_frames"] = header_check + index_facts.value("end_check_frames", 0);
    if (ix->usable) {
      info.keyframes = ix->keyframes;
      info.frame_times.reserve(ix->pts.size());
      for (int64_t i = 0; i < ix->size(); ++i) info.frame_times.push_back(ix->seconds_at(i));
      if (ix->end_time > 0) info.duration = ix->end_time;
    }
    index_facts["keyframe_count"] = ix->keyframes.size();
    index_facts["packets"] = ix->packets;
    index_facts["packet_duration"] = ix->end_time;
    index_facts["index_usable"] = ix->usable;
    if (!ix->problem.empty()) index_facts["index_problem"] = ix->problem;
    if (ix->corrupt_packets) index_facts["corrupt_packets"] = ix->corrupt_packets;
    if (ix->discarded_packets) index_facts["discarded_packets"] = ix->discarded_packets;
    if (!ix->read_error.empty()) index_facts["read_error"] = ix->read_error;
    if (ix->output_order)
      index_facts["frame_order"] =
          "decoder output: the pts follow decode order although the codec reorders frames";
    info.index = std::move(ix);
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
  if (st->nb_frames > 0 && info.frame_count_source != "header" && st->nb_frames != info.frame_count)
    info.extra["frame_count_mismatch"] = "header says " + std::to_string(st->nb_frames) + " frames, " +
                                         (info.frame_count_source == "decoded" ? "decoding says " : "packets say ") +
                                         std::to_string(info.frame_count);
  // VFR: frame intervals differ by more than 1 % (only known with the packet index).
  bool vfr = false;
  for (std::size_t i = 2; i < info.frame_times.size() && !vfr; ++i) {
    const double a = info.frame_times[i] - info.frame_times[i - 1];
    const double b = info.frame_times[1] - info.frame_times[0];
    vfr = std::fabs(a - b) > 0.01 * std::max(a, b);
  }
  info.extra["variable_frame_rate"] = vfr;
  if (data) info.bytes = data->whole();  // the rest of a download, under the probe's rules
  return info;
}

}  // namespace vidpipe::av
