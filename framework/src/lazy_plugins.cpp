// The registry with its cache: contracts from the cache, a library loaded when one of its nodes
// is first built (registry.hpp, load_dirs_cached).
#include <fmt/format.h>

#include "plugin_file.hpp"
#include "registry_cache.hpp"
#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::runtime {
namespace {

// What a plugin's register_nodes() registers, kept aside to be checked against the cache.
class Collected final : public Registry {
 public:
  void add_node(NodeSpec spec, NodeFactory make) override { nodes.emplace_back(std::move(spec), std::move(make)); }
  void add_profile(ModelProfile profile) override { profiles.push_back(std::move(profile)); }
  std::vector<std::pair<NodeSpec, NodeFactory>> nodes;
  std::vector<ModelProfile> profiles;
};

}  // namespace

void NodeRegistry::load_dirs_cached(const std::vector<std::string>& dirs, const std::string& cache_file,
                                    std::function<void(const std::string&)> notice) {
  notice_ = std::move(notice);
  if (cache_file.empty()) {
    load_dirs(dirs);
    return;
  }
  RegistryCache cache(cache_file);
  if (!cache.notice().empty() && notice_) notice_(cache.notice() + " (rebuilding it)");
  scan_dirs(dirs, &cache);
  cache.save();
  if (!cache.notice().empty() && notice_) notice_(cache.notice());
}

void NodeRegistry::register_cached(const std::string& path, const CachedPlugin& cached) {
  for (const auto& p : plugins_)
    if (p.name == cached.info.name)
      throw Error(fmt::format("plugin '{}' is loaded twice: from {} and from {}", cached.info.name, p.path, path),
                  "remove one copy from the plugin path", ErrorKind::Configuration);
  register_from(cached.info.name, path, nullptr, [&](Registry& r) {
    for (const auto& spec : cached.nodes)
      r.add_node(spec, [this, path, type = spec.type](const Params& p) { return loaded_factory(path, type)(p); });
    for (const auto& profile : cached.profiles) r.add_profile(profile);
  });
  PluginInfo& info = plugins_.back();
  info.version = cached.info.version;
  info.sdk_version = cached.info.sdk_version;
  info.abi_major = cached.info.abi_major;
  info.abi_minor = cached.info.abi_minor;
  info.loaded = false;
}

NodeFactory NodeRegistry::loaded_factory(const std::string& path, const std::string& type) {
  std::lock_guard lock(lazy_mu_);
  if (!lazy_factories_.count(type)) load_deferred(path);
  return lazy_factories_.at(type);
}

// Loads a plugin known from the cache: the same checks as load() before any of its code runs,
// then what it registers must be what the cache said (else the graph was resolved against
// contracts the library no longer has).
void NodeRegistry::load_deferred(const std::string& path) {
  PluginFile file(path);
  if (!file.not_a_plugin().empty())
    throw Error(fmt::format("{}: {}", path, file.not_a_plugin()), "the plugin changed while vidpipe was starting: run it again", ErrorKind::Configuration);
  const vidpipe_plugin_descriptor* d = nullptr;
  std::shared_ptr<PluginLibrary> lib = open_library(path, file, d);
  Collected got;
  try {
    d->register_nodes(got);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: plugin '{}' failed while registering: {}", path, d->name, e.what()), "", ErrorKind::Configuration);
  } catch (...) {
    throw Error(fmt::format("{}: plugin '{}' failed while registering (non-standard exception)", path, d->name),
                "report this to the plugin's author", ErrorKind::Configuration);
  }

  PluginInfo* info = nullptr;
  for (auto& p : plugins_)
    if (p.path == path) info = &p;
  bool same = info && info->name == d->name && got.nodes.size() == info->node_types.size() &&
              got.profiles.size() == info->profiles.size();
  for (std::size_t i = 0; same && i < got.nodes.size(); ++i) {
    const NodeEntry* cached = find_node(got.nodes[i].first.type);
    same = cached && cached->path == path && same_contract(cached->spec, got.nodes[i].first);
  }
  for (std::size_t i = 0; same && i < got.profiles.size(); ++i) {
    const ProfileEntry* cached = find_profile(got.profiles[i].name);
    same = cached && cached->path == path && cached->profile.params == got.profiles[i].params;
  }
  if (!same)
    throw Error(fmt::format("{}: the plugin changed while vidpipe was starting (it registers other nodes than it did)", path),
                "run the command again", ErrorKind::Configuration);

  for (auto& [spec, make] : got.nodes) {
    nodes_.at(spec.type).library = lib;
    lazy_factories_[spec.type] = std::move(make);
  }
  for (const auto& profile : got.profiles) profiles_.at(profile.name).library = lib;
  info->loaded = true;
  libraries_.push_back(lib);
  if (notice_) notice_(fmt::format("plugin '{}' loaded from {}", info->name, path));
}

}  // namespace vidpipe::runtime
