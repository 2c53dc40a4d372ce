#include "commands.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "vidpipe/runtime/batch.hpp"
#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/output_names.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/report.hpp"
#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;
using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {
namespace {

// Ctrl-C cancels the command's session (or executor); one seen before it exists cancels it at
// its start.
std::atomic<bool> g_interrupted{false};
std::atomic<Session*> g_session{nullptr};
std::atomic<Executor*> g_executor{nullptr};

bool has_graph_extension(const std::string& a) {
  auto ext = fs::path(a).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// The shipped graph a bare name (`qwen3_vl` or `qwen3_vl.yaml`) names, or "".
std::string shipped_graph(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return "";
  const fs::path p = fs::path(graphs_dir()) / (has_graph_extension(name) ? name : name + ".yaml");
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : "";
}

// graph_file, or "" when `arg` may be an input and names no graph.
std::string graph_or_input(const std::string& arg, bool input_too) {
  std::error_code ec;
  const bool here = fs::exists(arg, ec);
  const std::string shipped = shipped_graph(arg);
  if (has_graph_extension(arg)) return here || shipped.empty() ? arg : shipped;
  if (shipped.empty()) return input_too ? "" : arg;
  if (here)
    throw Error(fmt::format("'{}' names both the shipped graph {} and a file here", arg, shipped),
                fmt::format("write ./{} for the file, or {} for the graph", arg, shipped), ErrorKind::Configuration);
  return shipped;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// Parse + load plugins + resolve. Errors are printed; returns false on failure.
bool prepare(NodeRegistry& reg, const CommonOptions& common, const std::string& graph_path, const Overrides& ov,
             ResolvedGraph& out) {
  try {
    GraphSpec spec = parse_graph_file(graph_path);
    load_plugins(reg, common, spec.plugin_dirs);
    out = resolve_graph(spec, reg, ov);
    return true;
  } catch (const Error& e) {
    print_error(e);
  }
  return false;
}

std::string param_line(const ParamSpec& p) {
  std::string range;
  if (p.min || p.max) range = fmt::format(" [{}, {}]", p.min ? fmt::format("{}", *p.min) : "", p.max ? fmt::format("{}", *p.max) : "");
  if (!p.choices.empty()) {
    range = " {";
    for (std::size_t i = 0; i < p.choices.size(); ++i) range += (i ? "|" : "") + p.choices[i];
    range += "}";
  }
  return fmt::format("  {:<20} {:<11} default {:<12}{}  {}{}", p.name, to_string(p.type),
                     p.default_value.is_null() ? "unset" : p.default_value.dump(), range, p.doc,
                     p.model_settable ? " (a model profile may set it)" : "");
}

// The pixel formats a node's frame input takes (NodeSpec::frame_formats; empty: packed host
// frames); none when it has no frame input.
std::vector<std::string> taken_formats(const NodeSpec& s) {
  std::vector<std::string> names;
  const bool frames = std::any_of(s.inputs.begin(), s.inputs.end(), [](const PortSpec& p) { return p.type == DataType::Frame; });
  if (!frames) return names;
  if (s.frame_formats.empty())
    for (auto f : {PixelFormat::RGB24, PixelFormat::BGR24, PixelFormat::GRAY8}) names.push_back(to_string(f));
  for (auto f : s.frame_formats) names.push_back(to_string(f));
  return names;
}

json spec_json(const NodeEntry& e) {
  const NodeSpec& s = e.spec;
  json ports_in = json::array(), ports_out = json::array(), params = json::array();
  for (const auto& p : s.inputs) ports_in.push_back({{"name", p.name}, {"type", to_string(p.type)}, {"doc", p.doc}});
  for (const auto& p : s.outputs) ports_out.push_back({{"name", p.name}, {"type", to_string(p.type)}, {"doc", p.doc}});
  for (const auto& p : s.params) {
    json j = {{"name", p.name}, {"type", to_string(p.type)}, {"default", p.default_value}, {"doc", p.doc}};
    if (p.min) j["min"] = *p.min;
    if (p.max) j["max"] = *p.max;
    if (!p.choices.empty()) j["choices"] = p.choices;
    j["model_settable"] = p.model_settable;
    params.push_back(j);
  }
  json formats = json::array();
  for (const auto& f : taken_formats(s)) formats.push_back(f);
  json renamed = json::array();
  for (const auto& r : s.renamed) renamed.push_back({{"old", r.old_name}, {"new", r.new_name}, {"why", r.why}});
  return {{"type", s.type}, {"doc", s.doc}, {"shape", to_string(s.shape)}, {"role", to_string(s.role)},
          {"frames", to_string(s.frame_use)}, {"concurrency", s.concurrency == 0 ? json("parallel") : json(s.concurrency)},
          {"inputs", ports_in}, {"outputs", ports_out}, {"frame_formats", formats}, {"params", params}, {"renamed", renamed},
          {"plugin", e.plugin}, {"path", e.path}};
}

json backend_json(const BackendEntry& b) {
  return {{"name", b.name()}, {"node", b.spec.contract.type}, {"rank", b.spec.rank}, {"containers", b.spec.containers},
          {"local_files_only", b.spec.local_files_only}, {"plugin", b.plugin}, {"path", b.path}};
}

// The decoder backends, highest rank first (decode.auto's order), then by name.
std::vector<const BackendEntry*> backends_by_rank(const NodeRegistry& reg) {
  std::vector<const BackendEntry*> out;
  for (const auto& [name, b] : reg.backends()) out.push_back(&b);
  std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->spec.rank > b->spec.rank; });
  return out;
}

// The backends node type `type` decodes with (none for a node that is not a decode node).
json backends_of(const NodeRegistry& reg, const std::string& type) {
  json out = json::array();
  for (const BackendEntry* b : backends_by_rank(reg)) {
    const auto& c = b->spec.containers;
    const bool sequences = std::find(c.begin(), c.end(), "image_sequence") != c.end();
    if (type == "decode.auto" || (type == "decode.images" && sequences) || type == b->spec.contract.type)
      out.push_back(backend_json(*b));
  }
  return out;
}

std::string containers_text(const DecoderBackendSpec& s) {
  return s.containers.empty() ? "any video" : join(s.containers, ", ");
}

}  // namespace

void interrupt() noexcept {
  g_interrupted.store(true);
  if (Session* s = g_session.load()) s->request_cancel();
  if (Executor* e = g_executor.load()) e->request_cancel();
}

InterruptScope::InterruptScope(Session& s) {
  g_session.store(&s);
  if (g_interrupted.load()) s.request_cancel();
}

InterruptScope::InterruptScope(Executor& e) {
  g_executor.store(&e);
  if (g_interrupted.load()) e.request_cancel();
}

InterruptScope::~InterruptScope() {
  g_session.store(nullptr);
  g_executor.store(nullptr);
}

std::string graph_file(const std::string& arg) { return graph_or_input(arg, false); }

std::string take_graph_argument(std::vector<std::string>& args) {
  if (!args.empty())
    if (std::string graph = graph_or_input(args.front(), true); !graph.empty()) {
      args.erase(args.begin());
      return graph;
    }
  return graphs_dir() + "/qwen2_5_vl.yaml";
}

NodeRegistry& process_registry() {
  static NodeRegistry* const reg = new NodeRegistry;  // never destroyed: see commands.hpp
  return *reg;
}

void load_plugins(NodeRegistry& reg, const CommonOptions& common, const std::vector<std::string>& graph_dirs) {
  std::vector<std::string> extra = graph_dirs;
  extra.insert(extra.end(), common.plugin_paths.begin(), common.plugin_paths.end());
  const char* verbose = std::getenv("VIDPIPE_VERBOSE");
  std::function<void(const std::string&)> notice;
  if (verbose && *verbose && std::string(verbose) != "0") notice = [](const std::string& line) { print_error(line); };
  reg.load_dirs_cached(plugin_search_path(extra), common.registry_cache ? default_registry_cache_file() : "", notice);
  for (const auto& w : reg.warnings())
    std::cerr << "vidpipe: warning: " << printable(with_fix(w, "remove it from the plugin folder")) << "\n";
}

void print_error(const std::exception& e) {
  if (dynamic_cast<const GraphError*>(&e)) {  // one "file:line:col: error: ..." line per problem
    std::istringstream lines(e.what());
    for (std::string line; std::getline(lines, line);) std::cerr << printable(line) << "\n";
    return;
  }
  const auto* error = dynamic_cast<const Error*>(&e);
  print_error(with_fix(one_line(e.what()), error ? one_line(error->hint()) : ""));
}

// Messages quote inputs, which may hold control characters: escaped before printing.
void print_error(const std::string& message) { std::cerr << "vidpipe: " << printable(message) << "\n"; }

int cmd_run(const CommonOptions& common, const RunOptions& opt) {
  if (!opt.messages.empty()) return cmd_run_messages(common, opt);
  std::vector<std::string> inputs = opt.args;
  const std::string graph_path = take_graph_argument(inputs);  // an ambiguous name: main reports it
  if (inputs.empty() && !opt.dry_run) {
    print_error("no input given: vidpipe run [GRAPH] INPUT... (see vidpipe run --help)");
    return kUsage;
  }
  Overrides ov;
  if (!model_overrides(opt.model, opt.hf_config, ov)) return kUsage;
  ov.sets = opt.sets;
  ov.inputs = inputs;

  NodeRegistry& reg = process_registry();
  ResolvedGraph graph;
  if (!prepare(reg, common, graph_path, ov, graph)) return kUsage;
  if (opt.dry_run) {
    std::cout << json_text(graph.config(), 2) << "\n";
    return kOk;
  }

  // A writer streaming lines to stdout (format.jsonl to: stdout) owns it: the report goes to stderr.
  const bool lines_on_stdout = std::any_of(graph.nodes.begin(), graph.nodes.end(), [](const ResolvedNode& n) {
    return n.entry->spec.type == "format.jsonl" && n.params.get<std::string>("to") == "stdout";
  });
  std::ostream& report_out = lines_on_stdout ? std::cerr : std::cout;
  if (opt.output_dir.empty() && !lines_on_stdout)
    print_error("no -o OUTDIR given: nothing is written, results are only summarised (vidpipe run ... -o OUTDIR)");
  SessionOptions so;
  so.output_dir = opt.output_dir;
  so.trace = !opt.trace.empty();
  so.existing = opt.overwrite ? ExistingOutput::Overwrite : opt.skip_existing ? ExistingOutput::Skip : ExistingOutput::Refuse;
  so.hashed_names = opt.hashed_names;
  so.notice = [](const std::string& line) { print_error(line); };
  RunReport report;
  try {
    Session session(graph, so);
    InterruptScope on_ctrl_c(session);
    Batch batch(session);
    std::string run_error;
    const bool input_source = std::any_of(graph.nodes.begin(), graph.nodes.end(), [](const ResolvedNode& n) {
      return n.entry->spec.type == "source.inputs";
    });
    if (input_source) {
      // One job per input, named as source.inputs names them; those never started are
      // listed too ("not started"), so a batch can be resumed.
      const std::vector<AssignedName> names = assign_names(inputs);
      for (std::size_t i = 0; i < inputs.size(); ++i) batch.add(inputs[i], names[i].name);
    } else {
      run_error = batch.add_source_jobs();
    }
    report = batch.finish();
    report.run_error = run_error;
  } catch (const Error& e) {  // the graph or the -o folder refused, or a resource failed
    print_error(e);
    return e.kind() == ErrorKind::Configuration ? kUsage : kFailed;
  }

  for (const auto& j : report.jobs) {
    if (j.status == "failed") std::cerr << "vidpipe: " << j.error_line() << "\n";
    if (j.status == "skipped") print_error(fmt::format("{}: skipped: {}", display_input(j.input), j.error));
    if (j.status == "partial") std::cerr << "vidpipe: " << j.damage_line() << "\n";
  }
  if (opt.json) {
    report_out << json_text(summary_json(report, opt.profile), 2) << "\n";
  } else {
    report_out << summary_text(report);
    if (opt.profile) report_out << "\nprofile\n" << report.profiler->table(report.wall_s);
  }
  if (!opt.trace.empty() && !report.profiler->write_trace(opt.trace)) {
    print_error("cannot write the trace file " + opt.trace);
    return kFailed;
  }
  if (report.interrupted) return kInterrupted;
  if (!report.run_error.empty()) {
    print_error(report.run_error);
    return kFailed;
  }
  return report.failed() || (opt.strict && report.partial()) ? kFailed : kOk;
}

int cmd_validate(const CommonOptions& common, const std::string& graph_arg, const std::string& model,
                 const std::vector<std::string>& sets) {
  NodeRegistry& reg = process_registry();
  ResolvedGraph graph;
  Overrides ov;
  if (!model.empty()) ov.model = model;
  ov.sets = sets;
  const std::string graph_path = graph_file(graph_arg);  // an ambiguous name: main reports it
  if (!prepare(reg, common, graph_path, ov, graph)) return kUsage;
  std::cout << graph_path << ": ok (" << graph.nodes.size() << " nodes)\n";
  return kOk;
}

int cmd_graph(const CommonOptions& common, const std::string& graph_arg) {
  NodeRegistry& reg = process_registry();
  ResolvedGraph graph;
  if (!prepare(reg, common, graph_file(graph_arg), {}, graph)) return kUsage;
  std::cout << graph.dot();
  return kOk;
}

int cmd_plugins(const CommonOptions& common, bool as_json) {
  NodeRegistry& reg = process_registry();
  try {
    load_plugins(reg, common, {});
  } catch (const Error& e) {
    print_error(e);
    return kUsage;
  }
  if (as_json) {
    json out = {{"plugins", json::array()}, {"nodes", json::array()}, {"profiles", json::array()}};
    for (const auto& p : reg.plugins())
      out["plugins"].push_back({{"name", p.name}, {"version", p.version}, {"abi", fmt::format("{}.{}", p.abi_major, p.abi_minor)},
                                {"path", p.path}, {"nodes", p.node_types}, {"backends", p.backends}, {"profiles", p.profiles}});
    for (const auto& [type, e] : reg.nodes()) out["nodes"].push_back(spec_json(e));
    out["backends"] = json::array();
    for (const BackendEntry* b : backends_by_rank(reg)) out["backends"].push_back(backend_json(*b));
    for (const auto& [name, e] : reg.profiles())
      out["profiles"].push_back({{"name", name}, {"doc", e.profile.doc}, {"params", e.profile.params}, {"plugin", e.plugin}});
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  for (const auto& p : reg.plugins()) {
    std::cout << fmt::format("{} {} (ABI {}.{}) {}\n", p.name, p.version, p.abi_major, p.abi_minor, p.path);
    for (const auto& t : p.node_types) {
      const auto& s = reg.find_node(t)->spec;
      std::cout << fmt::format("  {:<24} {:<9} {:<6} {}\n", t, to_string(s.role), to_string(s.shape), s.doc);
    }
    for (const auto& name : p.backends) {
      const DecoderBackendSpec& b = reg.find_backend(name)->spec;
      std::cout << fmt::format("  {:<24} {:<16} {} (rank {}, {}{})\n", b.contract.type, "decoder backend", b.contract.doc,
                               b.rank, containers_text(b), b.local_files_only ? ", local files only" : "");
    }
    for (const auto& m : p.profiles)
      std::cout << fmt::format("  {:<24} {:<16} {}\n", m, "model profile", reg.find_profile(m)->profile.doc);
  }
  return kOk;
}

int cmd_describe(const CommonOptions& common, const std::string& type, bool as_json) {
  NodeRegistry& reg = process_registry();
  try {
    load_plugins(reg, common, {});
  } catch (const Error& e) {
    print_error(e);
    return kUsage;
  }
  if (const NodeEntry* e = reg.find_node(type)) {
    const json backends = backends_of(reg, type);
    if (as_json) {
      json out = spec_json(*e);
      if (!backends.empty()) out["backends"] = backends;
      std::cout << out.dump(2) << "\n";
      return kOk;
    }
    const NodeSpec& s = e->spec;
    std::cout << fmt::format("{}: {}\n  role {}, shape {}, frames {}, concurrency {}, plugin {} ({})\n", s.type, s.doc,
                             to_string(s.role), to_string(s.shape), to_string(s.frame_use),
                             s.concurrency == 0 ? "parallel" : s.concurrency == 1 ? "serial" : std::to_string(s.concurrency),
                             e->plugin, e->path);
    for (const auto& p : s.inputs) std::cout << fmt::format("input  {:<14} {:<6} {}\n", p.name, to_string(p.type), p.doc);
    for (const auto& p : s.outputs) std::cout << fmt::format("output {:<14} {:<6} {}\n", p.name, to_string(p.type), p.doc);
    if (auto formats = taken_formats(s); !formats.empty()) std::cout << "takes frames " << join(formats, ", ") << "\n";
    if (!s.params.empty()) std::cout << "params\n";
    for (const auto& p : s.params) std::cout << param_line(p) << "\n";
    for (const auto& r : s.renamed)
      std::cout << fmt::format("  {:<20} renamed to {}{}\n", r.old_name, r.new_name, r.why.empty() ? "" : " (" + r.why + ")");
    if (!backends.empty()) std::cout << "decoder backends (in the order tried)\n";
    for (const auto& b : backends) {
      const DecoderBackendSpec& spec = reg.find_backend(b.at("name").get<std::string>())->spec;
      std::cout << fmt::format("  {:<20} rank {:<5} {}{}, plugin {}\n", spec.name(), spec.rank, containers_text(spec),
                               spec.local_files_only ? ", local files only" : "", b.at("plugin").get<std::string>());
    }
    return kOk;
  }
  if (const ProfileEntry* m = reg.find_profile(type)) {
    json out = {{"profile", type}, {"doc", m->profile.doc}, {"params", m->profile.params}, {"facts", m->profile.facts},
                {"plugin", m->plugin}};
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  std::vector<std::string> all = reg.node_types();
  for (auto& p : reg.profile_names()) all.push_back(p);
  std::string suggestion = did_you_mean(type, all);
  if (suggestion.empty()) {  // a type's bare name ("ffmpeg") or family ("decode")
    std::vector<std::string> matches;
    for (const auto& t : reg.node_types()) {
      const auto dot = t.find('.');
      if (t.substr(0, dot) == type || t.substr(dot + 1) == type) matches.push_back("'" + t + "'");
    }
    if (!matches.empty()) suggestion = " (did you mean " + join(matches, " or ") + "?)";
  }
  print_error(with_fix(fmt::format("unknown node type or model profile '{}'{}", type, suggestion),
                       "`vidpipe plugins` lists them"));
  return kUsage;
}

}  // namespace vidpipe::cli
