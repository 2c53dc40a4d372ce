#include "plugin_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "elf_exports.hpp"
#include "vidpipe/runtime/registry.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

void check_owner_and_mode(const std::string& path, const struct stat& st, const std::string& what) {
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    throw Error(fmt::format("{}: refusing plugin {}: it belongs to another user (uid {}), who could change the code it runs",
                            path, what, st.st_uid),
                "chown it to yourself (or root), or remove it from the plugin path", ErrorKind::Configuration);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    throw Error(fmt::format("{}: refusing plugin {}: it is writable by {}, who could change the code it runs", path, what,
                            st.st_mode & S_IWOTH ? "every user" : "its group"),
                "chmod go-w " + path, ErrorKind::Configuration);
}

void check_owner_and_mode(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) check_owner_and_mode(path, st, what);
}

PluginFile::PluginFile(const std::string& path) {
  std::error_code ec;
  const std::string real = real_ = fs::canonical(path, ec).string();
  if (ec) {
    not_a_plugin_ = "it cannot be read: " + ec.message();
    return;
  }
  // Whoever can write a folder can replace the files in it: the folder the path names and, past
  // symlinks, the real file's folder are checked. Not every folder above: those belong to root
  // or to the user in any sane setup, and a sticky world-writable one (/tmp) does not let other
  // users rename what is in it; checking them would refuse such setups without making them safer.
  const std::string reached = real == path ? "" : ", reached through " + path;
  check_owner_and_mode(fs::path(path).parent_path().string(), "folder");
  if (!reached.empty()) check_owner_and_mode(fs::path(real).parent_path().string(), "folder" + reached);

  // O_NOFOLLOW: a symlink put in place of the checked path since is refused, not followed.
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then not a regular file).
  fd_ = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  struct stat st {};
  if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
    not_a_plugin_ = fmt::format("it cannot be read: {}", std::strerror(errno));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    not_a_plugin_ = "it is not a regular file";
    return;
  }
  check_owner_and_mode(real, st, "file" + reached);
  std::string why;
  const std::optional<bool> has_entry = elf_exports_function(fd_, VIDPIPE_ENTRY_POINT, why);
  if (!has_entry) not_a_plugin_ = why;
  else if (!*has_entry) not_a_plugin_ = fmt::format("not a vidpipe plugin: it has no '{}' entry point", VIDPIPE_ENTRY_POINT);
}

PluginFile::~PluginFile() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace vidpipe::runtime
