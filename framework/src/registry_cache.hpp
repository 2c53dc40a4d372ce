// The plugin registry cache: what each plugin file registered (its descriptor's facts, node
// contracts, decoder backend specs, model profiles), or why it is not a plugin, keyed by the file's identity. With it a
// command knows every node type without loading a library, and loads only the libraries whose
// nodes its graph builds (NodeRegistry::load_dirs_cached).
//
// Never trusted blindly: an entry is used only while the file's size, mtime, ctime (chmod,
// chown), device and inode are the ones recorded; a cache written by another build of the
// runtime, not owned by this user, writable by others or unreadable is ignored (and rebuilt).
// It holds no code and names no file to load: a library is loaded only from the plugin search
// path, after the same checks as without a cache (plugin_file.hpp).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::runtime {

// Who a file is: any change to its content, mode or owner changes the stamp.
struct FileStamp {
  uint64_t size = 0, mtime_ns = 0, ctime_ns = 0, dev = 0, ino = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp stamp_of(const struct stat& st);

struct CachedPlugin {
  FileStamp stamp;
  std::string skipped;  // why the file is not a plugin; "" for a plugin
  PluginInfo info;      // name, versions, ABI (path and lists are the entry's)
  std::vector<NodeSpec> nodes;
  std::vector<ModelProfile> profiles;
  std::vector<DecoderBackendSpec> backends;
};

// What `reg` has from the plugin `info`, as the cache keeps it.
CachedPlugin cache_entry(const NodeRegistry& reg, const PluginInfo& info, const FileStamp& stamp);
// Whether two contracts (backend specs) are the same in every field the cache keeps.
bool same_contract(const NodeSpec& a, const NodeSpec& b);
bool same_backend(const DecoderBackendSpec& a, const DecoderBackendSpec& b);

class RegistryCache {
 public:
  // Reads `file`. A missing file is an empty cache; one that is unusable is ignored and
  // notice() says why.
  explicit RegistryCache(std::string file);

  // The entry for the plugin file at `path`, when its stamp is still `stamp`.
  const CachedPlugin* find(const std::string& path, const FileStamp& stamp) const;
  void put(const std::string& path, CachedPlugin entry);

  // Writes the cache when put() changed it: in a 0700 folder, through a temporary file renamed
  // over the old one, so a reader never sees half a file. Entries of files that are gone are
  // dropped. A failure is not an error (the next command rebuilds): notice() says why.
  void save();

  const std::string& notice() const { return notice_; }

 private:
  std::string file_, notice_;
  std::map<std::string, CachedPlugin> entries_;
  bool changed_ = false;
};

}  // namespace vidpipe::runtime
