// Plugin discovery, loading and registration (see registry.hpp).
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <dlfcn.h>
#include <sys/stat.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include "decode/decode_contract.hpp"
#include "plugin_file.hpp"
#include "plugin_library.hpp"
#include "registry_cache.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

void register_builtin_nodes(Registry& r);  // builtin_nodes.cpp

NodeRegistry::NodeRegistry() { add_builtin("vidpipe.core", register_builtin_nodes); }

// Entries hold factories whose code lives in the libraries: drop them before the libraries.
NodeRegistry::~NodeRegistry() {
  nodes_.clear();
  backends_.clear();
  profiles_.clear();
}

bool library_loaded(const PluginLibrary* lib) { return !lib || lib->loaded(); }
bool PluginInfo::loaded() const { return library_loaded(library.get()); }

// The Registry a plugin's register_nodes() sees: attributes every entry to its file and
// refuses duplicates, naming both files (a silent last-wins would hide conflicts).
class NodeRegistry::Scope final : public Registry {
 public:
  Scope(NodeRegistry& owner, std::string plugin, std::string path, std::shared_ptr<PluginLibrary> lib)
      : owner_(owner), plugin_(std::move(plugin)), path_(std::move(path)), lib_(std::move(lib)) {}

  void add_node(NodeSpec spec, NodeFactory make) override {
    check_spec(spec);
    if (auto* prev = owner_.find_node(spec.type))
      throw Error(fmt::format("node type '{}' is registered twice: by {} and by {}", spec.type,
                              prev->path, path_),
                  "remove one of the two plugins from the plugin path", ErrorKind::Configuration);
    std::string type = spec.type;
    added_nodes.push_back(type);
    owner_.nodes_.emplace(type, NodeEntry{lib_, std::move(spec), std::move(make), plugin_, path_});
  }

  // A backend X is stored, and offered as node type decode.X (the decode node pinned to X).
  void add_decoder_backend(DecoderBackendSpec spec, DecoderBackendFactory make) override {
    const std::string name = spec.name();
    if (!make) bad_backend(spec, "it has no factory");
    if (auto* prev = owner_.find_backend(name))
      throw Error(fmt::format("decoder backend '{}' is registered twice: by {} and by {}", name, prev->path, path_),
                  "remove one of the two plugins from the plugin path", ErrorKind::Configuration);
    std::string why;
    std::optional<NodeSpec> pinned = pinned_decode_spec(spec, why);
    if (!why.empty()) bad_backend(spec, why);
    if (pinned) {
      check_spec(*pinned);
      if (auto* prev = owner_.find_node(pinned->type))
        throw Error(fmt::format("decoder backend '{}' of {} would be node type '{}', which {} registers", name, path_,
                                pinned->type, prev->path),
                    "rename the backend or the node", ErrorKind::Configuration);
    }
    added_backends.push_back(name);
    BackendEntry& entry =
        owner_.backends_.emplace(name, BackendEntry{lib_, std::move(spec), std::move(make), plugin_, path_}).first->second;
    if (pinned) {
      std::string type = pinned->type;
      owner_.nodes_.emplace(type, NodeEntry{lib_, std::move(*pinned), pinned_decode_factory(entry), plugin_, path_});
    }
  }

  void add_profile(ModelProfile profile) override {
    if (auto* prev = owner_.find_profile(profile.name))
      throw Error(fmt::format("model profile '{}' is registered twice: by {} and by {}", profile.name,
                              prev->path, path_),
                  "remove one of the two plugins from the plugin path", ErrorKind::Configuration);
    std::string name = profile.name;
    added_profiles.push_back(name);
    owner_.profiles_.emplace(name, ProfileEntry{lib_, std::move(profile), plugin_, path_});
  }

  std::vector<std::string> added_nodes, added_profiles, added_backends;

 private:
  [[noreturn]] void bad_backend(const DecoderBackendSpec& s, const std::string& why) const {
    throw Error(fmt::format("{}: decoder backend '{}' has an invalid spec: {}", path_, s.contract.type, why),
                "fix the backend's backend_spec() in the plugin", ErrorKind::Configuration);
  }

