// Per-input parameters: the node instances a job runs with.
//
// Nodes read their parameters in their constructors (sdk/node.hpp), so a job whose parameters
// differ (a per-input override: fps, nframes, max_pixels ...) needs instances built with them.
// The choice: build, per distinct set of overrides, only the nodes the overrides touch, share
// every other node with the session's base set, and keep a built set only while jobs use it.
// Carrying parameters with each job instead would change the node contract (the plugin ABI),
// and building every node per job would repeat work the common case (no overrides) never needs.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vidpipe/runtime/graph.hpp"

namespace vidpipe::runtime {

// The node instances of one parameter set, by graph node index, and the effective
// configuration they were built from (what Job::config() and metadata.json show).
struct NodeSet {
  std::vector<std::shared_ptr<Node>> nodes;
  json config;
};

class NodeSets {
 public:
  // Builds the base set; a node refusing its parameters throws GraphError (at its YAML line).
  explicit NodeSets(const ResolvedGraph& graph);
  const std::shared_ptr<const NodeSet>& base() const { return base_; }

  // The set for per-input `overrides` (a JSON object), a layer above the graph and the command
  // line for that job only:
  //   "node.param": value   that node's parameter;
  //   "param": value        every node that declares `param` and works on the clip (sampling,
  //                         planning, resizing, tokens, writing); the same-named safety limits of
  //                         probes and decoders (max_pixels, deadline) keep their values, so
  //                         name them as node.param to change them.
  // Throws vidpipe::Error naming the key on an unknown key, a bad value or a node refusing it.
  std::shared_ptr<const NodeSet> get(const json& overrides);

 private:
  std::shared_ptr<const NodeSet> build(const json& overrides) const;

  const ResolvedGraph& graph_;
  std::shared_ptr<const NodeSet> base_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<const NodeSet>> cache_;  // by canonical overrides text
};

}  // namespace vidpipe::runtime
