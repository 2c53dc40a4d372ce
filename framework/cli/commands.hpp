// The `vidpipe` subcommands. Each returns the process exit code:
//   0 success (inputs ok or partial), 1 at least one input failed (run --strict: or was partial),
//   2 bad usage / graph / plugin, 130 interrupted.
#pragma once

#include <string>
#include <vector>

namespace vidpipe::cli {

// Exit codes shared by every subcommand.
inline constexpr int kOk = 0, kFailed = 1, kUsage = 2, kInterrupted = 130;

struct CommonOptions {
  std::vector<std::string> plugin_paths;  // --plugin-path
};

struct RunOptions {
  std::vector<std::string> args;  // [GRAPH.yaml] INPUT...
  std::string output_dir, model, trace;
  std::vector<std::string> sets;
  bool profile = false, json = false, dry_run = false;
  bool strict = false;  // a partial input (damaged, outputs written) fails the run's exit code
};

int cmd_run(const CommonOptions& common, const RunOptions& opt);
int cmd_validate(const CommonOptions& common, const std::string& graph, const std::vector<std::string>& sets);
int cmd_graph(const CommonOptions& common, const std::string& graph);
int cmd_plugins(const CommonOptions& common, bool json);
int cmd_describe(const CommonOptions& common, const std::string& type, bool json);
// `vidpipe probe INPUT [--json] [--set param=value]` (probe.cpp): 0 ok, 1 the input failed, 2 usage.
int cmd_probe(const CommonOptions& common, const std::string& input, bool json, const std::vector<std::string>& sets);

}  // namespace vidpipe::cli