  void check_spec(const NodeSpec& s) const {
    auto bad = [&](const std::string& why) {
      throw Error(fmt::format("{}: node '{}' has an invalid contract: {}", path_, s.type, why),
                  "fix the node's spec() in the plugin", ErrorKind::Configuration);
    };
    auto dot = s.type.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == s.type.size()) bad("type must be 'family.name'");
    if (s.concurrency < 0) bad("concurrency must be >= 0");
    bool source = s.shape == Shape::Source;
    if (source != s.inputs.empty()) bad("a source has no input port; every other node has exactly one");
    if (s.inputs.size() > 1) bad("at most one input port");
    if (s.outputs.size() > 4) bad("at most four output ports");
    if ((source || s.shape == Shape::Expand) && s.outputs.size() != 1) bad("sources and expanders have one output port");
    for (const auto& p : s.params) {
      if (p.type == ParamType::Enum && p.choices.empty()) bad("enum parameter '" + p.name + "' has no choices");
    }
  }

  NodeRegistry& owner_;
  std::string plugin_, path_;
  std::shared_ptr<PluginLibrary> lib_;
};

void NodeRegistry::register_from(const std::string& plugin, const std::string& path, std::shared_ptr<PluginLibrary> lib,
                                 const std::function<void(Registry&)>& register_fn) {
  // All or nothing: a plugin whose registration fails leaves no entries behind.
  auto nodes_before = nodes_;
  auto profiles_before = profiles_;
  auto backends_before = backends_;
  auto restore = [&] {
    nodes_ = std::move(nodes_before), profiles_ = std::move(profiles_before), backends_ = std::move(backends_before);
  };
  Scope scope(*this, plugin, path, lib);
  try {
    register_fn(scope);
    if (!scope.added_backends.empty()) refresh_decode_nodes();
  } catch (const Error& e) {
    restore();
    std::string msg = e.what();
    if (msg.find(path) == std::string::npos) msg = fmt::format("{}: plugin '{}' failed while registering: {}", path, plugin, msg);
    throw Error(msg, e.hint(), ErrorKind::Configuration);
  } catch (const std::exception& e) {
    restore();
    throw Error(fmt::format("{}: plugin '{}' failed while registering: {}", path, plugin, e.what()), "", ErrorKind::Configuration);
  } catch (...) {
    restore();
    throw Error(fmt::format("{}: plugin '{}' failed while registering (non-standard exception)", path, plugin),
                "report this to the plugin's author", ErrorKind::Configuration);
  }
  auto& info = plugins_.emplace_back();
  info.name = plugin;
  info.path = path;
  info.node_types = scope.added_nodes;
  info.profiles = scope.added_profiles;
  info.backends = scope.added_backends;
  info.library = lib;
  if (lib) libraries_.push_back(std::move(lib));
}

// decode.auto and decode.images are the runtime's ("vidpipe.core"), over every backend so far.
void NodeRegistry::refresh_decode_nodes() {
  auto table = std::make_shared<BackendTable>();
  for (const auto& [name, e] : backends_) table->by_rank.push_back(e);
  std::stable_sort(table->by_rank.begin(), table->by_rank.end(),
                   [](const BackendEntry& a, const BackendEntry& b) { return a.spec.rank > b.spec.rank; });
  PluginInfo& core = plugins_.front();  // the registry's first plugin (constructor)
  for (NodeSpec spec : runtime_decode_specs(*table)) {
    if (auto* prev = find_node(spec.type); prev && prev->path != "<builtin>")
      throw Error(fmt::format("node type '{}' is the runtime's (over its decoder backends), but {} registers it too",
                              spec.type, prev->path),
                  "remove that plugin from the plugin path", ErrorKind::Configuration);
    std::string type = spec.type;
    NodeFactory make = runtime_decode_factory(table, type);
    nodes_.insert_or_assign(type, NodeEntry{nullptr, std::move(spec), std::move(make), core.name, "<builtin>"});
    if (std::find(core.node_types.begin(), core.node_types.end(), type) == core.node_types.end()) core.node_types.push_back(type);
  }
}

