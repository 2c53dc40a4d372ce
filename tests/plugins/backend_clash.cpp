// Test plugin: a node type "decode.failing", which is what backend "failing" is offered as: the
// registry refuses whichever comes second, naming both files.
#include <vidpipe/sdk/plugin.hpp>

namespace {
class Clash final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("decode.failing", "a node named like a backend")
        .with_shape(vidpipe::Shape::Expand)
        .input("plan", vidpipe::DataType::Plan)
        .output("frames", vidpipe::DataType::Frame);
  }
  explicit Clash(const vidpipe::Params&) {}
  void process(const vidpipe::Data&, vidpipe::Emitter&, vidpipe::Job&) override {}
};
}  // namespace

static void register_nodes(vidpipe::Registry& r) { r.add<Clash>(); }

VIDPIPE_PLUGIN("testing_backend_clash", "1.0.0", register_nodes)
