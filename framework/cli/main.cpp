// vidpipe command line: argument parsing and signal handling; the work is in commands.cpp.
#include <atomic>
#include <csignal>
#include <string>
#include <cstdio>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "plan.hpp"
#include "vidpipe/sdk/version.hpp"

namespace {

// First Ctrl-C: stop starting new work, let running node calls finish, publish nothing
// half-written. Second Ctrl-C: leave at once.
extern "C" void on_interrupt(int) {
  static std::atomic<int> count{0};  // lock-free, so safe in a signal handler
  if (count.fetch_add(1) > 0) _exit(130);
  const char msg[] = "\nvidpipe: interrupted, finishing running node calls (Ctrl-C again to quit now)\n";
  [[maybe_unused]] auto n = write(STDERR_FILENO, msg, sizeof msg - 1);
  vidpipe::cli::interrupt();
}

// INPUT arguments are taken verbatim. CLI11 2.1 splits an argument "[a,b]" of a vector option
// into elements whenever the option allows extra args, which would turn a JSON list of image
// files given as one INPUT ('["a.png","b.png"]', one frame sequence) into two broken inputs.
// Without extra args a positional is filled only up to its expected minimum, so the minimum is
// set far above any real count: TakeAll skips the count check and required() still asks for
// one. A side effect is wanted: options never take a later INPUT as an extra value.
CLI::Option* verbatim_inputs(CLI::Option* o) {
  // (policy first: changing it from Throw would shrink the maximum to the minimum)
  return o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1 << 20, CLI::detail::expected_max_vector_size)
      ->allow_extra_args(false);
}

