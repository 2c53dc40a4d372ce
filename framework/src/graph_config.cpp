// GraphSpec + registry + overrides → ResolvedGraph: validation against the node contracts and
// the configuration layers (node defaults < model profile < graph YAML < command line).
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/params_check.hpp"
#include "vidpipe/runtime/text.hpp"

namespace vidpipe::runtime {

json yaml_to_json(const YAML::Node& n);  // graph_spec.cpp
void check_resolved_graph(const ResolvedGraph& g, const GraphSpec& spec, const NodeRegistry& registry,
                          const ProfileEntry* profile, const Loc& profile_loc,
                          std::vector<Diagnostic>& diags);  // graph_checks.cpp

namespace {

struct Layered {
  json values = json::object();
  std::map<std::string, Origin> origins;
};

// "info: info -> plan: plan": what a node takes and gives, for --set <node>.type messages.
std::string ports_text(const NodeSpec& s) {
  auto list = [](const std::vector<PortSpec>& ports) {
    std::vector<std::string> out;
    for (const auto& p : ports) out.push_back(p.name + ": " + to_string(p.type));
    return out.empty() ? std::string("nothing") : join(out, ", ");
  };
  return list(s.inputs) + " -> " + list(s.outputs);
}

// --set <node>.type=<type>: swaps a node's type before anything else is resolved, so the new
// type's contract validates every parameter like any other. The node keeps its place: the new
// type must have the same role and ports (docs/sampling.md §4: swapping the sampler changes
// nothing else). Returns the other --set entries.
std::vector<std::string> swap_types(GraphSpec& spec, const NodeRegistry& registry, const std::vector<std::string>& sets,
                                    const std::function<void(std::string, std::string)>& error) {
  std::vector<std::string> rest;
  for (const auto& s : sets) {
    const auto eq = s.find('='), dot = s.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq || s.substr(dot + 1, eq - dot - 1) != "type" ||
        s.compare(0, dot, "settings") == 0) {
      rest.push_back(s);
      continue;
    }
    const std::string id = s.substr(0, dot), type = s.substr(eq + 1);
    auto d = std::find_if(spec.nodes.begin(), spec.nodes.end(), [&](const NodeDecl& n) { return n.id == id; });
    if (d == spec.nodes.end()) {
      rest.push_back(s);  // reported with the other --set entries
      continue;
    }
    const NodeEntry* was = registry.find_node(d->type);
    const NodeEntry* now = registry.find_node(type);
    if (!now) {
      error(fmt::format("--set {}: unknown node type '{}'{}", s, type, did_you_mean(type, registry.node_types())),
            "`vidpipe plugins` lists the known types");
      continue;
    }
    if (was && (was->spec.role != now->spec.role || ports_text(was->spec) != ports_text(now->spec))) {
      std::vector<std::string> fits;
      for (const auto& [name, e] : registry.nodes())
        if (e.spec.role == was->spec.role && ports_text(e.spec) == ports_text(was->spec)) fits.push_back(name);
      error(fmt::format("--set {}: node '{}' is a {} ({}: {}), {} is a {} ({})", s, id, to_string(was->spec.role),
                        d->type, ports_text(was->spec), type, to_string(now->spec.role), ports_text(now->spec)),
            "a node's type can only become one of the same role and ports: " + join(fits, ", "));
      continue;
    }
    d->type = type;
    d->type_loc = Loc{"command line"};
  }
  return rest;
}

}  // namespace