void NodeRegistry::add_builtin(const std::string& plugin_name, void (*register_fn)(Registry&)) {
  register_from(plugin_name, "<builtin>", nullptr, register_fn);
  plugins_.back().version = VIDPIPE_VERSION;
  plugins_.back().sdk_version = VIDPIPE_VERSION;
  plugins_.back().abi_major = VIDPIPE_ABI_MAJOR;
  plugins_.back().abi_minor = VIDPIPE_ABI_MINOR;
}

const PluginInfo& NodeRegistry::load(const std::string& path_in) {
  std::string path = fs::absolute(path_in).lexically_normal().string();
  if (const PluginInfo* loaded = find_plugin(path)) return *loaded;  // the same file reached through two search dirs

  std::error_code exists_ec;
  if (!fs::exists(path, exists_ec))
    throw Error(fmt::format("{}: cannot load plugin: no such file", path), "check the plugin path", ErrorKind::Configuration);
  PluginFile file(path);
  if (!file.not_a_plugin().empty())
    throw Error(fmt::format("{}: {}", path, file.not_a_plugin()),
                "plugins define VIDPIPE_PLUGIN(name, version, register_fn); remove other libraries from the plugin path", ErrorKind::Configuration);
  return load_checked(path, file);
}

const vidpipe_plugin_descriptor* open_library(PluginLibrary& slot, const std::string& path, PluginFile& file) {
  const std::string& load_path = file.load_path();
  boost::dll::fs::error_code ec;
  slot.lib.load(load_path, ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec) {
    // dlerror names the file by its real path: name it as it was found instead.
    const char* dl_error = ::dlerror();
    std::string why = dl_error ? dl_error : ec.message();
    if (why.starts_with(load_path + ": ")) why.erase(0, load_path.size() + 2);
    for (auto at = why.find(load_path); at != std::string::npos; at = why.find(load_path, at + path.size()))
      why.replace(at, load_path.size(), path);
    const bool missing_library = why.find("cannot open shared object file") != std::string::npos;
    throw Error(fmt::format("{}: cannot load plugin: {}", path, why),
                missing_library ? "install the library it needs (ldd lists them)"
                                : "check the file is a vidpipe plugin built for this system (ldd shows missing libraries)", ErrorKind::Configuration);
  }

  using EntryFn = const vidpipe_plugin_descriptor*();
  const vidpipe_plugin_descriptor* d = slot.lib.get<EntryFn>(VIDPIPE_ENTRY_POINT)();
  if (!d || d->struct_size < offsetof(vidpipe_plugin_descriptor, reserved))
    throw Error(fmt::format("{}: the plugin's descriptor is missing or truncated", path), "rebuild the plugin against this SDK", ErrorKind::Configuration);
  if (d->abi_major != VIDPIPE_ABI_MAJOR || d->abi_minor > VIDPIPE_ABI_MINOR)
    throw Error(fmt::format("{}: plugin '{}' was built for vidpipe ABI {}.{}, this runtime has ABI {}.{}", path,
                            d->name ? d->name : "?", d->abi_major, d->abi_minor, VIDPIPE_ABI_MAJOR, VIDPIPE_ABI_MINOR),
                "rebuild the plugin against this vidpipe SDK", ErrorKind::Configuration);
  if (d->cxx11_abi != VIDPIPE_CXX11_ABI)
    throw Error(fmt::format("{}: plugin was built with _GLIBCXX_USE_CXX11_ABI={}, the runtime with {}", path,
                            d->cxx11_abi, VIDPIPE_CXX11_ABI),
                "build host and plugins with the same compiler settings", ErrorKind::Configuration);
  if (!d->name || !d->register_nodes)
    throw Error(fmt::format("{}: the plugin descriptor has no name or no register function", path), "", ErrorKind::Configuration);
  return d;
}

const PluginInfo& NodeRegistry::load_checked(const std::string& path, PluginFile& file) {
  auto lib = std::make_shared<PluginLibrary>();
  const vidpipe_plugin_descriptor* d = open_library(*lib, path, file);
  lib->ensure_loaded();  // nothing left to load: marks it loaded
  for (const auto& p : plugins_)
    if (p.name == d->name)
      throw Error(fmt::format("plugin '{}' is loaded twice: from {} and from {}", d->name, p.path, path),
                  "remove one copy from the plugin path", ErrorKind::Configuration);

  register_from(d->name, path, lib, d->register_nodes);
  PluginInfo& info = plugins_.back();
  info.version = d->version ? d->version : "";
  info.sdk_version = d->sdk_version ? d->sdk_version : "";
  info.abi_major = d->abi_major;
  info.abi_minor = d->abi_minor;
  return info;
}

