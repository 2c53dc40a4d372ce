// `vidpipe plan`: frames, indices, sizes, grid_thw, tokens and memory of each input from
// metadata alone (probe -> sample -> <model>.plan; nothing is decoded).
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"

namespace vidpipe::cli {

struct PlanOptions {
  std::vector<std::string> args;  // [GRAPH.yaml] INPUT...
  std::string model;
  std::string hf_config;  // --hf-config DIR, as `vidpipe run` takes it
  std::vector<std::string> sets;
  bool json = false;
};

int cmd_plan(const CommonOptions& common, const PlanOptions& opt);

}  // namespace vidpipe::cli
