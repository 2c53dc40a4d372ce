// The node registry and the plugin loader.
//
// Plugins are found in a search path (built-in dir, VIDPIPE_PLUGIN_PATH, --plugin-path, a
// graph's `plugins:`), checked for the entry point in the file before anything of them runs,
// loaded with Boost.DLL (rtld_now | rtld_local), checked against the ABI numbers, and asked to
// register their nodes, decoder backends and model profiles. Every entry keeps its library
// alive (shared_ptr), and libraries are never unloaded during a run.
// With the registry cache (load_dirs_cached) the contracts come from the cache and a library is
// loaded, with the same checks, only when one of its nodes or backends is first made.
//
// Decoder backends (vidpipe/sdk/decoder_backend.hpp) become node types: for each backend X the
// registry offers `decode.X` (the runtime's decode node pinned to X), and the runtime's
// `decode.auto` (every backend, by rank) and `decode.images` (the frame-sequence backends).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/sdk/decoder_backend.hpp"
#include "vidpipe/sdk/plugin.hpp"

namespace vidpipe::runtime {

// A plugin file's library slot (opaque; src/plugin_library.hpp): loaded once, at registration or
// on first use, by whichever thread needs it first; keeps the library mapped.
struct PluginLibrary;
// Whether `lib` is loaded (true for null: code linked into the process).
bool library_loaded(const PluginLibrary* lib);
class PluginFile;     // a plugin file opened and checked before it is loaded (src/plugin_file.hpp)
class RegistryCache;  // the plugin registry cache (src/registry_cache.hpp)
struct CachedPlugin;

struct PluginInfo {
  std::string name, version, sdk_version, path;
  unsigned abi_major = 0, abi_minor = 0;
  std::vector<std::string> node_types, profiles;
  std::vector<std::string> backends;  // decoder backend names (each also node type decode.<name>)
  std::shared_ptr<PluginLibrary> library;  // null for code linked into the process
  // false while only its cached contracts are known (load_dirs_cached) and nothing of it was made
  bool loaded() const;
};

// `library` is declared first so it is destroyed last: the code of `make` lives in it.
struct NodeEntry {
  std::shared_ptr<PluginLibrary> library;
  NodeSpec spec;
  NodeFactory make;
  std::string plugin;  // plugin name
  std::string path;    // file it came from ("<builtin>" for nodes registered in-process)
};

// A decoder backend: its spec and factory, attributed like a node.
struct BackendEntry {
  std::shared_ptr<PluginLibrary> library;
  DecoderBackendSpec spec;
  DecoderBackendFactory make;
  std::string plugin, path;
  std::string name() const { return spec.name(); }
};

struct ProfileEntry {
  std::shared_ptr<PluginLibrary> library;
  ModelProfile profile;
  std::string plugin, path;
};

class NodeRegistry {
 public:
  NodeRegistry();
  ~NodeRegistry();
  NodeRegistry(const NodeRegistry&) = delete;
  NodeRegistry& operator=(const NodeRegistry&) = delete;

  // Loads one plugin file. Throws vidpipe::Error naming the file on any refusal: a file another
  // user could change (owned by someone else than this user or root, or group/other-writable),
  // or without the entry point (checked in the file before loading, so no code of it runs).
  const PluginInfo& load(const std::string& path);
  // Loads every plugin *.so in each directory, in name order. Missing directories are skipped;
  // a .so that is not a vidpipe plugin is skipped with a warning (warnings()); a folder or file
  // another user could change is refused (vidpipe::Error naming it).
  void load_dirs(const std::vector<std::string>& dirs);
  // load_dirs with the plugin registry cache `cache_file` ("" = none; registry_cache.hpp): the
  // node contracts, profiles and plugin facts of unchanged files come from the cache, and such a
  // plugin's library is loaded, with every check load() makes, when one of its nodes is first
  // built (NodeEntry::make, e.g. while a graph is resolved) or one of its decoder backends is
  // first made (BackendEntry::make, possibly during a run: decode.auto's fallback). New or
  // changed files are loaded now, as load_dirs does, and the cache is rewritten. `notice` gets
  // what a verbose mode shows: why the cache was ignored or not written, and each library
  // loaded. A load on first use happens once per library, on any thread, and writes only that
  // library's slot (PluginLibrary), never the registry.
  void load_dirs_cached(const std::vector<std::string>& dirs, const std::string& cache_file,
                        std::function<void(const std::string&)> notice = {});
  // What load_dirs skipped, one line each ("<file>: skipped: <why>").
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Registers nodes from code linked into the process (tests, embedding applications).
  void add_builtin(const std::string& plugin_name, void (*register_fn)(Registry&));

  const NodeEntry* find_node(const std::string& type) const;
  const ProfileEntry* find_profile(const std::string& name) const;
  const BackendEntry* find_backend(const std::string& name) const;
  const std::map<std::string, NodeEntry>& nodes() const { return nodes_; }
  const std::map<std::string, BackendEntry>& backends() const { return backends_; }
  const std::map<std::string, ProfileEntry>& profiles() const { return profiles_; }
  const std::vector<PluginInfo>& plugins() const { return plugins_; }
  std::vector<std::string> node_types() const;
  std::vector<std::string> profile_names() const;

 private:
  class Scope;
  const PluginInfo* find_plugin(const std::string& path) const;
  // Loads a file that PluginFile opened and found to be a plugin.
  const PluginInfo& load_checked(const std::string& path, PluginFile& file);
  void register_from(const std::string& plugin, const std::string& path, std::shared_ptr<PluginLibrary> lib,
                     const std::function<void(Registry&)>& register_fn);
  // load_dirs and load_dirs_cached (cache == nullptr: none).
  void scan_dirs(const std::vector<std::string>& dirs, RegistryCache* cache);
  // Lazy loading (lazy_plugins.cpp): a cached plugin's entries, with factories that load it.
  void register_cached(const std::string& path, const CachedPlugin& cached);
  // (Re)builds decode.auto and decode.images over the backends registered so far.
  void refresh_decode_nodes();

  std::function<void(const std::string&)> notice_;

  std::map<std::string, NodeEntry> nodes_;
  std::map<std::string, BackendEntry> backends_;
  std::map<std::string, ProfileEntry> profiles_;
  std::vector<PluginInfo> plugins_;
  std::vector<std::string> warnings_;
  std::vector<std::shared_ptr<PluginLibrary>> libraries_;  // declared last: destroyed last
};

// The default plugin search path: --plugin-path dirs, then VIDPIPE_PLUGIN_PATH (':'-separated),
// then the built-in dir next to the runtime (<prefix>/lib/vidpipe/plugins).
std::vector<std::string> plugin_search_path(const std::vector<std::string>& extra);
// The plugin registry cache file: $XDG_CACHE_HOME/vidpipe/registry-<hash of the runtime's path>.json,
// else the same under ~/.cache/vidpipe; "" (no cache) when VIDPIPE_NO_REGISTRY_CACHE is set to
// anything but "" or "0", or no home is known.
std::string default_registry_cache_file();
// <prefix> of the running binary (parent of bin/), and the shipped graphs folder under it.
std::string install_prefix();
std::string graphs_dir();

}  // namespace vidpipe::runtime
