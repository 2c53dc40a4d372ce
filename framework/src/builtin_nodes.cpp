// Nodes the runtime itself provides (plugin "vidpipe.core").
#include "vidpipe/runtime/output_names.hpp"
#include "vidpipe/sdk.hpp"

namespace vidpipe::runtime {
namespace {

// The run's inputs (the CLI's INPUT arguments), one job each. A graph gets one implicitly as
// node `input` when a node is wired with `in: input`.
class SourceInputs final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("source.inputs", "Emits one job per input of the run (the command line's INPUT arguments)")
        .with_shape(Shape::Source)
        .with_role(Role::Source)
        .output("job", DataType::Job, "one job per input")
        .list("inputs", ParamType::StringList, json::array(), "paths, URLs, '-' or base64 inputs; set by `vidpipe run`");
  }
  explicit SourceInputs(const Params& p) : inputs_(p.get_or<std::vector<std::string>>("inputs", {})) {}
  void process(const Data&, Emitter& out, Job&) override {
    // Names are chosen over all inputs at once, so they do not depend on argument order.
    const std::vector<AssignedName> names = assign_names(inputs_);
    for (std::size_t i = 0; i < inputs_.size(); ++i)
      if (!out.emit(JobPtr(std::make_shared<const VideoJob>(VideoJob{inputs_[i], names[i].name, 0, ""})))) return;
  }

 private:
  std::vector<std::string> inputs_;
};

}  // namespace

void register_builtin_nodes(Registry& r) { r.add<SourceInputs>(); }

}  // namespace vidpipe::runtime
