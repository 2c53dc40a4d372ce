// A plugin built "for a future runtime": a hand-written descriptor whose ABI major is one more
// than the runtime's. The runtime must refuse it before calling anything else in the library.
#include <stdexcept>

#include <vidpipe/sdk/plugin.hpp>

namespace {
void register_nodes(vidpipe::Registry&) {
  throw std::logic_error("register_nodes of an ABI-mismatched plugin must never be called");
}
}  // namespace

extern "C" VIDPIPE_API const vidpipe_plugin_descriptor* vidpipe_plugin_v1() {
  static const vidpipe_plugin_descriptor descriptor{
      sizeof(vidpipe_plugin_descriptor), VIDPIPE_ABI_MAJOR + 1, 0, "testing_future", "9.0.0", "9.0.0",
      VIDPIPE_COMPILER, VIDPIPE_CXX11_ABI, register_nodes, {}};
  return &descriptor;
}
