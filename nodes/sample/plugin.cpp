// vidpipe.sample: frame samplers (VideoInfo -> SamplePlan).
#include <vidpipe/sdk.hpp>

void register_sample_uniform(vidpipe::Registry& r);

static void register_nodes(vidpipe::Registry& r) { register_sample_uniform(r); }

VIDPIPE_PLUGIN("vidpipe.sample", VIDPIPE_VERSION, register_nodes)
