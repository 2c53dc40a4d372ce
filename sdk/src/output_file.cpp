#include "vidpipe/sdk/output_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <vector>

#include "vidpipe/sdk/error.hpp"

namespace vidpipe {

int rename_no_replace(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(to, ec))) return EEXIST;
  return std::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

OutputFile::OutputFile(const std::string& dir, const std::string& name)
    : name_(name), path_((std::filesystem::path(dir) / name).string()), tmp_(path_ + ".tmp") {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || name.rfind(".vidpipe", 0) == 0)
    throw Error("output file name '" + name + "' is not a plain file name",
                "set the formatter's file parameter to a name such as frames.npy (no folders)");
  f_ = std::fopen(tmp_.c_str(), "wbx");  // exclusive: two writers of one name must not mix
  if (!f_ && errno == EEXIST) throw Error("two formatters write " + name + " for this input", "give each formatter its own file name");
  if (!f_) throw Error("cannot create " + tmp_, "check that the output folder is writable and has space");
}

OutputFile::~OutputFile() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void OutputFile::write(const void* data, std::size_t n) {
  if (n && std::fwrite(data, 1, n, f_) != n) throw Error("cannot write " + tmp_, "the disk may be full");
  bytes_ += n;
}

void OutputFile::flush() {
  if (std::fflush(f_) != 0) throw Error("cannot write " + tmp_, "the disk may be full");
}

void OutputFile::rewrite_head(std::size_t old_size, const std::string& head) {
  const auto failed = [&] { return Error("cannot write " + tmp_, "the disk may be full"); };
  if (old_size > bytes_) throw Error("rewrite_head: the file has only " + std::to_string(bytes_) + " bytes", "", ErrorKind::Internal);
  if (std::fflush(f_) != 0) throw failed();
  if (head.size() == old_size) {
    if (std::fseek(f_, 0, SEEK_SET) != 0 || std::fwrite(head.data(), 1, head.size(), f_) != head.size() ||
        std::fseek(f_, 0, SEEK_END) != 0)
      throw failed();
    return;
  }
  // Another size: copy the data behind the new head into a second temporary file.
  const std::string moved = tmp_ + "2";
  std::FILE* in = std::fopen(tmp_.c_str(), "rb");
  std::FILE* out = in ? std::fopen(moved.c_str(), "wbx") : nullptr;
  bool ok = out && std::fseek(in, static_cast<long>(old_size), SEEK_SET) == 0 &&
            std::fwrite(head.data(), 1, head.size(), out) == head.size();
  std::vector<char> buf(1 << 20);
  for (std::size_t n; ok && (n = std::fread(buf.data(), 1, buf.size(), in)) > 0;) ok = std::fwrite(buf.data(), 1, n, out) == n;
  ok = ok && !std::ferror(in);
  if (in) std::fclose(in);
  if (out) ok = std::fclose(out) == 0 && ok;
  if (ok) {
    std::fclose(f_);
    f_ = nullptr;
    ok = std::rename(moved.c_str(), tmp_.c_str()) == 0 && (f_ = std::fopen(tmp_.c_str(), "ab")) != nullptr;
  }
  if (!ok) {
    std::remove(moved.c_str());
    if (!f_) std::remove(tmp_.c_str());  // closed above: the destructor no longer removes it
    throw failed();
  }
  bytes_ = bytes_ - old_size + head.size();
}

uint64_t OutputFile::commit() {
  bool ok = std::fflush(f_) == 0;
  ok = std::fclose(f_) == 0 && ok;
  f_ = nullptr;
  const int err = ok ? rename_no_replace(tmp_, path_) : EIO;
  if (err) std::remove(tmp_.c_str());
  if (err == EEXIST) throw Error("two formatters write " + name_ + " for this input", "give each formatter its own file name");
  if (err) throw Error("cannot finish " + path_, "the disk may be full");
  return bytes_;
}

}  // namespace vidpipe
