// A plugin that calls a function no library defines: dlopen (rtld_now) refuses it, and the
// loader's error must name the plugin by its path (test_plugin_files.cpp).
#include <vidpipe/sdk/plugin.hpp>

extern "C" int vptest_defined_nowhere();

namespace {

void register_nodes(vidpipe::Registry&) { vptest_defined_nowhere(); }

}  // namespace

VIDPIPE_PLUGIN("testing_unresolved", "0.0.1", register_nodes)
