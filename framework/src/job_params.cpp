// Per-input overrides → node instances (see job_params.hpp).
#include "job_params.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vidpipe/runtime/params_check.hpp"
#include "vidpipe/runtime/text.hpp"

namespace vidpipe::runtime {

namespace {

// Nodes a bare parameter name reaches: those working on the clip. Sources (the inputs), probes
// (they take jobs) and expanders (decoders) are left out: their same-named parameters are
// safety limits on the input, not choices about the clip.
bool takes_bare_names(const ResolvedNode& n) {
  const NodeSpec& s = n.entry->spec;
  return (s.shape == Shape::Map || s.shape == Shape::Gather) && s.inputs.at(0).type != DataType::Job;
}

std::string show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

NodeSets::NodeSets(const ResolvedGraph& graph) : graph_(graph) {
  auto set = std::make_shared<NodeSet>();
  std::vector<Diagnostic> diags;
  for (const auto& n : graph.nodes) set->nodes.push_back(build_node(n, diags));
  if (!diags.empty()) throw GraphError(diags);
  set->config = graph.config();
  base_ = std::move(set);
}

std::shared_ptr<const NodeSet> NodeSets::get(const json& overrides) {
  if (overrides.is_null() || (overrides.is_object() && overrides.empty())) return base_;
  if (!overrides.is_object())
    throw Error("per-input overrides must be an object of parameter: value", R"(e.g. {"fps": 1.0, "resize.max_pixels": 200704})");
  std::map<std::string, std::string> canonical;  // key order does not matter
  for (const auto& [k, v] : overrides.items()) canonical[k] = v.dump();
  std::string key;
  for (const auto& [k, v] : canonical) key += json(k).dump() + ":" + v + ",";
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(key); it != cache_.end())
    if (auto set = it->second.lock()) return set;
  auto set = build(overrides);
  if (cache_.size() >= 64)  // forget the sets no job uses any more
    for (auto it = cache_.begin(); it != cache_.end();) it = it->second.expired() ? cache_.erase(it) : std::next(it);
  cache_[key] = set;
  return set;
}

std::shared_ptr<const NodeSet> NodeSets::build(const json& overrides) const {
  ResolvedGraph g = graph_;  // the overridden nodes get new params (and config); the others are shared
  std::vector<bool> changed(g.nodes.size(), false);
  std::vector<std::string> ids, bare_names;
  for (const auto& n : g.nodes) {
    ids.push_back(n.id);
    if (takes_bare_names(n))
      for (const auto& p : n.entry->spec.params) bare_names.push_back(p.name);
  }
  auto set = [&](std::size_t i, const std::string& key, const std::string& name, json value) {
    ResolvedNode& n = g.nodes[i];
    const ParamSpec* p = n.entry->spec.find_param(name);
    if (n.entry->spec.shape == Shape::Source || name == "file")
      throw Error(fmt::format("per-input override '{}': node '{}' parameter '{}' is fixed for the session", key, n.id, name),
                  "set it in the graph or with --set");
    if (auto problem = check_param(n.entry->spec, name, value))
      throw Error(fmt::format("per-input override '{}': {}", key, problem->message(n.id, n.entry->spec.type)),
                  problem->hint.empty() ? p->doc : problem->hint, ErrorKind::Configuration);
    json values = n.params.values();
    std::vector<std::pair<std::string, Origin>> origins;
    for (const auto& q : n.entry->spec.params) origins.emplace_back(q.name, q.name == name ? Origin::CommandLine : n.params.origin(q.name));
    values[name] = value;
    n.params = Params(values, origins);
    n.effective[name] = {{"value", value}, {"from", "input"}};
    changed[i] = true;
  };

  for (const auto& [key, value] : overrides.items()) {
    const auto dot = key.find('.');
    if (dot != std::string::npos) {  // node.param
      const std::string id = key.substr(0, dot), name = key.substr(dot + 1);
      auto it = std::find(ids.begin(), ids.end(), id);
      if (it == ids.end())
        throw Error(fmt::format("per-input override '{}': the graph has no node '{}'{}", key, id, did_you_mean(id, ids)),
                    "nodes: " + join(ids, ", "));
      const std::size_t i = it - ids.begin();
      if (name == "type")  // the graph's shape is the session's (--set node.type swaps a node for a run)
        throw Error(fmt::format("per-input override '{}': a node's type is fixed for the session", key),
                    "swap it for the whole run with --set " + key + "=TYPE");
      if (!g.nodes[i].entry->spec.find_param(name)) {
        std::vector<std::string> names;
        for (const auto& q : g.nodes[i].entry->spec.params) names.push_back(q.name);
        throw Error(fmt::format("per-input override '{}': node '{}' ({}) has no parameter '{}'{}", key, id,
                                g.nodes[i].entry->spec.type, name, did_you_mean(name, names)),
                    names.empty() ? "this node takes no parameters" : "parameters: " + join(names, ", "));
      }
      set(i, key, name, value);
      continue;
    }
    bool found = false;
    std::vector<std::string> limits;  // nodes that declare it as a limit on the input
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      if (!g.nodes[i].entry->spec.find_param(key)) continue;
      if (takes_bare_names(g.nodes[i])) set(i, key, key, value), found = true;
      else limits.push_back(g.nodes[i].id + "." + key);
    }
    if (found) continue;
    if (!limits.empty())
      throw Error(fmt::format("per-input override '{}' = {}: only {} declare{} it, a limit on the input", key, show(value),
                              join(limits, ", "), limits.size() == 1 ? "s" : ""),
                  "name the node to change a limit: " + limits.front());
    throw Error(fmt::format("per-input override '{}': no node of the graph takes a parameter '{}'{}", key, key,
                            did_you_mean(key, bare_names)),
                "e.g. fps, nframes, min_pixels, max_pixels, total_pixels, resized_height, resized_width, "
                "video_start, video_end, or node.param");
  }

  auto out = std::make_shared<NodeSet>();
  std::vector<Diagnostic> diags;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    out->nodes.push_back(changed[i] ? std::shared_ptr<Node>(build_node(g.nodes[i], diags)) : base_->nodes[i]);
  if (!diags.empty()) {
    // A node's refusal (e.g. fps and nframes both set) names the node, not a YAML line.
    const Diagnostic& d = diags.front();
    throw Error("per-input overrides " + json_text(overrides) + ": " + d.message, d.hint);
  }
  out->config = g.config();
  return out;
}

}  // namespace vidpipe::runtime
