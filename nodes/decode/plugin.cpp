// The vidpipe.decode plugin: nodes that turn a sampling plan into RGB frames. The backends are
// listed in CMakeLists.txt (register_decode_nodes is generated from that list); decode.auto
// is built from the contracts they register.
#include <map>

#include <vidpipe/sdk/plugin.hpp>

#include "backend.hpp"

namespace vidpipe::nodes::decode {
void register_decode_nodes(Registry& r);

namespace {
// Passes registrations through and remembers each backend's contract and factory, so that
// decode.auto can build its backends and declare their parameters.
class Recorder final : public Registry {
 public:
  explicit Recorder(Registry& inner) : inner_(inner) {}
  void add_node(NodeSpec spec, NodeFactory make) override {
    std::string type = spec.type;
    seen[type.substr(type.find('.') + 1)] = {spec, make};
    inner_.add_node(std::move(spec), std::move(make));
  }
  void add_profile(ModelProfile profile) override { inner_.add_profile(std::move(profile)); }
  void add_decoder_backend(DecoderBackendSpec spec, DecoderBackendFactory make) override {
    inner_.add_decoder_backend(std::move(spec), std::move(make));
  }
  std::map<std::string, Backend> seen;

 private:
  Registry& inner_;
};
}  // namespace
}  // namespace vidpipe::nodes::decode

static void register_nodes(vidpipe::Registry& r) {
  using namespace vidpipe::nodes::decode;
  Recorder rec(r);
  register_decode_nodes(rec);
  register_decode_auto(r, rec.seen);
}

VIDPIPE_PLUGIN("vidpipe.decode", VIDPIPE_VERSION, register_nodes)
