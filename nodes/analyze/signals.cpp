// Decoding and scoring for the analysis pass (signals.hpp). The scores restate PySceneDetect's
// content and hash detectors as docs/sampling.md §7 describes them; the decode is the cheapest
// one that still yields every frame: no loop filter, scaled down to ~256 px before the one
// colour conversion (to BGR, which the HSV score needs).
#include "signals.hpp"

#include <algorithm>
#include <cmath>

#include <vidpipe/sdk/error.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include <vidpipe/media/input_data.hpp>
#include <vidpipe/media/packet_decoder.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace vidpipe::analyze {
namespace {

constexpr int kHashSide = 8, kHashLowpass = 2, kHashIn = kHashSide * kHashLowpass;

// One scaled frame as 8-bit HSV planes (OpenCV's convention: H 0..179) and its pHash.
struct Scored {
  std::vector<uint8_t> h, s, v;
  uint64_t hash = 0;
  float intensity = 0;
};

void to_hsv(const uint8_t* bgr, int n, Scored& out) {
  out.h.resize(n), out.s.resize(n), out.v.resize(n);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const int b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
    sum += b + g + r;
    const int v = std::max({r, g, b}), diff = v - std::min({r, g, b});
    out.v[i] = static_cast<uint8_t>(v);
    out.s[i] = static_cast<uint8_t>(v == 0 ? 0 : (255 * diff + v / 2) / v);
    double h = 0;
    if (diff != 0) {
      if (v == r) h = 60.0 * (g - b) / diff;
      else if (v == g) h = 120.0 + 60.0 * (b - r) / diff;
      else h = 240.0 + 60.0 * (r - g) / diff;
      if (h < 0) h += 360;
    }
    out.h[i] = static_cast<uint8_t>(std::lround(h / 2) % 180);
  }
  out.intensity = n ? static_cast<float>(sum / (3.0 * n)) : 0.f;
}

// The DCT perceptual hash: grey, box-averaged to 16x16, 2-D DCT-II, the 8x8 lowest frequencies,
// one bit per coefficient above their median.
uint64_t phash(const uint8_t* bgr, int w, int h) {
  double grid[kHashIn][kHashIn] = {};
  int count[kHashIn][kHashIn] = {};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const uint8_t* p = bgr + 3 * (static_cast<std::size_t>(y) * w + x);
      grid[y * kHashIn / h][x * kHashIn / w] += 0.114 * p[0] + 0.587 * p[1] + 0.299 * p[2];
      ++count[y * kHashIn / h][x * kHashIn / w];
    }
  for (int y = 0; y < kHashIn; ++y)
    for (int x = 0; x < kHashIn; ++x) grid[y][x] /= std::max(1, count[y][x]);
  static const auto basis = [] {  // DCT-II basis: cos(pi (2y + 1) u / 2N)
    std::array<std::array<double, kHashIn>, kHashSide> b{};
    for (int u = 0; u < kHashSide; ++u)
      for (int y = 0; y < kHashIn; ++y) b[u][y] = std::cos(M_PI * (2 * y + 1) * u / (2.0 * kHashIn));
    return b;
  }();
  double coef[kHashSide][kHashSide];
  std::vector<double> all;
  for (int u = 0; u < kHashSide; ++u)
    for (int v = 0; v < kHashSide; ++v) {
      double sum = 0;
      for (int y = 0; y < kHashIn; ++y)
        for (int x = 0; x < kHashIn; ++x) sum += grid[y][x] * basis[u][y] * basis[v][x];
      coef[u][v] = sum;
      all.push_back(sum);
    }
  std::nth_element(all.begin(), all.begin() + all.size() / 2, all.end());
  const double median = all[all.size() / 2];
  uint64_t bits = 0;
  for (int u = 0; u < kHashSide; ++u)
    for (int v = 0; v < kHashSide; ++v) bits = (bits << 1) | (coef[u][v] > median ? 1u : 0u);
  return bits;
}

float content_delta(const Scored& a, const Scored& b) {
  int64_t dh = 0, ds = 0, dv = 0;
  for (std::size_t i = 0; i < a.h.size(); ++i) {
    dh += std::abs(a.h[i] - b.h[i]);
    ds += std::abs(a.s[i] - b.s[i]);
    dv += std::abs(a.v[i] - b.v[i]);
  }
  const double n = static_cast<double>(std::max<std::size_t>(1, a.h.size()));
  return static_cast<float>((dh + ds + dv) / (3.0 * n));
}

}  // namespace

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
  av::SwsPtr sws;
  std::vector<uint8_t> bgr;
  std::vector<Scored> recent;  // this frame and up to 4 before it
  av::PacketPtr pkt(av_packet_alloc());
  av::AVFramePtr frame(av_frame_alloc());

  auto score = [&](const AVFrame* f) {
    if (!sws) {
      const double factor = std::max(1.0, std::max(f->width, f->height) / static_cast<double>(opt.max_side));
      sig.width = std::max(1, static_cast<int>(std::lround(f->width / factor)));
      sig.height = std::max(1, static_cast<int>(std::lround(f->height / factor)));
      sws.reset(sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format), sig.width, sig.height,
                               AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr, nullptr));
      if (!sws) throw Error("analyze.scenes: " + input + ": cannot convert its pixel format", av::kHint);
      bgr.resize(static_cast<std::size_t>(sig.width) * sig.height * 3);
    }
    if (sig.frames() >= opt.max_frames)
      throw Error("analyze.scenes: " + input + " has more than " + std::to_string(opt.max_frames) + " frames",
                  "raise analyze.scenes max_frames, or cut the video");
    uint8_t* dst[1] = {bgr.data()};
    const int stride[1] = {sig.width * 3};
    sws_scale(sws.get(), f->data, f->linesize, 0, f->height, dst, stride);
    if (recent.size() == 5) recent.erase(recent.begin());
    recent.emplace_back();
    Scored& now = recent.back();
    to_hsv(bgr.data(), sig.width * sig.height, now);
    now.hash = phash(bgr.data(), sig.width, sig.height);
    const std::size_t n = recent.size();
    std::array<float, 3> back{255.f, 255.f, 255.f};
    for (std::size_t k = 0; k < 3 && k + 2 < n; ++k) back[k] = content_delta(now, recent[n - 3 - k]);
    if (av::damaged(f)) sig.damaged.push_back(sig.frames());
    sig.content.push_back(n > 1 ? content_delta(now, recent[n - 2]) : 0.f);
    sig.hash.push_back(n > 1 ? __builtin_popcountll(now.hash ^ recent[n - 2].hash) / 64.f : 0.f);
    sig.intensity.push_back(now.intensity);
    sig.back.push_back(back);
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
  return {{"version", 1},          {"width", s.width},       {"height", s.height},
          {"fps", s.fps},          {"frames", s.frames()},   {"content", s.content},
          {"intensity", s.intensity}, {"hash", s.hash},      {"back", back},
          {"damaged", s.damaged}};
}

Signals from_json(const json& j) {
  Signals s;
  s.width = j.at("width"), s.height = j.at("height"), s.fps = j.at("fps");
  s.content = j.at("content").get<std::vector<float>>();
  s.intensity = j.at("intensity").get<std::vector<float>>();
  s.hash = j.at("hash").get<std::vector<float>>();
  s.back = j.at("back").get<std::vector<std::array<float, 3>>>();
  s.damaged = j.at("damaged").get<std::vector<int64_t>>();
  return s;
}

}  // namespace vidpipe::analyze
