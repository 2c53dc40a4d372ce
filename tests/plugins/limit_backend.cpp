// Test plugin: backend "limit" (rank 1000) throws a LimitError at open, which is final: decode.auto
// tries no other backend (and loads no other backend's plugin).
#include "test_backend.hpp"

static void register_nodes(vidpipe::Registry& r) { vptest::add_test_backend<vptest::Fails::WithALimit>(r, "limit", 1000); }

VIDPIPE_PLUGIN("testing_limit_backend", "1.0.0", register_nodes)
