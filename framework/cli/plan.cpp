// `vidpipe plan [GRAPH] INPUT... [--model NAME] [--set k=v]... [--json]`
//
// The planning graph is derived from the run graph (default qwen2_5_vl.yaml) rather than kept
// as a second YAML file, so the two cannot drift apart: whatever the run graph probes and
// samples with (node types, YAML params, --set on those nodes) is what plan uses. The cut is
// made by the nodes' declared roles (sdk/node.hpp), never by type names: a graph with a planner
// node is cut after it; otherwise it is cut at its first decoder, whose input (the sampler's
// plan) feeds the model's planner (the node with role planner of the model profile's plugin,
// e.g. qwen2_5_vl.plan), or, in a graph without a model and no --model, is printed as the
// sampler made it (picks, no sizes or tokens). The planner gets the YAML params it shares with
// the graph's first processor (e.g. process.smart_resize), and `--set <processor id>.k=v` is redirected to it. So
// `vidpipe plan X --set resize.max_pixels=...` prints what `vidpipe run X --set
// resize.max_pixels=...` produces. --set on other nodes after the cut (decode, write ...) is
// ignored with a note.
#include "plan.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/text.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {
namespace {

std::string node_of(const std::string& in) { return in.substr(0, in.find('.')); }

std::optional<Role> role_of(const NodeRegistry& reg, const NodeDecl& n) {
  const NodeEntry* e = reg.find_node(n.type);
  return e ? std::optional<Role>(e->spec.role) : std::nullopt;
}

// The planner node type of the model profile's plugin, "" when it has none.
std::string model_planner(const NodeRegistry& reg, const std::string& model) {
  const ProfileEntry* prof = reg.find_profile(model);
  if (!prof) return "";
  for (const auto& info : reg.plugins())
    if (info.name == prof->plugin)
      for (const auto& type : info.node_types)
        if (reg.find_node(type)->spec.role == Role::Planner) return type;
  return "";
}

// Cuts `spec` down to probe -> sample -> plan. Returns the plan node's id; fills `processor_id`
// with the node whose --set the planner takes.
std::string truncate(GraphSpec& spec, const NodeRegistry& reg, const std::string& model, std::string& processor_id) {
  std::map<std::string, const NodeDecl*> by_id;
  for (const auto& n : spec.nodes) by_id[n.id] = &n;
  const NodeDecl* plan = nullptr;
  const NodeDecl* decode = nullptr;
  const NodeDecl* processor = nullptr;
  for (const auto& n : spec.nodes) {
    const std::optional<Role> role = role_of(reg, n);
    if (role == Role::Planner && !plan) plan = &n;
    if (role == Role::Decoder && !decode) decode = &n;
    if (role == Role::Processor && !processor) processor = &n;
  }
  if (processor) processor_id = processor->id;
  NodeDecl added;
  std::string tail_in;
  if (!plan && decode && model.empty()) {  // no model: the sampler's plan, without sizes or tokens
    processor_id.clear();
    tail_in = decode->in;
  } else if (!plan) {
    if (!decode)
      throw Error("the graph " + spec.file + " has no decoder node to cut at and no planner node", "",
                  ErrorKind::Configuration);
    const std::string type = model_planner(reg, model);
    if (type.empty())
      throw Error("model '" + model + "' has no planning node (its plugin registers no node with role planner)",
                  "pick a model with --model (vidpipe plugins lists the *.plan nodes)", ErrorKind::Configuration);
    added.id = by_id.count("plan") ? "tokens_plan" : "plan";
    added.type = type;
    added.in = decode->in;
    added.loc = decode->loc;
    added.type_loc = decode->type_loc;
    added.in_loc = decode->in_loc;
    const NodeSpec& ps = reg.find_node(type)->spec;
    if (processor)
      for (const auto& p : processor->params)
        if (ps.find_param(p.name)) added.params.push_back(p);
    tail_in = decode->in;
  } else {
    tail_in = plan->id;
  }
  // Keep the ancestors of the cut.
  std::set<std::string> keep;
  std::string cur = node_of(tail_in);
  while (by_id.count(cur) && !keep.count(cur)) {
    keep.insert(cur);
    cur = node_of(by_id[cur]->in);
  }
  std::vector<NodeDecl> nodes;
  for (const auto& n : spec.nodes)
    if (keep.count(n.id)) nodes.push_back(n);
  std::string plan_id = plan ? plan->id : added.type.empty() ? node_of(tail_in) : added.id;
  if (!plan && !added.type.empty()) nodes.push_back(added);
  spec.nodes = std::move(nodes);
  return plan_id;
}

std::string short_list(const json& a) {
  std::string s;
  const std::size_t n = a.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 12 && i == 6) {
      s += ", ...";
      i = n - 4;
    }
    s += (s.empty() ? "" : ", ") + a[i].dump();
  }
  return "[" + s + "]";
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  return fmt::format("{:.1f} {}", b, units[u]);
}

