// The scene analysis of one input outside a graph (probe.ffmpeg, then analyze.scenes), for
// `vidpipe scenes` (scenes.cpp) and `vidpipe eval scenes` (eval.cpp).
#pragma once

#include <memory>
#include <string>

#include "commands.hpp"
#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::cli {

class SceneFinder {
 public:
  // Loads the plugins and builds both nodes; throws vidpipe::Error on a bad parameter.
  SceneFinder(const CommonOptions& common, const std::string& detector, double threshold, int64_t min_scene_len);
  ~SceneFinder();
  // analyze.scenes' `scenes` value for `input` (cuts, scenes, fades) plus "input"; throws per input.
  json find(const std::string& input);

 private:
  runtime::NodeRegistry& reg_ = process_registry();  // never unloaded: commands.hpp
  std::unique_ptr<Node> probe_, analyze_;
};

}  // namespace vidpipe::cli