void NodeRegistry::load_dirs(const std::vector<std::string>& dirs) { scan_dirs(dirs, nullptr); }

void NodeRegistry::scan_dirs(const std::vector<std::string>& dirs, RegistryCache* cache) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    fs::path folder = fs::absolute(dir).lexically_normal();
    if (!folder.has_filename()) folder = folder.parent_path();  // "plugins/" names "plugins"
    check_owner_and_mode(folder.string(), "folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".so") files.push_back(fs::absolute(e.path()).lexically_normal());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string path = f.string();
      if (find_plugin(path)) continue;
      // Stamped before it is read: a file that changes after this is read again next time.
      struct stat st {};
      const bool stamped = cache && ::stat(path.c_str(), &st) == 0;
      const CachedPlugin* cached = stamped ? cache->find(path, stamp_of(st)) : nullptr;
      if (cached && cached->skipped.empty()) {
        register_cached(path, *cached);
        continue;
      }
      std::string skipped;
      if (cached) {
        skipped = cached->skipped;
      } else {
        PluginFile file(path);
        skipped = file.not_a_plugin();
        if (skipped.empty()) {
          const PluginInfo& info = load_checked(path, file);
          if (stamped) cache->put(path, cache_entry(*this, info, stamp_of(st)));
          if (cache && notice_) notice_(fmt::format("plugin '{}' loaded from {} (not in the registry cache)", info.name, path));
          continue;
        }
        if (stamped) cache->put(path, CachedPlugin{stamp_of(st), skipped, {}, {}, {}, {}});
      }
      // Another library in a plugin folder is skipped, not loaded: one stray file must not
      // stop every command.
      std::string warning = fmt::format("{}: skipped: {}", path, skipped);
      if (std::find(warnings_.begin(), warnings_.end(), warning) == warnings_.end()) warnings_.push_back(warning);
    }
  }
}

const PluginInfo* NodeRegistry::find_plugin(const std::string& path) const {
  for (const auto& p : plugins_)
    if (p.path == path) return &p;
  return nullptr;
}

const NodeEntry* NodeRegistry::find_node(const std::string& type) const {
  auto it = nodes_.find(type);
  return it == nodes_.end() ? nullptr : &it->second;
}

const BackendEntry* NodeRegistry::find_backend(const std::string& name) const {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : &it->second;
}

const ProfileEntry* NodeRegistry::find_profile(const std::string& name) const {
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : &it->second;
}

std::vector<std::string> NodeRegistry::node_types() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : nodes_) out.push_back(k);
  return out;
}

std::vector<std::string> NodeRegistry::profile_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : profiles_) out.push_back(k);
  return out;
}

// Found from the runtime library itself (<prefix>/<libdir>/libvidpipe_runtime.so), not the
// program: a program embedding the runtime (/usr/bin/python3 importing vidpipe) lives elsewhere.
// Normalised: a library found through a RUNPATH such as $ORIGIN/../../.. is named that way.
std::string install_prefix() {
  std::error_code ec;
  std::filesystem::path self = boost::dll::this_line_location();
  std::filesystem::path prefix = std::filesystem::weakly_canonical(self, ec).parent_path();
  if (ec) prefix = self.lexically_normal().parent_path();
  for (const auto& part : std::filesystem::path(VIDPIPE_LIB_RELDIR))
    if (part != ".") prefix = prefix.parent_path();
  return prefix.string();
}

std::string graphs_dir() { return install_prefix() + "/" VIDPIPE_GRAPH_RELDIR; }

std::vector<std::string> plugin_search_path(const std::vector<std::string>& extra) {
  std::vector<std::string> dirs = extra;
  if (const char* env = std::getenv("VIDPIPE_PLUGIN_PATH")) {
    std::string s = env;
    for (std::size_t start = 0; start <= s.size();) {
      std::size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) dirs.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.push_back(install_prefix() + "/" VIDPIPE_PLUGIN_RELDIR);
  return dirs;
}

}  // namespace vidpipe::runtime
