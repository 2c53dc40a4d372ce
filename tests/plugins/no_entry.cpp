// A shared library that is not a vidpipe plugin: it exports a symbol, but not the entry point.
#include <vidpipe/sdk/version.hpp>

extern "C" VIDPIPE_API int vidpipe_test_not_a_plugin() { return 42; }