ResolvedGraph resolve_graph(const GraphSpec& spec_in, const NodeRegistry& registry, const Overrides& ov) {
  std::vector<Diagnostic> diags;
  auto error = [&](const Loc& l, std::string msg, std::string hint = "") {
    diags.push_back({l, std::move(msg), std::move(hint)});
  };
  const Loc cli{"command line"};
  GraphSpec spec = spec_in;

  // The run's inputs come from an implicit `input: {type: source.inputs}` unless declared.
  bool wants_input = std::any_of(spec.nodes.begin(), spec.nodes.end(), [](const NodeDecl& n) {
    return n.in == "input" || n.in.rfind("input.", 0) == 0;
  });
  bool has_input = std::any_of(spec.nodes.begin(), spec.nodes.end(), [](const NodeDecl& n) { return n.id == "input"; });
  if (wants_input && !has_input) {
    NodeDecl src;
    src.id = "input";
    src.type = "source.inputs";
    src.loc = src.type_loc = Loc{spec.file};
    spec.nodes.insert(spec.nodes.begin(), src);
  }

  const std::vector<std::string> sets = swap_types(spec, registry, ov.sets, [&](std::string msg, std::string hint) {
    error(cli, std::move(msg), std::move(hint));
  });

  ResolvedGraph g;
  g.file = spec.file;
  g.name = spec.name;
  g.settings = spec.settings;
  g.model = ov.model.value_or(spec.model);
  const ProfileEntry* profile = nullptr;
  if (!g.model.empty()) {
    profile = registry.find_profile(g.model);
    if (!profile)
      error(ov.model ? cli : spec.model_loc, "unknown model profile '" + g.model + "'" + did_you_mean(g.model, registry.profile_names()),
            "available: " + join(registry.profile_names(), ", ") + " (`vidpipe plugins` lists them)");
  }

  std::vector<Layered> layers(spec.nodes.size());
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) index[spec.nodes[i].id] = static_cast<int>(i);
  std::vector<std::string> ids;
  for (const auto& n : spec.nodes) ids.push_back(n.id);

  auto set_param = [&](std::size_t i, const NodeEntry& e, const std::string& name, json value, Origin origin,
                       const Loc& loc) {
    if (auto problem = check_param(e.spec, name, value)) {
      error(loc, problem->message(spec.nodes[i].id, e.spec.type), problem->hint);
      return;
    }
    layers[i].values[name] = std::move(value);
    layers[i].origins[name] = origin;
  };

  // Layers 1-3: defaults, profile, graph.
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeDecl& d = spec.nodes[i];
    const NodeEntry* e = registry.find_node(d.type);
    if (!e) {
      if (!d.type.empty())
        error(d.type_loc, fmt::format("node '{}': unknown node type '{}'{}", d.id, d.type, did_you_mean(d.type, registry.node_types())),
              "`vidpipe plugins` lists the known types; add a plugin dir with --plugin-path or `plugins:`");
      continue;
    }
    for (const auto& p : e->spec.params) {
      layers[i].values[p.name] = p.default_value;
      layers[i].origins[p.name] = Origin::Default;
    }
    if (profile)
      for (const auto& [name, value] : profile->profile.params.items())
        if (profile_sets(e->spec, name)) set_param(i, *e, name, value, Origin::Profile, ov.model ? cli : spec.model_loc);
    for (const auto& [name, value] : ov.profile_params.items())
      if (profile_sets(e->spec, name)) set_param(i, *e, name, value, Origin::Profile, cli);
    for (const auto& p : d.params) set_param(i, *e, p.name, p.value, Origin::Graph, p.loc);
    if (e->spec.shape == Shape::Source && e->spec.find_param("inputs") && !ov.inputs.empty())
      set_param(i, *e, "inputs", ov.inputs, Origin::CommandLine, cli);
  }

  // Layer 4: --set node.param=value (and settings.key=value).
  for (const auto& s : sets) {
    auto eq = s.find('='), dot = s.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq) {
      error(cli, "--set '" + s + "' is not of the form node.param=value", "e.g. --set sample.nframes=32");
      continue;
    }
    std::string node = s.substr(0, dot), name = s.substr(dot + 1, eq - dot - 1);
    json value;
    try {
      value = yaml_to_json(YAML::Load(s.substr(eq + 1)));
    } catch (const YAML::Exception&) {
      value = s.substr(eq + 1);
    } catch (const Error& e) {  // a value that expands past the size limit
      error(cli, "--set " + s.substr(0, eq) + ": " + e.what(), e.hint());
      continue;
    }
    if (node == "settings") {
      auto as_int = [&](int& out, int lo) {
        if (value.is_number_integer() && value.get<long long>() >= lo) out = value.get<int>();
        else error(cli, "--set " + s + ": expected an integer >= " + std::to_string(lo));
      };
      if (name == "threads") as_int(g.settings.threads, 0);
      else if (name == "max_jobs_in_flight") as_int(g.settings.max_jobs_in_flight, 1);
      else if (name == "max_frames_in_flight") as_int(g.settings.max_frames_in_flight, 1);
      else if (name == "profile") {
        if (value.is_boolean()) g.settings.profile = value.get<bool>();
        else error(cli, "--set " + s + ": expected true or false");
      } else error(cli, "--set: unknown setting '" + name + "'" +
                 did_you_mean(name, {"threads", "max_jobs_in_flight", "max_frames_in_flight", "profile"}));
      continue;
    }
    auto it = index.find(node);
    if (it == index.end()) {
      error(cli, "--set " + s + ": the graph has no node '" + node + "'" + did_you_mean(node, ids), "nodes: " + join(ids, ", "));
      continue;
    }
    if (const NodeEntry* e = registry.find_node(spec.nodes[it->second].type))
      set_param(it->second, *e, name, value, Origin::CommandLine, cli);
  }

  // Wiring: each non-source node names the output that feeds it.
  std::vector<int> upstream(spec.nodes.size(), -1), upstream_port(spec.nodes.size(), 0);
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeDecl& d = spec.nodes[i];
    const NodeEntry* e = registry.find_node(d.type);
    if (!e) continue;
    bool source = e->spec.shape == Shape::Source;
    if (source) {
      if (!d.in.empty()) error(d.in_loc, "node '" + d.id + "' is a source and takes no `in:`");
      continue;
    }
    if (d.in.empty()) {
      error(d.loc, fmt::format("node '{}': input port '{}' ({}) is not connected", d.id, e->spec.inputs[0].name,
                               to_string(e->spec.inputs[0].type)),
            "add `in: <node>.<port>`, or `in: input` for the run's inputs");
      continue;
    }
    std::string from = d.in.substr(0, d.in.find('.'));
    std::string port = d.in.find('.') == std::string::npos ? "" : d.in.substr(d.in.find('.') + 1);
    auto it = index.find(from);
    if (it == index.end()) {
      error(d.in_loc, fmt::format("node '{}': `in: {}` names no node '{}'{}", d.id, d.in, from, did_you_mean(from, ids)),
            "nodes: " + join(ids, ", "));
      continue;
    }
    const NodeEntry* up = registry.find_node(spec.nodes[it->second].type);
    if (!up) continue;
    int port_index = -1;
    if (port.empty() && up->spec.outputs.size() == 1) port_index = 0;
    for (std::size_t k = 0; k < up->spec.outputs.size(); ++k)
      if (up->spec.outputs[k].name == port) port_index = static_cast<int>(k);
    if (port_index < 0) {
      std::vector<std::string> ports;
      for (const auto& p : up->spec.outputs) ports.push_back(p.name);
      error(d.in_loc, fmt::format("node '{}': node '{}' ({}) has no output port '{}'{}", d.id, from, up->spec.type, port,
                                  did_you_mean(port, ports)),
            ports.empty() ? "it is a sink" : "outputs: " + join(ports, ", "));
      continue;
    }
    DataType have = up->spec.outputs[port_index].type, want = e->spec.inputs[0].type;
    if (have != want) {
      error(d.in_loc, fmt::format("node '{}': input '{}' takes {} items but {}.{} produces {} items", d.id,
                                  e->spec.inputs[0].name, to_string(want), from, up->spec.outputs[port_index].name,
                                  to_string(have)),
            "connect it to an output of type " + std::string(to_string(want)));
      continue;
    }
    upstream[i] = it->second;
    upstream_port[i] = port_index;
  }

  // Cycles: with one input per node, a cycle is a walk up the chain that returns to its start.
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    std::vector<std::string> path{spec.nodes[i].id};
    for (int j = upstream[i], steps = 0; j >= 0 && steps <= static_cast<int>(spec.nodes.size()); j = upstream[j], ++steps) {
      path.push_back(spec.nodes[j].id);
      if (j == static_cast<int>(i)) {
        error(spec.nodes[i].in_loc, "the graph has a cycle: " + join(path, " <- "), "a graph must flow one way");
        break;
      }
    }
  }
  if (!diags.empty()) throw GraphError(diags);

  // Build resolved nodes in topological order (upstream first).
  std::vector<int> order, state(spec.nodes.size(), 0);
  std::function<void(int)> visit = [&](int i) {
    if (state[i]) return;
    state[i] = 1;
    if (upstream[i] >= 0) visit(upstream[i]);
    order.push_back(i);
  };
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) visit(static_cast<int>(i));
  std::vector<int> position(spec.nodes.size());
  for (std::size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);

  for (int i : order) {
    const NodeDecl& d = spec.nodes[i];
    const NodeEntry* e = registry.find_node(d.type);
    ResolvedNode n;
    n.id = d.id;
    n.entry = e;
    n.loc = d.loc;
    n.upstream = upstream[i] >= 0 ? position[upstream[i]] : -1;
    n.upstream_port = upstream_port[i];
    std::vector<std::pair<std::string, Origin>> origins(layers[i].origins.begin(), layers[i].origins.end());
    n.params = Params(layers[i].values, origins);
    for (const auto& p : e->spec.params)
      n.effective[p.name] = {{"value", layers[i].values[p.name]}, {"from", to_string(layers[i].origins[p.name])}};
    n.concurrency = d.concurrency.value_or(e->spec.concurrency);
    if (e->spec.concurrency == 1 && n.concurrency != 1)
      error(d.loc, fmt::format("node '{}': {} is serial and cannot run with concurrency {}", d.id, d.type,
                               n.concurrency == 0 ? "parallel" : std::to_string(n.concurrency)),
            "remove `concurrency:`");
    else if (e->spec.concurrency > 1 && (n.concurrency == 0 || n.concurrency > e->spec.concurrency))
      error(d.loc, fmt::format("node '{}': {} runs at most {} calls at once, not {}", d.id, d.type, e->spec.concurrency,
                               n.concurrency == 0 ? "parallel" : std::to_string(n.concurrency)),
            fmt::format("set `concurrency:` to {} or less", e->spec.concurrency));
    if (e->spec.shape == Shape::Source) n.max_in_flight = d.max_in_flight.value_or(g.settings.max_jobs_in_flight);
    else if (e->spec.shape == Shape::Expand) n.max_in_flight = d.max_in_flight.value_or(g.settings.max_frames_in_flight);
    else if (d.max_in_flight) error(d.loc, "node '" + d.id + "': max_in_flight applies only to sources and expanders");
    g.nodes.push_back(std::move(n));
  }

  // Every gather collects the groups of an expander somewhere upstream.
  for (const auto& n : g.nodes) {
    if (n.entry->spec.shape != Shape::Gather) continue;
    bool found = false;
    for (int j = n.upstream; j >= 0 && !found; j = g.nodes[j].upstream)
      found = g.nodes[j].entry->spec.shape == Shape::Expand;
    if (!found)
      error(n.loc, "node '" + n.id + "' gathers items but no expander (e.g. a decoder) is upstream of it",
            "put the gather after the node that produces the items one by one");
  }
  if (diags.empty()) check_resolved_graph(g, spec, registry, profile, ov.model ? cli : spec.model_loc, diags);
  if (!diags.empty()) throw GraphError(diags);
  return g;
}

