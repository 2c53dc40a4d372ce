// A plugin whose registration fails half-way: it adds a node type and a profile, then throws.
// The runtime must report the plugin and keep none of what it added.
#include <stdexcept>

#include <vidpipe/sdk/plugin.hpp>

namespace {

class Partial final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.partial", "registered before the failure (test plugin)")
        .input("frames", vidpipe::DataType::Frame)
        .output("frames", vidpipe::DataType::Frame);
  }
  explicit Partial(const vidpipe::Params&) {}
  void process(const vidpipe::Data& in, vidpipe::Emitter& out, vidpipe::Job&) override { out.emit(in); }
};

void register_nodes(vidpipe::Registry& r) {
  r.add<Partial>();
  vidpipe::ModelProfile profile;
  profile.name = "testing_partial_model";
  r.add_profile(std::move(profile));
  throw std::runtime_error("cannot find the model's weights (on purpose)");
}

}  // namespace

VIDPIPE_PLUGIN("testing_throws", "1.0.0", register_nodes)
