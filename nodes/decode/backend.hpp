// A decoder backend as decode.auto sees it: its contract and its factory (recorded in
// plugin.cpp while the plugin registers its nodes).
#pragma once

#include <map>
#include <string>

#include <vidpipe/sdk/node.hpp>

namespace vidpipe::nodes::decode {

struct Backend {
  NodeSpec spec;
  NodeFactory make;
};

void register_decode_auto(Registry& r, const std::map<std::string, Backend>& backends);

}  // namespace vidpipe::nodes::decode
