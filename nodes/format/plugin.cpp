#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
void register_format_npy(Registry& r);
void register_format_metadata(Registry& r);
void register_format_hf(Registry& r);
}

static void register_nodes(vidpipe::Registry& r) {
  vidpipe::nodes::register_format_npy(r);
  vidpipe::nodes::register_format_metadata(r);
  vidpipe::nodes::register_format_hf(r);
}

VIDPIPE_PLUGIN("vidpipe.format", VIDPIPE_VERSION, register_nodes)