// --plugin-path and --no-registry-cache are accepted before and after the subcommand, and
// listed in every --help.
void add_plugin_options(CLI::App* app, vidpipe::cli::CommonOptions& common) {
  app->add_option_function<std::vector<std::string>>(
         "--plugin-path",
         [&common](const std::vector<std::string>& v) { common.plugin_paths.insert(common.plugin_paths.end(), v.begin(), v.end()); },
         "Extra plugin directory (repeatable)")
      ->type_name("DIR");
  app->add_flag_callback("--no-registry-cache", [&common] { common.registry_cache = false; },
                         "Load every plugin instead of reading their contracts from the cache (also VIDPIPE_NO_REGISTRY_CACHE=1)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vidpipe::cli;
  CLI::App app{"vidpipe: turns videos into model-ready inputs for multimodal models"};
  app.set_version_flag("--version", std::string("vidpipe ") + VIDPIPE_VERSION + " (plugin ABI " +
                                        std::to_string(VIDPIPE_ABI_MAJOR) + "." + std::to_string(VIDPIPE_ABI_MINOR) + ")");
  app.require_subcommand(1);
  CommonOptions common;
  add_plugin_options(&app, common);

  RunOptions run;
  auto* r = app.add_subcommand("run", "Run a graph on inputs: vidpipe run [GRAPH] INPUT... (default graph: qwen2_5_vl)");
  auto* run_args = verbatim_inputs(r->add_option("args", run.args, "[GRAPH] INPUT... (" + std::string(kGraphArgHelp) + ")"));
  // With --messages the inputs come from the file: INPUT is optional then. required() is what
  // makes verbatim_inputs fill the positional, so it is dropped only in that case.
  bool messages_mode = false;
  for (int i = 1; i < argc; ++i)
    messages_mode = messages_mode || std::string(argv[i]) == "--messages" || std::string(argv[i]).rfind("--messages=", 0) == 0;
  if (!messages_mode) run_args->required();
  r->add_option("-o,--output", run.output_dir, "Output folder: one sub-folder per input")->type_name("OUTDIR");
  auto* overwrite = r->add_flag("--overwrite", run.overwrite,
                                "Replace an existing output of the same input (never anything vidpipe did not write)");
  r->add_flag("--skip-existing", run.skip_existing, "Skip inputs whose complete output is already in OUTDIR")
      ->excludes(overwrite);
  r->add_flag("--hashed-names", run.hashed_names,
              "Name output folders <stem>-<hash of the input>: the same in every run and shard");
  r->add_option("--model", run.model, "Model profile (overrides the graph's `model:`)");
  r->add_option("--messages", run.messages,
                "A Qwen chat messages list: each video/image element with its own settings; writes OUTDIR/messages.json")
      ->type_name("FILE.json");
  r->add_option("--hf-config", run.hf_config,
                "A Hugging Face model folder: profile and constants from its preprocessor_config.json / "
                "video_preprocessor_config.json")
      ->type_name("DIR");
  r->add_option("--set", run.sets, "Override a parameter: node.param=value (repeatable)")->type_name("K=V");
  r->add_flag("--profile", run.profile, "Print the per-node profile table");
  r->add_option("--trace", run.trace, "Write a Chrome trace (Perfetto / chrome://tracing)")->type_name("FILE");
  r->add_flag("--json", run.json, "Print the result summary as JSON");
  r->add_flag("--dry-run", run.dry_run, "Validate and print the effective configuration; process nothing");
  r->add_flag("--strict", run.strict, "Exit 1 when an input is partial (damaged input; its outputs are still written)");

  PlanOptions plan;
  auto* pl = app.add_subcommand("plan", "Frames, sizes, grid_thw, tokens and memory from metadata alone (no decoding)");
  verbatim_inputs(pl->add_option("args", plan.args, "[GRAPH] INPUT... (" + std::string(kGraphArgHelp) + ")")->required());
  pl->add_option("--model", plan.model, "Model profile (overrides the graph's `model:`)");
  pl->add_option("--hf-config", plan.hf_config, "A Hugging Face model folder, as `vidpipe run` takes it")->type_name("DIR");
  pl->add_option("--set", plan.sets, "Override a parameter: node.param=value (repeatable)")->type_name("K=V");
  pl->add_flag("--json", plan.json,
               "JSON output: {\"graph\", \"model\", \"plan_node\", \"videos\": [one object per input], \"wall_ms\"}");

  std::string graph, validate_model;
  std::vector<std::string> validate_sets;
  auto* v = app.add_subcommand("validate", "Check a graph against the node contracts");
  v->add_option("graph", graph, "GRAPH (" + std::string(kGraphArgHelp) + ")")->required();
  v->add_option("--model", validate_model, "Model profile (overrides the graph's `model:`)");
  v->add_option("--set", validate_sets, "Override a parameter: node.param=value")->type_name("K=V");

  bool dot = false;
  auto* g = app.add_subcommand("graph", "Print a graph (Graphviz with --dot)");
  g->add_option("graph", graph, "GRAPH (" + std::string(kGraphArgHelp) + ")")->required();
  g->add_flag("--dot", dot, "Graphviz output (the default)");

  bool json = false;
  auto* p = app.add_subcommand("plugins", "List loaded plugins, node types and model profiles");
  p->add_flag("--json", json, "JSON with every contract");

  std::string type;
  auto* d = app.add_subcommand("describe", "Show a node type's contract or a model profile");
  d->add_option("type", type, "TYPE (e.g. decode.ffmpeg) or model profile name")->required();
  d->add_flag("--json", json, "JSON output");

  std::string probe_input;
  std::vector<std::string> probe_sets;
  bool probe_json = false;
  auto* pr = app.add_subcommand("probe", "Show what vidpipe learns about an input (video, URL, base64, -, frame folder)");
  pr->add_option("input", probe_input, "INPUT")->required();
  pr->add_flag("--json", probe_json, "JSON output");
  pr->add_option("--set", probe_sets, "Override a probe.ffmpeg parameter: param=value (e.g. images_fps=5)")->type_name("K=V");

  ScenesOptions scenes;
  auto* sc = app.add_subcommand("scenes", "Cuts, scenes and fades of each input (analyze.scenes)");
  verbatim_inputs(sc->add_option("inputs", scenes.inputs, "INPUT...")->required());
  sc->add_option("--detector", scenes.detector, "adaptive (default), content, threshold (fades), hash or scdet");
  sc->add_option("--threshold", scenes.threshold, "The detector's cut-off (default: its own)");
  sc->add_option("--min-scene-len", scenes.min_scene_len, "Frames a scene has at least (default 15)");
  auto* sc_json = sc->add_flag("--json", scenes.json, "JSON: {\"cuts\", \"scenes\", \"fades\"} (several inputs: {\"videos\": [...]})");
  sc->add_option("--csv", scenes.csv, "Write the scene list as PySceneDetect's list-scenes CSV (one INPUT)")
      ->type_name("FILE")
      ->excludes(sc_json);
  sc->add_option("--contact-sheet", scenes.contact_sheet,
                 "Write a JPEG grid of the shots' frames, new shots marked (one INPUT; graphs/contact_sheet.yaml)")
      ->type_name("FILE");

  EvalOptions eval;
  auto* ev = app.add_subcommand("eval", "Score a scene detector or a sampler against ground truth");
  ev->require_subcommand(1);
  auto* evs = ev->add_subcommand("scenes", "Precision, recall and F1 of the cuts (greedy one-to-one within ±tolerance)");
  verbatim_inputs(evs->add_option("inputs", eval.inputs, "INPUT...")->required());
  evs->add_option("--truth", eval.truth, "JSON: {\"file name\": {\"cuts\": [...], \"ambiguous\": [...], \"gradual\": [[a, b]]}}")
      ->required()
      ->type_name("TRUTH.json");
  evs->add_option("--tolerance", eval.tolerance, "Frames a cut may be off (default 1)");
  evs->add_option("--detector", eval.detector, "adaptive (default), content, threshold, hash or scdet");
  evs->add_option("--threshold", eval.threshold, "The detector's cut-off (default: its own)");
  evs->add_option("--min-scene-len", eval.min_scene_len, "Frames a scene has at least (default 15)");
  evs->add_flag("--json", eval.json, "JSON with per-video counts and \"overall\": {precision, recall, f1, ...}");

  auto* evp = ev->add_subcommand("sampler", "Shot coverage, largest gap and decode cost of a sampler's picks");
  verbatim_inputs(evp->add_option("inputs", eval.inputs, "INPUT...")->required());
  evp->add_option("--truth", eval.truth, "JSON: {\"file name\": {\"cuts\": [first frame of each new shot]}}")
      ->required()
      ->type_name("TRUTH.json");
  evp->add_option("--graph", eval.graph, "The graph whose sampler is scored (default qwen2_5_vl_scenes)")
      ->type_name("GRAPH");
  evp->add_option("--set", eval.sets, "Override a parameter, e.g. sample.type=sample.uniform (repeatable)")
      ->type_name("K=V");
  evp->add_flag("--json", eval.json, "JSON with per-video figures and \"overall\"");

  for (CLI::App* sub : {r, pl, v, g, p, d, pr, sc, ev, evs, evp}) add_plugin_options(sub, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  try {
    if (r->parsed()) return cmd_run(common, run);
    if (pl->parsed()) return cmd_plan(common, plan);
    if (v->parsed()) return cmd_validate(common, graph, validate_model, validate_sets);
    if (g->parsed()) return cmd_graph(common, graph);
    if (p->parsed()) return cmd_plugins(common, json);
    if (d->parsed()) return cmd_describe(common, type, json);
    if (pr->parsed()) return cmd_probe(common, probe_input, probe_json, probe_sets);
    if (sc->parsed()) return cmd_scenes(common, scenes);
    if (evs->parsed()) return cmd_eval_scenes(common, eval);
    if (evp->parsed()) return cmd_eval_sampler(common, eval);
  } catch (const std::exception& e) {  // usage errors thrown before a command starts, and a last net
    print_error(e);
  }
  return kUsage;
}
