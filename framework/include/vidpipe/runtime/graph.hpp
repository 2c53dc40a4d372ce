// Graph descriptions: the YAML spec as written (GraphSpec, with source locations) and the
// validated graph with every parameter resolved through the configuration layers
// (ResolvedGraph): node defaults < model profile < graph YAML < command line.
//
//   vidpipe: 1                      # schema version
//   name: qwen2_5_vl
//   model: qwen2_5_vl               # a model profile from a plugin (--model overrides)
//   plugins: [./my_plugins]         # extra plugin dirs, relative to this file
//   settings: {threads: 0, max_jobs_in_flight: 2, max_frames_in_flight: 16}
//   nodes:
//     probe:  {type: probe.ffmpeg, in: input}      # `input`: the run's inputs (source.inputs)
//     sample: {type: sample.uniform, in: probe.info, params: {fps: 2.0}}
//     ...
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/sdk/error.hpp"

namespace vidpipe::runtime {

struct Loc {
  std::string file;
  int line = 0, col = 0;  // 1-based; 0 when unknown
  std::string str() const;
};

struct Diagnostic {
  Loc loc;
  std::string message;
  std::string hint;
  std::string str() const;  // "file:line:col: error: message (fix: hint)", one line
};

// One or more problems with a graph, all reported at once, each with its location.
class GraphError : public Error {
 public:
  explicit GraphError(std::vector<Diagnostic> diags);
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }

 private:
  std::vector<Diagnostic> diags_;
};

struct Settings {
  int threads = 0;               // TBB worker threads; 0 = all cores
  int max_jobs_in_flight = 2;    // videos decoded at once (bounds memory in batch mode)
  int max_frames_in_flight = 16; // frames between an expander (decoder) and its gather
  bool profile = true;           // per-node timing (counts are always kept)
};

struct ParamDecl {
  std::string name;
  json value;
  Loc loc;
};

struct NodeDecl {
  std::string id, type, in;
  Loc loc, type_loc, in_loc;
  std::optional<int> concurrency, max_in_flight;
  std::vector<ParamDecl> params;
};

struct GraphSpec {
  std::string file;  // path the spec came from ("<string>" when parsed from text)
  std::string name, doc, model;
  Loc model_loc;
  std::vector<std::string> plugin_dirs;  // absolute
  Settings settings;
  std::vector<NodeDecl> nodes;
};

// Parses YAML text or a file; throws GraphError for syntax and structure problems.
GraphSpec parse_graph_file(const std::string& path);
GraphSpec parse_graph_text(const std::string& text, const std::string& name = "<string>");

struct Overrides {
  std::optional<std::string> model;              // --model
  std::vector<std::string> sets;                 // --set node.param=value / settings.key=value
  std::vector<std::string> inputs;               // the run's inputs (param `inputs` of the source)
  json profile_params = json::object();          // profile constants replaced (--hf-config, hf_config.hpp)
};

struct ResolvedNode {
  std::string id;
  const NodeEntry* entry = nullptr;
  Params params;
  json effective = json::object();  // {param: {"value": v, "from": origin}}
  int concurrency = 1;
  int max_in_flight = 0;            // Source/Expand credit; 0 elsewhere
  int upstream = -1;                // index of the node feeding the input port (-1: none)
  int upstream_port = 0;
  Loc loc;
};

struct ResolvedGraph {
  std::string file, name, model;
  Settings settings;
  std::vector<ResolvedNode> nodes;  // upstream nodes come first
  json config() const;              // the effective configuration, as --dry-run prints it
  std::string dot() const;          // Graphviz
};

// Validates `spec` against the registry's contracts and applies the layers. Throws GraphError
// listing every problem (unknown type/param, bad value, bad wiring, cycles, empty graph, two
// writers of one file, a profile that does not fit, a node refusing its parameters...).
ResolvedGraph resolve_graph(const GraphSpec& spec, const NodeRegistry& registry, const Overrides& overrides);

// Builds node `n` with its parameters. A constructor's refusal becomes a diagnostic at the
// node's line and nullptr is returned.
std::unique_ptr<Node> build_node(const ResolvedNode& n, std::vector<Diagnostic>& diags);

}  // namespace vidpipe::runtime
