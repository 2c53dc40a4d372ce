// Test plugin: backend "failing" (rank 1000, above every real one) fails at open, so decode.auto
// falls back to the next backend by rank. Built twice: VPTEST_TWIN registers the same backend
// name from another plugin (a duplicate the registry refuses, naming both files).
#include "test_backend.hpp"

#ifndef VPTEST_PLUGIN_NAME
#define VPTEST_PLUGIN_NAME "testing_failing_backend"
#endif

static void register_nodes(vidpipe::Registry& r) { vptest::add_test_backend<vptest::Fails::AtOpen>(r, "failing", 1000); }

VIDPIPE_PLUGIN(VPTEST_PLUGIN_NAME, "1.0.0", register_nodes)
