// A plugin file checked before any of its code runs.
//
// Its owner, mode and kind are read from an open descriptor (fstat) and its entry point from the
// same descriptor (elf_exports.hpp). dlopen is then given the file's real path, not the open file
// (/proc/self/fd/N): that keeps $ORIGIN in the plugin's RUNPATH naming its folder, so a plugin
// can bring its own libraries. The path can only change between the check and the load through
// the folder holding it, and check_owner_and_mode has just made sure that only this user or root
// can write there.
#pragma once

#include <sys/stat.h>

#include <string>

namespace vidpipe::runtime {

// Code in a plugin runs with this user's rights, so a plugin file or folder that another user
// could change is refused: throws vidpipe::Error naming `path` unless it belongs to this user or
// root and is not group/other-writable. `what` names it in the message ("folder", "file").
void check_owner_and_mode(const std::string& path, const struct stat& st, const std::string& what);
// The same for the file or folder at `path`; a missing path passes (it is reported where used).
void check_owner_and_mode(const std::string& path, const std::string& what);

class PluginFile {
 public:
  // Opens `path` (absolute, normalised), following symlinks: the file it leads to, that file's
  // folder and the folder `path` names must pass check_owner_and_mode (else this throws).
  explicit PluginFile(const std::string& path);
  ~PluginFile();
  PluginFile(const PluginFile&) = delete;
  PluginFile& operator=(const PluginFile&) = delete;

  // Why the file is not a vidpipe plugin (missing, not a regular file, not a library, no entry
  // point), read without loading it so none of its code runs; "" when it is one.
  const std::string& not_a_plugin() const { return not_a_plugin_; }
  // The name to give dlopen: the real path (symlinks resolved) of the checked file.
  const std::string& load_path() const { return real_; }

 private:
  int fd_ = -1;
  std::string real_, not_a_plugin_;
};

}  // namespace vidpipe::runtime
