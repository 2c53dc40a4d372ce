// A plugin file opened once, so that the file checked is the file loaded.
//
// Its owner, mode and kind are read from the open descriptor (fstat), its entry point from the
// same descriptor (elf_exports.hpp), and dlopen is given /proc/self/fd/N, the open file itself:
// checking a path and then loading that path would load whatever is there by then.
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
  // The name to give dlopen: the open file itself (/proc/self/fd/N).
  std::string load_path();

 private:
  int fd_ = -1;
  std::string not_a_plugin_;
};

}  // namespace vidpipe::runtime
