// Runs one node in-process, the way the runtime would, for node tests (libvidpipe_testing,
// installed with the SDK: find_package(vidpipe) and link vidpipe::testing). The idea is
// MediaPipe's CalculatorRunner:
//
//   auto node = vidpipe::testing::NodeRunner::from_plugin(PLUGIN_FILE, "sample.uniform", {{"nframes", 8}});
//   node.process(vidpipe::InfoPtr(info));
//   auto plan = node.output<vidpipe::SamplePlan>();        // what it emitted on port 0
//   CHECK(node.notes()["sample"]["mode"] == "nframes");    // what it recorded with Job::note
//
// Parameters go through the runtime's own layering and checks (node defaults < model profile <
// the given values): an unknown or renamed name, a wrong type or an out-of-range value throws the
// vidpipe::Error (kind configuration) `vidpipe run` would report, and a profile reaches only the
// parameters the node marks model-settable. The node's constructor then runs with them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vidpipe/sdk.hpp"

namespace vidpipe::testing {

class NodeRunner {
 public:
  // The node as the runtime builds it: `type` from the plugin library at `plugin_path`, which
  // stays loaded until the process ends (items the node made may outlive the runner).
  // `profile` is a model profile's values ({} for none).
  static NodeRunner from_plugin(const std::string& plugin_path, const std::string& type,
                                const json& params = json::object(), const json& profile = json::object());
  // A node class compiled into the test (T::spec() and T(const Params&), as Registry::add<T>).
  template <class T>
  static NodeRunner of(const json& params = json::object(), const json& profile = json::object()) {
    return NodeRunner(T::spec(), [](const Params& p) -> std::unique_ptr<Node> { return std::make_unique<T>(p); },
                      params, profile);
  }
  NodeRunner(NodeSpec spec, const NodeFactory& make, const json& params = json::object(),
             const json& profile = json::object());
  ~NodeRunner();
  NodeRunner(NodeRunner&&) noexcept;
  NodeRunner& operator=(NodeRunner&&) noexcept;

  const NodeSpec& spec() const;
  const Params& params() const;  // the effective values, with their origins
  // The job the node's calls run under (input, name, output folder); set before feeding items.
  VideoJob& video();

  // Source, Map, Expand: one call with `in` (a source: an empty Data). Exceptions propagate.
  void process(const Data& in = Data{});
  // Gather: one group, as the runtime hands it over.
  void collect(const Data& parent, std::vector<Data> items);
  // A node that streams (FrameUse::Stream), as the runtime runs it below a gather that streams:
  // open_frames(plan), write() for each frame of `clip`, then close() with the clip whose frames
  // are descriptors (no pixels); process() with that clip when open_frames returned nullptr.
  void stream(const PlanPtr& plan, const ClipPtr& clip);

  // What the node emitted so far on an output port (by index or name), in emission order.
  const std::vector<Data>& outputs(int port = 0) const;
  const std::vector<Data>& outputs(const std::string& port) const;
  // The i-th item on `port`, as T (throws when there is none or it is another type).
  template <class T> std::shared_ptr<const T> output(std::size_t i = 0, int port = 0) const {
    const auto& items = outputs(port);
    if (i >= items.size()) throw Error("the node emitted " + std::to_string(items.size()) + " items on port " +
                                       std::to_string(port) + ", not " + std::to_string(i + 1), "", ErrorKind::Internal);
    const auto* item = std::get_if<std::shared_ptr<const T>>(&items[i]);
    if (!item) throw Error("item " + std::to_string(i) + " on port " + std::to_string(port) + " is a " +
                           to_string(type_of(items[i])) + " item", "", ErrorKind::Internal);
    return *item;
  }

  json notes() const;          // what Job::note recorded
  std::string damage() const;  // what Job::mark_partial recorded ("" when nothing)
  void clear();                // forgets outputs, notes and damage (the node keeps its state)

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vidpipe::testing
