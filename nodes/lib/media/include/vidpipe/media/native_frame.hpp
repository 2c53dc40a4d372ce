// A decoded AVFrame as a planar Frame (data.hpp), for decoders with `pixel_format: native`:
// the picture as decoded, its colour tags in Frame::color, the autorotate operation in
// Frame::orient (not applied). process.convert_scale turns it into upright RGB24.
#pragma once

#include <memory>
#include <optional>

#include <vidpipe/sdk/data.hpp>

struct AVFrame;

namespace vidpipe::av {

// The planar Frame format of an AVPixelFormat: yuv420p/yuvj420p -> I420, yuv422p/yuvj422p ->
// I422, yuv444p/yuvj444p -> I444, nv12 -> NV12, yuv420p10le -> I420P10, p010le -> P010 (the
// inverse of imaging's av_format_of). None for the others (RGB, 4:1:1, 12-bit, alpha ...).
std::optional<PixelFormat> planar_format_of(int av_pixel_format);

struct NativeFrame {
  std::shared_ptr<Frame> frame;  // null: the format has no planar equivalent
  bool zero_copy = false;        // planes inside FFmpeg's own buffers
};

// Zero-copy when FFmpeg's buffers already give every plane make_planar_frame's layout (starts
// and strides multiples of kFrameAlign, kFrameAlign readable bytes after each plane's last row):
// the Frame then holds a reference to the AVFrame's buffers (av_frame_clone) until it is freed.
// Otherwise the planes are copied into make_planar_frame. Either way consumers may read rows
// as data.hpp promises.
NativeFrame native_frame(const AVFrame* f, Orient orient);

}  // namespace vidpipe::av