json ResolvedGraph::config() const {
  json nodes_json = json::object();
  for (const auto& n : nodes) {
    json params = json::object(), from = json::object();
    for (const auto& [name, v] : n.effective.items()) {
      bool is_inputs = n.entry->spec.shape == Shape::Source && name == "inputs";
      params[name] = is_inputs ? json(std::to_string(v["value"].size()) + " inputs") : v["value"];
      if (v["from"] != "default") from[name] = v["from"];
    }
    json node = {{"type", n.entry->spec.type}};
    if (n.upstream >= 0) node["in"] = nodes[n.upstream].id + "." + nodes[n.upstream].entry->spec.outputs[n.upstream_port].name;
    node["concurrency"] = n.concurrency == 0 ? json("parallel") : json(n.concurrency);
    if (n.max_in_flight) node["max_in_flight"] = n.max_in_flight;
    node["params"] = params;
    if (!from.empty()) node["set_by"] = from;
    nodes_json[n.id] = node;
  }
  return {{"graph", file},
          {"name", name},
          {"model", model},
          {"settings",
           {{"threads", settings.threads},
            {"max_jobs_in_flight", settings.max_jobs_in_flight},
            {"max_frames_in_flight", settings.max_frames_in_flight},
            {"profile", settings.profile}}},
          {"nodes", nodes_json}};
}

std::string ResolvedGraph::dot() const {
  std::string s = "digraph \"" + (name.empty() ? std::string("vidpipe") : name) + "\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (const auto& n : nodes)
    s += fmt::format("  \"{}\" [label=\"{}\\n{}\\n{}\"];\n", n.id, n.id, n.entry->spec.type, to_string(n.entry->spec.shape));
  for (const auto& n : nodes)
    if (n.upstream >= 0) {
      const auto& port = nodes[n.upstream].entry->spec.outputs[n.upstream_port];
      s += fmt::format("  \"{}\" -> \"{}\" [label=\"{}: {}\"];\n", nodes[n.upstream].id, n.id, port.name, to_string(port.type));
    }
  return s + "}\n";
}

}  // namespace vidpipe::runtime
