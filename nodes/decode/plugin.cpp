// The vidpipe.decode plugin: nodes that turn a sampling plan into RGB frames.
#include <vidpipe/sdk/plugin.hpp>

namespace vidpipe::nodes::decode {
void register_decode_ffmpeg(Registry& r);
}

static void register_nodes(vidpipe::Registry& r) { vidpipe::nodes::decode::register_decode_ffmpeg(r); }

VIDPIPE_PLUGIN("vidpipe.decode", VIDPIPE_VERSION, register_nodes)
