// vidpipe.process: per-frame pixel processing (Frame -> Frame).
#include <vidpipe/sdk.hpp>

void register_process_smart_resize(vidpipe::Registry& r);
void register_process_resize(vidpipe::Registry& r);

static void register_nodes(vidpipe::Registry& r) {
  register_process_smart_resize(r);
  register_process_resize(r);
}

VIDPIPE_PLUGIN("vidpipe.process", VIDPIPE_VERSION, register_nodes)
