// Writing a job's output file: to a temporary name, renamed when complete, so a reader never
// sees half a file (the job's whole folder is published atomically by the runtime as well).
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {

class OutputFile {
 public:
  OutputFile(const std::string& dir, const std::string& name)
      : path_((std::filesystem::path(dir) / name).string()), tmp_(path_ + ".tmp") {
    f_ = std::fopen(tmp_.c_str(), "wb");
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
    if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      std::remove(tmp_.c_str());
      throw Error("cannot finish " + path_, "the disk may be full");
    }
    return bytes_;
  }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace vidpipe::nodes
