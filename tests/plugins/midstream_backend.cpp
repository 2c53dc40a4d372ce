// Test plugin: backend "midstream" (rank 1000) sends one frame, then fails: no fallback may follow
// (the frame already went downstream).
#include "test_backend.hpp"

static void register_nodes(vidpipe::Registry& r) { vptest::add_test_backend<vptest::Fails::AfterOneFrame>(r, "midstream", 1000); }

VIDPIPE_PLUGIN("testing_midstream_backend", "1.0.0", register_nodes)
