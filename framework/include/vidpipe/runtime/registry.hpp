// The node registry and the plugin loader.
//
// Plugins are found in a search path (built-in dir, VIDPIPE_PLUGIN_PATH, --plugin-path, a
// graph's `plugins:`), checked for the entry point in the file before anything of them runs,
// loaded with Boost.DLL (rtld_now | rtld_local), checked against the ABI numbers, and asked to
// register their nodes and model profiles. Every entry keeps its
// library alive (shared_ptr), and libraries are never unloaded during a run.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/sdk/plugin.hpp"

namespace vidpipe::runtime {

struct PluginLibrary;  // a loaded .so (opaque; keeps the library mapped)
class PluginFile;     // a plugin file opened and checked before it is loaded (src/plugin_file.hpp)

struct PluginInfo {
  std::string name, version, sdk_version, path;
  unsigned abi_major = 0, abi_minor = 0;
  std::vector<std::string> node_types, profiles;
};

// `library` is declared first so it is destroyed last: the code of `make` lives in it.
struct NodeEntry {
  std::shared_ptr<PluginLibrary> library;
  NodeSpec spec;
  NodeFactory make;
  std::string plugin;  // plugin name
  std::string path;    // file it came from ("<builtin>" for nodes registered in-process)
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
  // What load_dirs skipped, one line each ("<file>: skipped: <why>").
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Registers nodes from code linked into the process (tests, embedding applications).
  void add_builtin(const std::string& plugin_name, void (*register_fn)(Registry&));

  const NodeEntry* find_node(const std::string& type) const;
  const ProfileEntry* find_profile(const std::string& name) const;
  const std::map<std::string, NodeEntry>& nodes() const { return nodes_; }
  const std::map<std::string, ProfileEntry>& profiles() const { return profiles_; }
  const std::vector<PluginInfo>& plugins() const { return plugins_; }
  std::vector<std::string> node_types() const;
  std::vector<std::string> profile_names() const;

 private:
  class Scope;
  const PluginInfo* find_plugin(const std::string& path) const;
  // Loads a file that PluginFile opened and found to be a plugin.
  const PluginInfo& load_checked(const std::string& path, PluginFile& file);
  void register_from(const std::string& plugin, const std::string& path,
                     std::shared_ptr<PluginLibrary> lib, void (*register_fn)(Registry&));

  std::map<std::string, NodeEntry> nodes_;
  std::map<std::string, ProfileEntry> profiles_;
  std::vector<PluginInfo> plugins_;
  std::vector<std::string> warnings_;
  std::vector<std::shared_ptr<PluginLibrary>> libraries_;  // declared last: destroyed last
};

// The default plugin search path: --plugin-path dirs, then VIDPIPE_PLUGIN_PATH (':'-separated),
// then the built-in dir next to the runtime (<prefix>/lib/vidpipe/plugins).
std::vector<std::string> plugin_search_path(const std::vector<std::string>& extra);
// <prefix> of the running binary (parent of bin/), and the shipped graphs folder under it.
std::string install_prefix();
std::string graphs_dir();

}  // namespace vidpipe::runtime
