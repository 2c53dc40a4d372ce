// The decoder FrameReader drives. See packet_decoder.hpp.
#include <vidpipe/media/packet_decoder.hpp>

#include <vidpipe/media/input_source.hpp>
#include <vidpipe/media/library_logs.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace vidpipe::av {

Decoder::Decoder() : pkt(av_packet_alloc()), frame(av_frame_alloc()) {}

Decoder::~Decoder() {
  ctx.reset();  // joins the frame threads, the last that may log for `logged`
  if (watched) unwatch_decoder_damage(&logged);
}

bool Decoder::frame_threaded() const { return ctx && (ctx->active_thread_type & FF_THREAD_FRAME); }

void Decoder::open(AVFormatContext* f, int s, const ReadOptions& o, const std::string& in, int threads) {
  fmt = f, si = s, opt = &o, input = &in;
  AVStream* st = fmt->streams[si];
  const AVCodec* dec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!dec)
    throw Error(in + ": no decoder for codec " + avcodec_get_name(st->codecpar->codec_id),
                "this FFmpeg build cannot decode it; re-encode the video (e.g. to H.264)");
  ctx.reset(avcodec_alloc_context3(dec));
  int r = avcodec_parameters_to_context(ctx.get(), st->codecpar);
  if (r < 0) throw Error(in + ": bad codec parameters (" + error_text(r) + ")", kHint);
  ctx->pkt_timebase = st->time_base;
  ctx->thread_count = threads;  // 0 = one per core
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  check_frame_size(st->codecpar->width, st->codecpar->height, o.max_pixels, in);
  ctx->max_pixels = o.max_pixels;
  strict = o.on_decode_error == "fail";
  if (threads != 1) {
    watched = watch_decoder_damage(&logged);
    if (watched) ctx->opaque = &logged;
  }
  if ((r = avcodec_open2(ctx.get(), dec, nullptr)) < 0)
    throw Error(in + ": cannot open the " + dec->name + " decoder (" + error_text(r) + ")",
                kHint);
}

bool Decoder::read_packet() {
  for (;;) {
    if (opt->limits.deadline != Clock::time_point{}) check_deadline(opt->limits, *input);
    int r = av_read_frame(fmt, pkt.get());
    if (r < 0) {
      if (r != AVERROR_EOF && !(opt->cancelled && opt->cancelled())) {
        check_read_stop(fmt);  // the byte cap, a stalled server, the I/O deadline
        if (r == AVERROR_EXIT) check_deadline(opt->limits, *input);
        read_error = error_text(r);
      }
      return false;
    }
    if (pkt->stream_index == si && pkt->size > 0) return true;
    av_packet_unref(pkt.get());
  }
}

int Decoder::next() {
  int stuck = 0;  // bounds the loops on errors and on EAGAIN
  for (;;) {
    int r = avcodec_receive_frame(ctx.get(), frame.get());
    if (r == 0) return 1;
    if (r == AVERROR_EOF) {
      if (draining) {  // resume feeding after a drain
        avcodec_flush_buffers(ctx.get());
        draining = false;
        continue;
      }
      return 0;
    }
    if (r != AVERROR(EAGAIN)) {  // a broken picture
      ++stats->corrupt_frames;
      ++errors;
      if (strict)
        throw Error(*input + ": decoding failed (" + error_text(r) + ")",
                    "set on_decode_error: skip to keep the frames that decode");
      if (++stuck > 1000) return 0;
      continue;
    }
    if (opt->cancelled && opt->cancelled()) return -1;
    if (!pending) {
      if (input_done || !read_packet()) {
        input_done = true;
        if (eof_sent) return 0;
        avcodec_send_packet(ctx.get(), nullptr);  // flush: delayed frames come out
        eof_sent = true;
        continue;
      }
      pending = true;
    }
    const int how = choose ? choose(pkt.get()) : 1;
    if (how == 0) {
      ++stats->packets_skipped;
      av_packet_unref(pkt.get());
      pending = false;
      continue;
    }
    r = avcodec_send_packet(ctx.get(), pkt.get());
    if (r == AVERROR(EAGAIN)) {  // cannot happen after receive said EAGAIN; stay bounded
      if (++stuck > 1000) return 0;
      continue;
    }
    ++stats->packets_sent;
    av_packet_unref(pkt.get());
    pending = false;
    if (r < 0 && r != AVERROR_EOF) {
      ++stats->corrupt_packets;
      ++errors;
      if (strict)
        throw Error(*input + ": a packet does not decode (" + error_text(r) + ")",
                    "set on_decode_error: skip to keep the frames that decode");
    }
    if (how == 2) {
      avcodec_send_packet(ctx.get(), nullptr);
      draining = true;
    }
  }
}

void Decoder::flush() {
  avcodec_flush_buffers(ctx.get());
  if (pending) av_packet_unref(pkt.get());
  pending = input_done = eof_sent = draining = false;
}

bool Decoder::seek(int64_t ts) {
  flush();
  ++stats->seeks;
  return av_seek_frame(fmt, si, ts, AVSEEK_FLAG_BACKWARD) >= 0;
}

AVPacket* Decoder::peek() {
  if (!pending) {
    if (!read_packet()) {
      input_done = true;
      return nullptr;
    }
    pending = true;
  }
  return pkt.get();
}

int64_t frame_pts(const AVFrame* f) {
  return f->pts != AV_NOPTS_VALUE ? f->pts : f->best_effort_timestamp;
}

bool damaged(const AVFrame* f) {
  return f->decode_error_flags != 0 || (f->flags & AV_FRAME_FLAG_CORRUPT);
}

}  // namespace vidpipe::av
