// A decoder backend as decode.auto sees it: its contract and its factory (recorded in
// plugin.cpp while the plugin registers its nodes).
#pragma once

#include <map>
#include <string>
#include <utility>

#include <vidpipe/sdk/node.hpp>

namespace vidpipe::nodes::decode {

struct Backend {
  NodeSpec spec;
  NodeFactory make;
};

// decode.ffmpeg fused_resize: the {height, width} a planning node decided (plan.resize);
// throws a configuration error naming the fix when the plan has none. decode.auto checks it
// before trying backends, so a wrong graph is not mistaken for a broken input.
std::pair<int, int> fused_size(const SamplePlan& plan);

void register_decode_auto(Registry& r, const std::map<std::string, Backend>& backends);

}  // namespace vidpipe::nodes::decode
