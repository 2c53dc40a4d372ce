// `vidpipe run [GRAPH] --messages FILE.json -o OUTDIR` (README.md: Chat messages): each vision
// element of a Qwen chat messages list processed with its own settings into OUTDIR/element_<i>,
// and OUTDIR/messages.json, the messages with every element resolved (messages.hpp).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/messages.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;
using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {

namespace {

json read_messages(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw Error("--messages " + file + ": cannot be read", "give a JSON file of chat messages", ErrorKind::Configuration);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error("--messages " + file + ": not valid JSON (" + std::string(e.what()) + ")",
                R"(a JSON list such as [{"role": "user", "content": [{"type": "video", "video": "a.mp4"}]}])",
                ErrorKind::Configuration);
  }
}

// OUTDIR/messages.json, written whole or not at all.
void write_messages(const std::string& out_dir, const json& messages) {
  const fs::path final_path = fs::path(out_dir) / "messages.json", tmp = fs::path(out_dir) / ".messages.json.tmp";
  {
    std::ofstream f(tmp);
    f << json_text(messages, 2) << "\n";
    if (!f.flush()) throw Error("cannot write " + tmp.string(), "check the free space of " + out_dir, ErrorKind::Resource);
  }
  fs::rename(tmp, final_path);
}

}  // namespace

int cmd_run_messages(const CommonOptions& common, const RunOptions& opt) {
  std::vector<std::string> args = opt.args;
  NodeRegistry& reg = process_registry();
  ResolvedGraph graph;
  json messages;
  try {
    const std::string graph_path = take_graph_argument(args);
    if (!args.empty())
      throw Error("--messages takes its inputs from the messages, got also " + display_input(args.front()),
                  "vidpipe run [GRAPH] --messages FILE.json -o OUTDIR", ErrorKind::Configuration);
    if (opt.skip_existing)  // an element's tokens and prompt come from processing it
      throw Error("--skip-existing does not work with --messages", "use --overwrite, or another -o OUTDIR",
                  ErrorKind::Configuration);
    messages = read_messages(opt.messages);
    Overrides ov;
    if (!model_overrides(opt.model, opt.hf_config, ov)) return kUsage;
    ov.sets = opt.sets;
    GraphSpec spec = parse_graph_file(graph_path);
    load_plugins(reg, common, spec.plugin_dirs);
    graph = resolve_graph(spec, reg, ov);
    vision_elements(messages);  // a file that is no messages list: refused before anything starts
    if (!opt.output_dir.empty() && fs::exists(fs::path(opt.output_dir) / "messages.json") && !opt.overwrite)
      throw Error(opt.output_dir + "/messages.json exists", "give --overwrite, or another -o OUTDIR", ErrorKind::Configuration);
  } catch (const Error& e) {
    print_error(e);
    return kUsage;
  }
  if (opt.dry_run) {
    std::cout << json_text(graph.config(), 2) << "\n";
    return kOk;
  }

  SessionOptions so;
  so.output_dir = opt.output_dir;
  so.existing = opt.overwrite ? ExistingOutput::Overwrite : ExistingOutput::Refuse;
  so.notice = [](const std::string& line) { print_error(line); };
  SubmitOptions submit;
  submit.keep_pixels = false;  // the clip is kept for its tokens and sizes; the frames are in the files
  std::vector<ElementJob> jobs;
  json resolved;
  bool interrupted = false;
  try {
    Session session(graph, so);
    InterruptScope on_ctrl_c(session);
    jobs = submit_messages(session, messages, submit);
    for (const auto& j : jobs) j.wait();
    resolved = resolve_messages(messages, jobs);
    interrupted = session.cancel_requested();
    if (!opt.output_dir.empty()) write_messages(opt.output_dir, resolved);
  } catch (const Error& e) {
    print_error(e);
    return e.kind() == ErrorKind::Configuration ? kUsage : kFailed;
  }

  std::size_t failed = 0;
  for (const auto& j : jobs) {
    const json s = resolved[j.at.message]["content"][j.at.content]["vidpipe"];
    if (!j.ok()) {
      ++failed;
      const std::string error = s.value("error", ""), hint = s.value("hint", "");
      print_error(error.find(hint) == std::string::npos ? with_fix(error, hint) : error);
      continue;
    }
    std::cout << fmt::format("element {}: {}, {} frames {}x{}, {} tokens{}\n", j.index, s.value("status", ""),
                             s.value("frames", 0), s.value("resized_width", 0), s.value("resized_height", 0),
                             s.value("tokens", 0), s.contains("output") ? ", " + s["output"].get<std::string>() : "");
  }
  if (opt.output_dir.empty()) std::cout << json_text(resolved, 2) << "\n";
  else std::cout << fmt::format("{} of {} elements ok; {}/messages.json\n", jobs.size() - failed, jobs.size(), opt.output_dir);
  if (interrupted) return kInterrupted;
  return failed ? kFailed : kOk;
}

}  // namespace vidpipe::cli
