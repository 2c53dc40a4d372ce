// The registry with its cache: contracts from the cache, a library loaded when one of its nodes
// is first built or one of its backends first made (registry.hpp, load_dirs_cached).
#include <fmt/format.h>

#include "plugin_file.hpp"
#include "plugin_library.hpp"
#include "registry_cache.hpp"
#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::runtime {
namespace {

// What a plugin's register_nodes() registers, kept aside to be checked against the cache.
class Collected final : public Registry {
 public:
  void add_node(NodeSpec spec, NodeFactory make) override { nodes.emplace_back(std::move(spec), std::move(make)); }
  void add_profile(ModelProfile profile) override { profiles.push_back(std::move(profile)); }
  void add_decoder_backend(DecoderBackendSpec spec, DecoderBackendFactory make) override {
    backends.emplace_back(std::move(spec), std::move(make));
  }
  std::vector<std::pair<NodeSpec, NodeFactory>> nodes;
  std::vector<std::pair<DecoderBackendSpec, DecoderBackendFactory>> backends;
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

namespace {

// Loads a plugin known from the cache into `slot`: the same checks as load() before any of its
// code runs, then what it registers must be what the cache said (else the graph was resolved
// against contracts the library no longer has). Touches nothing but the slot.
void load_deferred(PluginLibrary& slot, const std::string& path, const CachedPlugin& cached,
                   const std::function<void(const std::string&)>& notice) {
  PluginFile file(path);
  if (!file.not_a_plugin().empty())
    throw Error(fmt::format("{}: {}", path, file.not_a_plugin()), "the plugin changed while vidpipe was starting: run it again", ErrorKind::Configuration);
  const vidpipe_plugin_descriptor* d = open_library(slot, path, file);
  Collected got;
  try {
    d->register_nodes(got);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: plugin '{}' failed while registering: {}", path, d->name, e.what()), "", ErrorKind::Configuration);
  } catch (...) {
    throw Error(fmt::format("{}: plugin '{}' failed while registering (non-standard exception)", path, d->name),
                "report this to the plugin's author", ErrorKind::Configuration);
  }

  bool same = cached.info.name == d->name && got.nodes.size() == cached.nodes.size() &&
              got.profiles.size() == cached.profiles.size() && got.backends.size() == cached.backends.size();
  for (std::size_t i = 0; same && i < got.nodes.size(); ++i) same = same_contract(cached.nodes[i], got.nodes[i].first);
  for (std::size_t i = 0; same && i < got.profiles.size(); ++i)
    same = cached.profiles[i].name == got.profiles[i].name && cached.profiles[i].params == got.profiles[i].params;
  for (std::size_t i = 0; same && i < got.backends.size(); ++i) same = same_backend(cached.backends[i], got.backends[i].first);
  if (!same)
    throw Error(fmt::format("{}: the plugin changed while vidpipe was starting (it registers other nodes than it did)", path),
                "run the command again", ErrorKind::Configuration);

  for (auto& [spec, make] : got.nodes) slot.nodes[spec.type] = std::move(make);
  for (auto& [spec, make] : got.backends) slot.backends[spec.name()] = std::move(make);
  if (notice) notice(fmt::format("plugin '{}' loaded from {}", d->name, path));
}

}  // namespace

void NodeRegistry::register_cached(const std::string& path, const CachedPlugin& cached) {
  for (const auto& p : plugins_)
    if (p.name == cached.info.name)
      throw Error(fmt::format("plugin '{}' is loaded twice: from {} and from {}", cached.info.name, p.path, path),
                  "remove one copy from the plugin path", ErrorKind::Configuration);
  auto slot = std::make_shared<PluginLibrary>();
  slot->load_later = [path, cached, notice = notice_](PluginLibrary& self) { load_deferred(self, path, cached, notice); };
  // The factories hold the slot, and reach the library's own factories through it.
  register_from(cached.info.name, path, slot, [&](Registry& r) {
    for (const auto& spec : cached.nodes)
      r.add_node(spec, [slot, type = spec.type](const Params& p) {
        slot->ensure_loaded();
        return slot->nodes.at(type)(p);
      });
    for (const auto& backend : cached.backends)
      r.add_decoder_backend(backend, [slot, name = backend.name()](const Params& p) {
        slot->ensure_loaded();
        return slot->backends.at(name)(p);
      });
    for (const auto& profile : cached.profiles) r.add_profile(profile);
  });
  PluginInfo& info = plugins_.back();
  info.version = cached.info.version;
  info.sdk_version = cached.info.sdk_version;
  info.abi_major = cached.info.abi_major;
  info.abi_minor = cached.info.abi_minor;
}

}  // namespace vidpipe::runtime
