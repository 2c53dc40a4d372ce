// The `vidpipe` subcommands. Each returns the process exit code:
//   0 success (inputs ok or partial), 1 at least one input failed (run --strict: or was partial),
//   2 bad usage / graph / plugin, 130 interrupted.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace vidpipe::runtime {
class NodeRegistry;
struct Overrides;
class Session;
class Executor;
}

namespace vidpipe::cli {

// Exit codes shared by every subcommand.
inline constexpr int kOk = 0, kFailed = 1, kUsage = 2, kInterrupted = 130;

struct CommonOptions {
  std::vector<std::string> plugin_paths;  // --plugin-path
  bool registry_cache = true;             // --no-registry-cache turns it off
};

struct RunOptions {
  std::vector<std::string> args;  // [GRAPH.yaml] INPUT...
  std::string output_dir, model, trace;
  std::string messages;   // --messages FILE.json: a Qwen chat messages list (messages.cpp)
  std::string hf_config;  // --hf-config DIR: profile and constants from a model folder
  std::vector<std::string> sets;
  bool profile = false, json = false, dry_run = false;
  bool overwrite = false, skip_existing = false;  // an existing output of the same input
  bool hashed_names = false;
  bool strict = false;  // a partial input (damaged, outputs written) fails the run's exit code
};

inline constexpr const char* kGraphArgHelp = "a .yaml file or a shipped graph's name, e.g. qwen3_vl";

// The graph file a GRAPH argument names: a .yaml/.yml path, or a shipped graph's name
// (`qwen3_vl`, or `qwen3_vl.yaml` when no such file is here). Throws vidpipe::Error when a
// name could be both a shipped graph and a file here.
std::string graph_file(const std::string& arg);
// `[GRAPH] INPUT...` (run, plan): removes the graph from `args` and returns its file, or the
// default graph's when the first argument is not a graph. Throws like graph_file.
std::string take_graph_argument(std::vector<std::string>& args);
// The registry of this process's one command. Never destroyed, so the plugin libraries stay
// loaded until the process ends: unloading them one by one at exit (dlclose of FFmpeg's ~140
// libraries) cost every command ~1 ms for nothing (docs/architecture.md, "What a run loads").
runtime::NodeRegistry& process_registry();
// Registers the plugins of the search path and the graph's own `plugins:` dirs, and prints a
// warning for each library it skipped. Throws vidpipe::Error on a refused plugin. With the
// registry cache a plugin's library is loaded only when a node of it is built; VIDPIPE_VERBOSE=1
// prints what the cache did and each library loaded.
void load_plugins(runtime::NodeRegistry& reg, const CommonOptions& common, const std::vector<std::string>& graph_dirs);
// One line per problem on stderr: a graph's diagnostics as they are, anything else as
// "vidpipe: message (fix: ...)".
void print_error(const std::exception& e);
void print_error(const std::string& message);

// Ctrl-C (main.cpp's handler; async-signal-safe): cancels the session or executor an
// InterruptScope names, or the one that will be named next.
void interrupt() noexcept;
struct InterruptScope {
  explicit InterruptScope(runtime::Session& s);
  explicit InterruptScope(runtime::Executor& e);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

int cmd_run(const CommonOptions& common, const RunOptions& opt);
// `vidpipe run [GRAPH] --messages FILE.json [-o OUTDIR]` (messages.cpp): 0 ok, 1 an element failed, 2 usage.
int cmd_run_messages(const CommonOptions& common, const RunOptions& opt);
// --model and --hf-config into `ov` (a model folder's profile unless --model names one). Prints
// the error and returns false when the folder is refused.
bool model_overrides(const std::string& model, const std::string& hf_config, runtime::Overrides& ov);
int cmd_validate(const CommonOptions& common, const std::string& graph, const std::string& model,
                 const std::vector<std::string>& sets);
int cmd_graph(const CommonOptions& common, const std::string& graph);
int cmd_plugins(const CommonOptions& common, bool json);
int cmd_describe(const CommonOptions& common, const std::string& type, bool json);
// `vidpipe probe INPUT [--json] [--set param=value]` (probe.cpp): 0 ok, 1 the input failed, 2 usage.
int cmd_probe(const CommonOptions& common, const std::string& input, bool json, const std::vector<std::string>& sets);

struct ScenesOptions {
  std::vector<std::string> inputs;
  std::string detector = "adaptive", csv;
  std::string contact_sheet;  // --contact-sheet FILE: a JPEG of the shots (graphs/contact_sheet.yaml)
  double threshold = 0;  // 0: the detector's default
  int64_t min_scene_len = 15;
  bool json = false;
};
// `vidpipe scenes INPUT...` (scenes.cpp): 0 ok, 1 an input failed, 2 usage.
int cmd_scenes(const CommonOptions& common, const ScenesOptions& opt);

struct EvalOptions : ScenesOptions {
  std::string truth;      // TRUTH.json
  int64_t tolerance = 1;  // frames
  std::string graph;                // eval sampler: the graph whose sampler is scored ("": qwen2_5_vl_scenes)
  std::vector<std::string> sets;    // eval sampler: --set node.param=value
};
// `vidpipe eval scenes --truth TRUTH.json INPUT...` (eval.cpp): 0 ok, 1 an input failed, 2 usage.
int cmd_eval_scenes(const CommonOptions& common, const EvalOptions& opt);
// `vidpipe eval sampler --truth TRUTH.json INPUT...` (eval_sampler.cpp): 0 ok, 1 an input failed, 2 usage.
int cmd_eval_sampler(const CommonOptions& common, const EvalOptions& opt);

}  // namespace vidpipe::cli
