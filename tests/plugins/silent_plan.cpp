// A third-party-style planning node (`testing.silent`, role planner) that passes the plan on and
// notes nothing, as a model plugin's planner may: `vidpipe plan` must report that, not read
// missing keys. Its type name is no `*.plan`: `vidpipe plan` finds planners by their role.
#include <vidpipe/sdk/plugin.hpp>

namespace {

class SilentPlan final : public vidpipe::Node {
 public:
  static vidpipe::NodeSpec spec() {
    return vidpipe::NodeSpec("testing.silent", "Forwards the sampler's plan, notes nothing (test plugin)")
        .with_role(vidpipe::Role::Planner)
        .input("plan", vidpipe::DataType::Plan)
        .output("plan", vidpipe::DataType::Plan);
  }
  explicit SilentPlan(const vidpipe::Params&) {}
  void process(const vidpipe::Data& in, vidpipe::Emitter& out, vidpipe::Job&) override { out.emit(in); }
};

void register_nodes(vidpipe::Registry& r) { r.add<SilentPlan>(); }

}  // namespace

VIDPIPE_PLUGIN("testing_silent_plan", "1.0.0", register_nodes)
