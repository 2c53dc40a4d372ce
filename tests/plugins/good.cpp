// A well-formed test plugin: one Map node type (`testing.echo`) and one model profile.
#include <vidpipe/sdk/plugin.hpp>

namespace {

// Forwards its input unchanged, and notes the `tag` parameter so a test can see that the
// factory built it from the plugin's code with the resolved parameters.
class Echo final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.echo", "Forwards every frame unchanged (test plugin)")
        .parallel()
        .input("frames", vidpipe::DataType::Frame)
        .output("frames", vidpipe::DataType::Frame)
        .text("tag", "echo", "a label noted in the job")
        .integer("factor", 1, 1, 1000, "set by the testing_model profile");
  }
  explicit Echo(const vidpipe::Params& p) : tag_(p.get<std::string>("tag")) {}
  void process(const vidpipe::Data& in, vidpipe::Emitter& out, vidpipe::Job& job) override {
    job.note("echo", tag_);
    out.emit(in);
  }

 private:
  std::string tag_;
};

void register_nodes(vidpipe::Registry& r) {
  r.add<Echo>();
  vidpipe::ModelProfile profile;
  profile.name = "testing_model";
  profile.doc = "profile of the test plugin";
  profile.params = {{"factor", 14}};
  r.add_profile(std::move(profile));
}

}  // namespace

VIDPIPE_PLUGIN("testing_good", "1.2.3", register_nodes)
