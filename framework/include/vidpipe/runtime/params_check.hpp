// The rules every parameter value passes, whichever layer sets it (node defaults < model profile
// < graph YAML < command line): resolve_graph applies them to a whole graph, the node test
// runner (vidpipe/testing.hpp) to one node, so a node sees the same values and the same errors
// in a test as in a run.
#pragma once

#include <optional>
#include <string>

#include "vidpipe/sdk/node.hpp"

namespace vidpipe::runtime {

// Why a value was refused. `message` names the node (`id` in the graph, its `type`).
struct ParamProblem {
  enum Kind : uint8_t { Unknown, Renamed, BadValue } kind = BadValue;
  std::string what;  // e.g. "unknown parameter 'fsp' (did you mean 'fps'?)"
  std::string hint;
  std::string message(const std::string& id, const std::string& type) const;
};

// Checks that `name` is declared (a renamed parameter names its successor) and that `value`
// fits its type, range and choices; converts integers to floats where a float is expected and
// a lone value to a list of one.
std::optional<ParamProblem> check_param(const NodeSpec& spec, const std::string& name, json& value);

// Whether a model profile's key `name` reaches this node: only parameters it marks
// model-settable, never a safety cap that shares a model parameter's name.
bool profile_sets(const NodeSpec& spec, const std::string& name);

}  // namespace vidpipe::runtime
