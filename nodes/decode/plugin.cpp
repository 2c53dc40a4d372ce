// The vidpipe.decode plugin: the FFmpeg decoder backend (decode.ffmpeg, any video) and the
// frame-sequence backend (images: PNG and JPEG files). The decode node itself is the runtime's
// (decode.ffmpeg, decode.images, decode.auto: README "Decoders"); OpenCV's backends are in the
// vidpipe.decode_opencv plugin, loaded only when a graph needs them.
#include <vidpipe/sdk/plugin.hpp>

#include <vidpipe/media/ffmpeg_backend.hpp>

#include "images_backend.hpp"

static void register_nodes(vidpipe::Registry& r) {
  r.add_backend<vidpipe::av::FfmpegBackend>();
  r.add_backend<vidpipe::nodes::decode::ImagesBackend>();
}

VIDPIPE_PLUGIN("vidpipe.decode", VIDPIPE_VERSION, register_nodes)
