// A plugin whose registration throws something that is not a std::exception.
#include <vidpipe/sdk/plugin.hpp>

namespace {

class PartialInt final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.partial_int", "registered before the failure (test plugin)")
        .input("frames", vidpipe::DataType::Frame)
        .output("frames", vidpipe::DataType::Frame);
  }
  explicit PartialInt(const vidpipe::Params&) {}
};

void register_nodes(vidpipe::Registry& r) {
  r.add<PartialInt>();
  throw 42;
}

}  // namespace

VIDPIPE_PLUGIN("testing_throws_int", "1.0.0", register_nodes)
