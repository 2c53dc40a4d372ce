// Registers a fresh node type, then `testing.echo` again (good.cpp has it) under another plugin
// name: the runtime must refuse the plugin, name both files, and keep none of its entries.
#include <vidpipe/sdk/plugin.hpp>

namespace {

class Fresh final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.dup_fresh", "registered before the duplicate (test plugin)")
        .input("frames", vidpipe::DataType::Frame)
        .output("frames", vidpipe::DataType::Frame);
  }
  explicit Fresh(const vidpipe::Params&) {}
  void process(const vidpipe::Data& in, vidpipe::Emitter& out, vidpipe::Job&) override { out.emit(in); }
};

class Echo final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.echo", "same type as the good plugin's (test plugin)")
        .input("frames", vidpipe::DataType::Frame)
        .output("frames", vidpipe::DataType::Frame);
  }
  explicit Echo(const vidpipe::Params&) {}
  void process(const vidpipe::Data& in, vidpipe::Emitter& out, vidpipe::Job&) override { out.emit(in); }
};

void register_nodes(vidpipe::Registry& r) {
  r.add<Fresh>();
  r.add<Echo>();
}

}  // namespace

VIDPIPE_PLUGIN("testing_duplicate", "1.0.0", register_nodes)
