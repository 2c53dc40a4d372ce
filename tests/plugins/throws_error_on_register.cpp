// A plugin whose registration fails with a vidpipe::Error (as a plugin checking its own setup
// would): the runtime's message must still name the file, and nothing may be left behind.
#include <vidpipe/sdk/plugin.hpp>

namespace {

class PartialError final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.partial_error", "registered before the failure (test plugin)")
        .input("frames", vidpipe::DataType::Frame)
        .output("frames", vidpipe::DataType::Frame);
  }
  explicit PartialError(const vidpipe::Params&) {}
};

void register_nodes(vidpipe::Registry& r) {
  r.add<PartialError>();
  throw vidpipe::Error("the plugin's configuration is invalid (on purpose)", "fix the test plugin");
}

}  // namespace

VIDPIPE_PLUGIN("testing_throws_error", "1.0.0", register_nodes)
