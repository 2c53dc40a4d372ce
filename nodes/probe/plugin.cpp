// The vidpipe.probe plugin: nodes that learn a video's facts before anything is decoded.
#include <vidpipe/sdk/plugin.hpp>

namespace vidpipe::nodes::probe {
void register_probe_ffmpeg(Registry& r);
}

static void register_nodes(vidpipe::Registry& r) { vidpipe::nodes::probe::register_probe_ffmpeg(r); }

VIDPIPE_PLUGIN("vidpipe.probe", VIDPIPE_VERSION, register_nodes)
