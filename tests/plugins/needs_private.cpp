// A plugin that needs a library of its own, found through RUNPATH $ORIGIN/private: plugins are
// loaded through their open file, where $ORIGIN does not name their folder, so it is refused
// with an error that says so (test_plugin_files.cpp).
#include <vidpipe/sdk/plugin.hpp>

extern "C" int vptest_private_value();

namespace {

void register_nodes(vidpipe::Registry&) { vptest_private_value(); }

}  // namespace

VIDPIPE_PLUGIN("testing_needs_private", "0.0.1", register_nodes)
