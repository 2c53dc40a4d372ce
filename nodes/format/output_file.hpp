// Writing a job's output file: to a temporary name, renamed when complete, so a reader never
// sees half a file (the job's whole folder is published atomically by the runtime as well).
#pragma once

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <string>

#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {

class OutputFile {
 public:
  // `name` comes from a graph parameter: a plain file name inside the job's folder, never a
  // path out of it. A file of that name already written for this job is an error, not replaced.
  OutputFile(const std::string& dir, const std::string& name)
      : path_((std::filesystem::path(dir) / name).string()), tmp_(path_ + ".tmp") {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || name.rfind(".vidpipe", 0) == 0)
      throw Error("output file name '" + name + "' is not a plain file name",
                  "set the formatter's file parameter to a name such as frames.npy (no folders)");
    f_ = std::fopen(tmp_.c_str(), "wbx");  // exclusive: two writers of one name must not mix
    if (!f_ && errno == EEXIST)
      throw Error("two formatters write " + name + " for this input", "give each formatter its own file name");
    if (!f_) throw Error("cannot create " + tmp_, "check that the output folder is writable and has space");
  }
  ~OutputFile() {
    if (f_) {
      std::fclose(f_);
      std::remove(tmp_.c_str());
    }
  }
  void write(const void* data, std::size_t n) {
    if (n && std::fwrite(data, 1, n, f_) != n) throw Error("cannot write " + tmp_, "the disk may be full");
    bytes_ += n;
  }
  void write_header(const std::string& h) { write(h.data(), h.size()); }
  // Flushes, closes and renames into place. Returns the bytes written.
  uint64_t commit() {
    bool ok = std::fflush(f_) == 0;
    ok = std::fclose(f_) == 0 && ok;
    f_ = nullptr;
    const int err = ok ? rename_no_replace() : EIO;
    if (err) std::remove(tmp_.c_str());
    if (err == EEXIST)
      throw Error("two formatters write " + std::filesystem::path(path_).filename().string() + " for this input",
                  "give each formatter its own file name");
    if (err) throw Error("cannot finish " + path_, "the disk may be full");
    return bytes_;
  }

 private:
  // rename(2) that never replaces (file systems without renameat2 flags: check, then rename).
  int rename_no_replace() const {
    if (renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return errno;
    if (std::filesystem::exists(path_)) return EEXIST;
    return std::rename(tmp_.c_str(), path_.c_str()) == 0 ? 0 : errno;
  }
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace vidpipe::nodes
