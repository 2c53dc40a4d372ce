// Decoding for the analysis pass (signals.hpp): the cheapest decode that still yields every
// frame: no loop filter, the decoder's YUV scaled down to ~256 px (small_picture.hpp) before the
// one colour conversion, then the scores of frame_scores.hpp. Stored as JSON (docs/sampling.md §7).
#include "signals.hpp"

#include <algorithm>
#include <optional>

#include "frame_scores.hpp"
#include "small_picture.hpp"

#include <vidpipe/sdk/error.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/packet_decoder.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace vidpipe::analyze {

Signals analyze(const VideoInfo& info, const AnalyzeOptions& opt) {
  const std::string& input = info.input;
  const av::InputOptions& io = opt.input;
  auto data = info.bytes ? av::InputData::from_bytes(info.bytes, input, io) : nullptr;
  av::FormatPtr fmt = av::open_input(input, io, std::move(data));
  const int si = av::best_video_stream(fmt.get(), input);
  AVStream* st = fmt->streams[si];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) throw Error("analyze.scenes: " + input + ": no decoder for its video codec", av::kHint);
  if (static_cast<int64_t>(st->codecpar->width) * st->codecpar->height > io.max_pixels)
    throw Error("analyze.scenes: " + input + ": frames larger than the pixel limit", "use a smaller video");
  av::CodecPtr ctx(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(ctx.get(), st->codecpar);
  ctx->skip_loop_filter = AVDISCARD_ALL;  // scores do not need deblocked pixels
  ctx->thread_count = opt.threads;
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0)
    throw Error("analyze.scenes: " + input + ": cannot open its video decoder", av::kHint);

  Signals sig;
  const AVRational rate = av_guess_frame_rate(fmt.get(), st, nullptr);
  sig.fps = rate.den ? av_q2d(rate) : 0;
  SmallPicture small;
  std::optional<Shrinker> shrinker;
  FrameScorer scorer(input);
  av::PacketPtr pkt(av_packet_alloc());
  av::AVFramePtr frame(av_frame_alloc());

  auto score = [&](const AVFrame* f) {
    if (sig.frames() >= opt.max_frames)
      throw Error("analyze.scenes: " + input + " has more than " + std::to_string(opt.max_frames) + " frames",
                  "raise analyze.scenes max_frames, or cut the video");
    if (!shrinker) {  // the first frame sets the small picture's size and layout
      std::tie(sig.width, sig.height) = small_size(f->width, f->height, opt.max_side);
      shrinker.emplace(*f, sig.width, sig.height, Shrinker::small_format(*f, sig.width, sig.height), input);
    } else if (!shrinker->fits(*f)) {  // a stream whose frames change size: same small picture
      shrinker.emplace(*f, sig.width, sig.height, small.format, input);
    }
    shrinker->shrink(*f, small);
    if (av::damaged(f)) sig.damaged.push_back(sig.frames());
    scorer.add(small, sig);
  };
  auto drain = [&] {
    while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
      score(frame.get());
      av_frame_unref(frame.get());
    }
  };
  while (av_read_frame(fmt.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == si) {
      avcodec_send_packet(ctx.get(), pkt.get());  // a damaged packet is skipped, as the CLI does
      drain();
    }
    av_packet_unref(pkt.get());
  }
  avcodec_send_packet(ctx.get(), nullptr);
  drain();
  if (sig.frames() == 0) throw Error("analyze.scenes: " + input + ": no frame decodes", av::kHint);
  return sig;
}

json to_json(const Signals& s) {
  json back = json::array();
  for (const auto& b : s.back) back.push_back(b);
  return {{"version", 2},          {"width", s.width},       {"height", s.height},
          {"fps", s.fps},          {"frames", s.frames()},   {"content", s.content},
          {"intensity", s.intensity}, {"hash", s.hash},      {"back", back},
          {"scdet", s.scdet},      {"damaged", s.damaged}};
}

Signals from_json(const json& j) {
  Signals s;
  s.width = j.at("width"), s.height = j.at("height"), s.fps = j.at("fps");
  s.content = j.at("content").get<std::vector<float>>();
  s.intensity = j.at("intensity").get<std::vector<float>>();
  s.hash = j.at("hash").get<std::vector<float>>();
  if (j.contains("scdet")) s.scdet = j["scdet"].get<std::vector<float>>();  // version 2 on
  s.back = j.at("back").get<std::vector<std::array<float, 3>>>();
  s.damaged = j.at("damaged").get<std::vector<int64_t>>();
  return s;
}

}  // namespace vidpipe::analyze
