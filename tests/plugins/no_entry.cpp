// A shared library that is not a vidpipe plugin: it exports a symbol, but not the entry point.
// Its constructor leaves a mark, so a test can tell whether the loader ran any of its code.
#include <cstdlib>

#include <vidpipe/sdk/version.hpp>

extern "C" VIDPIPE_API int vidpipe_test_not_a_plugin() { return 42; }

__attribute__((constructor)) static void leave_a_mark() { setenv("VPTEST_NO_ENTRY_CONSTRUCTOR_RAN", "1", 1); }
