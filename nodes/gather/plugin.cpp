#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
void register_gather_clip(Registry& r);
}

static void register_nodes(vidpipe::Registry& r) { vidpipe::nodes::register_gather_clip(r); }

VIDPIPE_PLUGIN("vidpipe.gather", VIDPIPE_VERSION, register_nodes)
