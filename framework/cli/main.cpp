// vidpipe command line: argument parsing and signal handling; the work is in commands.cpp.
#include <csignal>
#include <cstdio>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/sdk/version.hpp"

namespace {

// First Ctrl-C: stop starting new work, let running node calls finish, publish nothing
// half-written. Second Ctrl-C: leave at once.
extern "C" void on_interrupt(int) {
  static volatile std::sig_atomic_t count = 0;
  if (++count > 1) _exit(130);
  const char msg[] = "\nvidpipe: interrupted, finishing running node calls (Ctrl-C again to quit now)\n";
  [[maybe_unused]] auto n = write(STDERR_FILENO, msg, sizeof msg - 1);
  vidpipe::runtime::Executor::request_cancel();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vidpipe::cli;
  CLI::App app{"vidpipe: turns videos into model-ready inputs for multimodal models"};
  app.set_version_flag("--version", std::string("vidpipe ") + VIDPIPE_VERSION + " (plugin ABI " +
                                        std::to_string(VIDPIPE_ABI_MAJOR) + "." + std::to_string(VIDPIPE_ABI_MINOR) + ")");
  app.require_subcommand(1);
  CommonOptions common;
  app.add_option("--plugin-path", common.plugin_paths, "Extra plugin directory (repeatable)")->type_name("DIR");

  RunOptions run;
  auto* r = app.add_subcommand("run", "Run a graph on inputs: vidpipe run [GRAPH.yaml] INPUT... (default graph: qwen2_5_vl.yaml)");
  r->add_option("args", run.args, "[GRAPH.yaml] INPUT...")->required();
  r->add_option("-o,--output", run.output_dir, "Output folder: one sub-folder per input")->type_name("OUTDIR");
  r->add_option("--model", run.model, "Model profile (overrides the graph's `model:`)");
  r->add_option("--set", run.sets, "Override a parameter: node.param=value (repeatable)")->type_name("K=V");
  r->add_flag("--profile", run.profile, "Print the per-node profile table");
  r->add_option("--trace", run.trace, "Write a Chrome trace (Perfetto / chrome://tracing)")->type_name("FILE");
  r->add_flag("--json", run.json, "Print the result summary as JSON");
  r->add_flag("--dry-run", run.dry_run, "Validate and print the effective configuration; process nothing");

  std::string graph;
  std::vector<std::string> validate_sets;
  auto* v = app.add_subcommand("validate", "Check a graph against the node contracts");
  v->add_option("graph", graph, "GRAPH.yaml")->required();
  v->add_option("--set", validate_sets, "Override a parameter: node.param=value")->type_name("K=V");

  bool dot = false;
  auto* g = app.add_subcommand("graph", "Print a graph (Graphviz with --dot)");
  g->add_option("graph", graph, "GRAPH.yaml")->required();
  g->add_flag("--dot", dot, "Graphviz output (the default)");

  bool json = false;
  auto* p = app.add_subcommand("plugins", "List loaded plugins, node types and model profiles");
  p->add_flag("--json", json, "JSON with every contract");

  std::string type;
  auto* d = app.add_subcommand("describe", "Show a node type's contract or a model profile");
  d->add_option("type", type, "TYPE (e.g. decode.ffmpeg) or model profile name")->required();
  d->add_flag("--json", json, "JSON output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  if (r->parsed()) return cmd_run(common, run);
  if (v->parsed()) return cmd_validate(common, graph, validate_sets);
  if (g->parsed()) return cmd_graph(common, graph);
  if (p->parsed()) return cmd_plugins(common, json);
  if (d->parsed()) return cmd_describe(common, type, json);
  return 2;
}