// One video's plan note as a line; throws json::exception when a field is missing.
std::string plan_line(const json& v) {
  using ptr = json::json_pointer;
  auto bytes = [&](const char* path) { return human_bytes(v.at(ptr(path)).get<double>()); };
  const json& budget = v.at("budget");
  return fmt::format(
      "{}: {} frames {} sample_fps {:.4g}, {}, grid_thw {}, {} tokens; pixel_values {} bf16 / {} "
      "fp32, visual tokens {} bf16{}; {:.1f} ms\n",
      printable(display_input(v.at("input").get<std::string>())), v.at("nframes").get<int64_t>(),
      short_list(v.at("frame_indices")), v.at("sample_fps").get<double>(),
      size_text(v.at("resized_width").get<int64_t>(), v.at("resized_height").get<int64_t>()),
      v.at("grid_thw").dump(), v.at("total_tokens").get<int64_t>(), bytes("/memory/pixel_values/bytes/bf16"),
      bytes("/memory/pixel_values/bytes/fp32"), bytes("/memory/visual_tokens/bytes/bf16"),
      budget.at("fitted").get<bool>() ? " (fitted to budget: " + budget.at("lowered").dump() + ")" : "",
      v.at("ms").get<double>());
}

}  // namespace

int cmd_plan(const CommonOptions& common, const PlanOptions& opt) {
  std::vector<std::string> inputs = opt.args;
  const std::string graph_path = take_graph_argument(inputs);  // an ambiguous name: main reports it
  if (inputs.empty()) {
    print_error("no input given: vidpipe plan [GRAPH] INPUT... (see vidpipe plan --help)");
    return kUsage;
  }
  NodeRegistry& reg = process_registry();
  ResolvedGraph graph;
  std::string plan_id;
  try {
    GraphSpec spec = parse_graph_file(graph_path);
    load_plugins(reg, common, spec.plugin_dirs);
    Overrides ov;
    if (!model_overrides(opt.model, opt.hf_config, ov)) return kUsage;
    const std::string model = ov.model.value_or(spec.model);
    std::string processor_id;
    plan_id = truncate(spec, reg, model, processor_id);
    std::set<std::string> ids;
    const NodeDecl* planner = nullptr;
    for (const auto& n : spec.nodes) {
      ids.insert(n.id);
      if (n.id == plan_id) planner = &n;
    }
    const NodeEntry* planner_entry = reg.find_node(planner->type);
    ov.inputs = inputs;
    for (const auto& s : opt.sets) {
      const std::string id = s.substr(0, s.find('.'));
      const std::string key = s.size() > id.size() ? s.substr(id.size() + 1, s.find('=') - id.size() - 1) : "";
      if (id == "settings" || ids.count(id)) ov.sets.push_back(s);
      else if (id == processor_id && planner_entry && planner_entry->spec.find_param(key))
        ov.sets.push_back(plan_id + s.substr(id.size()));
      else std::cerr << "vidpipe plan: note: --set " << printable(s) << " is ignored (node '" << printable(id) << "' runs after planning)\n";
    }
    graph = resolve_graph(spec, reg, ov);
  } catch (const Error& e) {
    print_error(e);
    return kUsage;
  }

  RunReport report;
  try {
    Executor ex(graph);
    InterruptScope on_ctrl_c(ex);
    report = ex.run({});
  } catch (const Error& e) {
    print_error(e);
    return kUsage;
  }
  json out = {{"graph", graph_path}, {"model", graph.model}, {"plan_node", plan_id}, {"videos", json::array()}};
  for (const auto& j : report.jobs) {
    json v = {{"input", j.input}, {"status", j.status}};
    const bool planned = j.status == "ok" || j.status == "partial";  // partial: planned from a damaged input
    const bool picks_only = graph.model.empty() && !j.notes.contains("plan") && j.notes.contains("sample");
    if (planned && picks_only) {  // a graph without a model: the sampler's picks
      const json& sample = j.notes["sample"];
      v["sampler"] = sample.value("sampler", "");
      v["frame_indices"] = sample.value("indices", json::array());
      v["timestamps"] = sample.value("timestamps", json::array());
      v["nframes"] = v["frame_indices"].size();
    }
    if (planned && j.notes.contains("plan")) {
      for (auto& [k, val] : j.notes["plan"].items()) v[k] = val;
      const json& idx = v["frame_indices"];  // repeats of a padded short video, as metadata.json counts them
      int64_t repeated = 0;
      for (std::size_t i = 1; i < idx.size(); ++i) repeated += idx[i] == idx[i - 1];
      v["repeated_frames"] = repeated;
      const json sample = j.notes.value("sample", json::object());
      if (repeated && sample.contains("short_video")) v["repeated_frames_why"] = sample["short_video"]["why"];
    }
    if (j.status == "partial") {  // reported as `vidpipe run` reports it
      v["damage"] = j.damage;
      std::cerr << "vidpipe: " << j.damage_line() << "\n";
    } else if (j.status == "skipped") {
      v["reason"] = j.error;
      print_error(fmt::format("{}: skipped: {}", display_input(j.input), j.error));
    } else if (j.status == "failed") {
      v["error"] = j.error;
      v["hint"] = j.hint;
      v["error_kind"] = to_string(j.error_kind);
      std::cerr << "vidpipe: " << j.error_line() << "\n";
    }
    v["ms"] = j.timing.value("total", 0.0) * 1000.0;
    out["videos"].push_back(v);
  }
  out["wall_ms"] = report.wall_s * 1000.0;
  if (opt.json) {
    std::cout << json_text(out, 2) << "\n";  // one shape whatever the number of inputs (scripts over a glob)
  } else {
    for (const auto& v : out["videos"]) {
      const std::string input = v.at("input").get<std::string>();
      const std::string status = v.at("status").get<std::string>();
      if (status != "ok" && status != "partial") {  // failed, skipped, interrupted
        const std::string why = v.value(status == "failed" ? "error" : "reason", "");
        std::cout << printable(fmt::format("{}: {}{}", display_input(input), status == "failed" ? "FAILED" : status,
                                           why.empty() ? "" : ": " + why))
                  << "\n";
        continue;
      }
      try {  // at(): a planning node may note less than the shipped ones do
        if (graph.model.empty() && v.contains("sampler"))
          std::cout << printable(fmt::format("{}: {} frames {} ({}; no model: no sizes or tokens)",
                                             display_input(input), v["nframes"].get<int64_t>(),
                                             short_list(v["frame_indices"]), v["sampler"].get<std::string>()))
                    << "\n";
        else
          std::cout << plan_line(v);
      } catch (const json::exception&) {
        std::cout << printable(display_input(input)) << ": planned, but the planning node noted no complete plan (see --json)\n";
      }
    }
  }
  if (report.interrupted) return kInterrupted;
  return report.failed() ? kFailed : kOk;
}

}  // namespace vidpipe::cli
