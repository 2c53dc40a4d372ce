// Checks that need the whole resolved graph (see resolve_graph in graph.hpp), so that
// `vidpipe validate` refuses what would fail or quietly misbehave at run time:
//   - every node accepts its parameters: its constructor runs once here, as the executor's will;
//   - no two nodes write the same output file (a parameter named `file` is a node's output file
//     name inside each input's folder, README "Writing a plugin");
//   - the model profile fits the graph: each of its keys is a parameter some node type declares
//     model-settable, and the graph's model nodes (roles planner and tokenizer) come from its plugin;
//   - a node that emits the decoder's own pixel formats (parameter `pixel_format: native`) feeds
//     only nodes whose contract takes planar frames (NodeSpec::frame_formats).
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/text.hpp"

namespace vidpipe::runtime {
namespace {

const NodeDecl* decl_of(const GraphSpec& spec, const std::string& id) {
  for (const auto& d : spec.nodes)
    if (d.id == id) return &d;
  return nullptr;
}

// Where a resolved parameter's value came from: its line in the graph, the command line, or
// (for defaults and profile values) the node's own line.
Loc param_loc(const GraphSpec& spec, const ResolvedNode& n, const std::string& name) {
  if (n.params.origin(name) == Origin::CommandLine) return Loc{"command line"};
  if (const NodeDecl* d = decl_of(spec, n.id))
    for (const auto& p : d->params)
      if (p.name == name) return p.loc;
  return n.loc;
}

void check_output_files(const ResolvedGraph& g, const GraphSpec& spec, std::vector<Diagnostic>& diags) {
  std::map<std::string, const ResolvedNode*> writer_of;
  for (const auto& n : g.nodes) {
    const ParamSpec* p = n.entry->spec.find_param("file");
    if (!p || p->type != ParamType::String || !n.params.has("file")) continue;
    const std::string file = n.params.get<std::string>("file");
    auto [first, fresh] = writer_of.emplace(file, &n);
    if (fresh) continue;
    const Loc loc = param_loc(spec, n, "file");
    diags.push_back({loc,
                     fmt::format("nodes '{}' ({}) and '{}' ({}) both write '{}' in each input's folder",
                                 first->second->id, first->second->entry->spec.type, n.id, n.entry->spec.type, file),
                     fmt::format("give node '{}' another `file:`", n.id)});
  }
}

void check_profile_keys(const ProfileEntry& profile, const Loc& loc, const NodeRegistry& registry,
                        std::vector<Diagnostic>& diags) {
  std::vector<std::string> declared, settable;
  for (const auto& [type, e] : registry.nodes())
    for (const auto& p : e.spec.params) (p.model_settable ? settable : declared).push_back(p.name);
  for (const auto& [key, value] : profile.profile.params.items()) {
    if (std::find(settable.begin(), settable.end(), key) != settable.end()) continue;
    const bool other = std::find(declared.begin(), declared.end(), key) != declared.end();
    diags.push_back({loc,
                     other ? fmt::format("model profile '{}' ({}) sets '{}', which no node type lets a profile set "
                                         "(a safety limit or a per-run choice)", profile.profile.name, profile.path, key)
                           : fmt::format("model profile '{}' ({}) sets '{}', which no node type declares{}",
                                         profile.profile.name, profile.path, key, did_you_mean(key, settable)),
                     other ? "remove the key from the plugin's profile; set it in the graph or with --set"
                           : "correct the key in the plugin's profile, or load the plugin whose nodes take it"});
  }
}

// A model plugin registers profiles and the nodes that apply them; a node of one model plugin
// run with another plugin's profile gets numbers meant for a different model.
void check_model_nodes(const ResolvedGraph& g, const GraphSpec& spec, const ProfileEntry& profile,
                       const NodeRegistry& registry, std::vector<Diagnostic>& diags) {
  for (const auto& n : g.nodes) {
    const std::string& type = n.entry->spec.type;
    if (n.entry->spec.role != Role::Tokenizer && n.entry->spec.role != Role::Planner) continue;
    if (n.entry->plugin == profile.plugin) continue;
    std::vector<std::string> own_profiles;
    for (const auto& info : registry.plugins())
      if (info.name == n.entry->plugin) own_profiles = info.profiles;
    if (own_profiles.empty()) continue;  // a node that belongs to no model
    const NodeDecl* d = decl_of(spec, n.id);
    const std::string shipped = graphs_dir() + "/" + profile.profile.name + ".yaml";
    std::error_code ec;
    diags.push_back(
        {d && d->type_loc.line ? d->type_loc : n.loc,
         fmt::format("node '{}' ({}) belongs to model plugin '{}', but the model profile is '{}' (plugin '{}')", n.id,
                     type, n.entry->plugin, profile.profile.name, profile.plugin),
         fmt::format("use a graph written for '{}'{}, or a profile of plugin '{}': {}", profile.profile.name,
                     std::filesystem::exists(shipped, ec) ? " (" + shipped + ")" : "", n.entry->plugin,
                     join(own_profiles, ", "))});
  }
}

// Planar frames reach only nodes that take them: a node written for packed RGB would read a
// luma plane as RGB rows (or throw at channels()), so the graph is refused before it runs.
void check_frame_formats(const ResolvedGraph& g, const GraphSpec& spec, std::vector<Diagnostic>& diags) {
  for (const auto& n : g.nodes) {
    if (n.upstream < 0) continue;
    const ResolvedNode& up = g.nodes[n.upstream];
    const ParamSpec* p = up.entry->spec.find_param("pixel_format");
    if (!p || (p->type != ParamType::Enum && p->type != ParamType::String) || !up.params.has("pixel_format") ||
        up.params.get<std::string>("pixel_format") != "native")
      continue;
    const NodeSpec& s = n.entry->spec;
    if (s.inputs.empty() || s.inputs[0].type != DataType::Frame) continue;
    if (std::any_of(s.frame_formats.begin(), s.frame_formats.end(), [](PixelFormat f) { return !is_packed(f); }))
      continue;
    diags.push_back({param_loc(spec, up, "pixel_format"),
                     fmt::format("node '{}' ({}) takes packed RGB frames, but '{}' ({}) emits the decoder's own "
                                 "planar frames (pixel_format: native)",
                                 n.id, s.type, up.id, up.entry->spec.type),
                     fmt::format("put process.convert_scale after '{}', or set "
                                 "{}.pixel_format: rgb24",
                                 up.id, up.id)});
  }
}

}  // namespace

std::unique_ptr<Node> build_node(const ResolvedNode& n, std::vector<Diagnostic>& diags) {
  try {
    return n.entry->make(n.params);
  } catch (const Error& e) {
    diags.push_back({n.loc, fmt::format("node '{}' ({}): {}", n.id, n.entry->spec.type, e.what()), e.hint()});
  } catch (const std::exception& e) {
    diags.push_back({n.loc, fmt::format("node '{}' ({}): {}", n.id, n.entry->spec.type, e.what()), ""});
  }
  return nullptr;
}

void check_resolved_graph(const ResolvedGraph& g, const GraphSpec& spec, const NodeRegistry& registry,
                          const ProfileEntry* profile, const Loc& profile_loc, std::vector<Diagnostic>& diags) {
  if (profile) {
    check_profile_keys(*profile, profile_loc, registry, diags);
    check_model_nodes(g, spec, *profile, registry, diags);
  }
  check_output_files(g, spec, diags);
  check_frame_formats(g, spec, diags);
  for (const auto& n : g.nodes) build_node(n, diags);
}

}  // namespace vidpipe::runtime
