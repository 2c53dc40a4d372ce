#include "commands.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/report.hpp"
#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;
using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {
namespace {


void print_error(const std::string& msg) { std::cerr << "vidpipe: " << msg << "\n"; }

bool is_graph_path(const std::string& a) {
  auto ext = fs::path(a).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

std::string default_graph() { return graphs_dir() + "/qwen2_5_vl.yaml"; }

// Plugins from the search path plus the graph's own `plugins:` dirs.
void load_plugins(NodeRegistry& reg, const CommonOptions& common, const std::vector<std::string>& graph_dirs) {
  std::vector<std::string> extra = graph_dirs;
  extra.insert(extra.end(), common.plugin_paths.begin(), common.plugin_paths.end());
  reg.load_dirs(plugin_search_path(extra));
}

// Parse + load plugins + resolve. Errors are printed; returns false on failure.
bool prepare(NodeRegistry& reg, const CommonOptions& common, const std::string& graph_path, const Overrides& ov,
             ResolvedGraph& out) {
  try {
    GraphSpec spec = parse_graph_file(graph_path);
    load_plugins(reg, common, spec.plugin_dirs);
    out = resolve_graph(spec, reg, ov);
    return true;
  } catch (const GraphError& e) {
    std::cerr << e.what() << "\n";
  } catch (const Error& e) {
    print_error(std::string(e.what()) + (e.hint().empty() ? "" : "\n  hint: " + e.hint()));
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
  return fmt::format("  {:<20} {:<11} default {:<12}{}  {}", p.name, to_string(p.type),
                     p.default_value.is_null() ? "unset" : p.default_value.dump(), range, p.doc);
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
    params.push_back(j);
  }
  return {{"type", s.type}, {"doc", s.doc}, {"shape", to_string(s.shape)},
          {"concurrency", s.concurrency == 0 ? json("parallel") : json(s.concurrency)},
          {"inputs", ports_in}, {"outputs", ports_out}, {"params", params}, {"plugin", e.plugin}, {"path", e.path}};
}

}  // namespace

int cmd_run(const CommonOptions& common, const RunOptions& opt) {
  std::string graph_path = default_graph();
  std::vector<std::string> inputs = opt.args;
  if (!inputs.empty() && is_graph_path(inputs.front())) {
    graph_path = inputs.front();
    inputs.erase(inputs.begin());
  }
  if (inputs.empty() && !opt.dry_run) {
    print_error("no input given: vidpipe run [GRAPH.yaml] INPUT... (see vidpipe run --help)");
    return kUsage;
  }
  Overrides ov;
  if (!opt.model.empty()) ov.model = opt.model;
  ov.sets = opt.sets;
  ov.inputs = inputs;

  NodeRegistry reg;
  ResolvedGraph graph;
  if (!prepare(reg, common, graph_path, ov, graph)) return kUsage;
  if (opt.dry_run) {
    std::cout << graph.config().dump(2) << "\n";
    return kOk;
  }

  RunReport report;
  try {
    Executor ex(graph);
    report = ex.run({opt.output_dir, !opt.trace.empty()});
  } catch (const GraphError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  } catch (const Error& e) {
    print_error(std::string(e.what()) + (e.hint().empty() ? "" : "\n  hint: " + e.hint()));
    return kUsage;
  }

  // Interrupted: the inputs the built-in source never reached are listed too, so a batch can
  // be resumed (source.inputs starts one job per input, in order).
  const bool input_source = std::any_of(graph.nodes.begin(), graph.nodes.end(), [](const ResolvedNode& n) {
    return n.entry->spec.type == "source.inputs";
  });
  if (report.interrupted && input_source)
    for (std::size_t i = report.jobs.size(); i < inputs.size(); ++i) {
      JobResult j;
      j.index = i;
      j.input = inputs[i];
      j.name = display_input(inputs[i]);
      j.status = "not started";
      report.jobs.push_back(std::move(j));
    }
  for (const auto& j : report.jobs) {
    if (j.status == "failed") std::cerr << "vidpipe: " << j.error_line() << "\n";
    if (j.status == "partial") std::cerr << "vidpipe: " << j.damage_line() << "\n";
  }
  if (opt.json) {
    std::cout << summary_json(report, opt.profile).dump(2) << "\n";
  } else {
    std::cout << summary_text(report);
    if (opt.profile) std::cout << "\nprofile\n" << report.profiler->table(report.wall_s);
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

int cmd_validate(const CommonOptions& common, const std::string& graph_path, const std::vector<std::string>& sets) {
  NodeRegistry reg;
  ResolvedGraph graph;
  Overrides ov;
  ov.sets = sets;
  if (!prepare(reg, common, graph_path, ov, graph)) return kUsage;
  std::cout << graph_path << ": ok (" << graph.nodes.size() << " nodes)\n";
  return kOk;
}

int cmd_graph(const CommonOptions& common, const std::string& graph_path) {
  NodeRegistry reg;
  ResolvedGraph graph;
  if (!prepare(reg, common, graph_path, {}, graph)) return kUsage;
  std::cout << graph.dot();
  return kOk;
}

int cmd_plugins(const CommonOptions& common, bool as_json) {
  NodeRegistry reg;
  try {
    load_plugins(reg, common, {});
  } catch (const Error& e) {
    print_error(std::string(e.what()) + (e.hint().empty() ? "" : "\n  hint: " + e.hint()));
    return kUsage;
  }
  if (as_json) {
    json out = {{"plugins", json::array()}, {"nodes", json::array()}, {"profiles", json::array()}};
    for (const auto& p : reg.plugins())
      out["plugins"].push_back({{"name", p.name}, {"version", p.version}, {"abi", fmt::format("{}.{}", p.abi_major, p.abi_minor)},
                                {"path", p.path}, {"nodes", p.node_types}, {"profiles", p.profiles}});
    for (const auto& [type, e] : reg.nodes()) out["nodes"].push_back(spec_json(e));
    for (const auto& [name, e] : reg.profiles())
      out["profiles"].push_back({{"name", name}, {"doc", e.profile.doc}, {"params", e.profile.params}, {"plugin", e.plugin}});
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  for (const auto& p : reg.plugins()) {
    std::cout << fmt::format("{} {} (ABI {}.{}) {}\n", p.name, p.version, p.abi_major, p.abi_minor, p.path);
    for (const auto& t : p.node_types) {
      const auto& s = reg.find_node(t)->spec;
      std::cout << fmt::format("  {:<24} {:<7} {}\n", t, to_string(s.shape), s.doc);
    }
    for (const auto& m : p.profiles) std::cout << fmt::format("  {:<24} {:<7} {}\n", m, "model", reg.find_profile(m)->profile.doc);
  }
  return kOk;
}

int cmd_describe(const CommonOptions& common, const std::string& type, bool as_json) {
  NodeRegistry reg;
  try {
    load_plugins(reg, common, {});
  } catch (const Error& e) {
    print_error(e.what());
    return kUsage;
  }
  if (const NodeEntry* e = reg.find_node(type)) {
    if (as_json) {
      std::cout << spec_json(*e).dump(2) << "\n";
      return kOk;
    }
    const NodeSpec& s = e->spec;
    std::cout << fmt::format("{}: {}\n  shape {}, concurrency {}, plugin {} ({})\n", s.type, s.doc, to_string(s.shape),
                             s.concurrency == 0 ? "parallel" : s.concurrency == 1 ? "serial" : std::to_string(s.concurrency),
                             e->plugin, e->path);
    for (const auto& p : s.inputs) std::cout << fmt::format("input  {:<14} {:<6} {}\n", p.name, to_string(p.type), p.doc);
    for (const auto& p : s.outputs) std::cout << fmt::format("output {:<14} {:<6} {}\n", p.name, to_string(p.type), p.doc);
    if (!s.params.empty()) std::cout << "params\n";
    for (const auto& p : s.params) std::cout << param_line(p) << "\n";
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
  print_error(fmt::format("unknown node type or model profile '{}'{}; `vidpipe plugins` lists them", type,
                          did_you_mean(type, all)));
  return kUsage;
}

}  // namespace vidpipe::cli
