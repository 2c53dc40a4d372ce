// Writing a file into a job's output folder (VideoJob::out_dir), the way every formatter should:
// to a temporary name, renamed into place when complete, so a reader never sees half a file
// (the runtime publishes the job's whole folder atomically as well, docs/outputs.md).
//
//   OutputFile f(job.video().out_dir, "frames.npy");   // throws vidpipe::Error naming the fix
//   f.write(data, n);
//   artifact.bytes = f.commit();                        // not committed: removed on destruction
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

class VIDPIPE_API OutputFile {
 public:
  // `name` usually comes from a graph parameter: it must be a plain file name (no folders, not
  // `.`/`..`, not vidpipe's own `.vidpipe*` markers). A file of that name already written for
  // this job is an error (two formatters writing one name), never replaced.
  OutputFile(const std::string& dir, const std::string& name);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, std::size_t n);
  void write_header(const std::string& h) { write(h.data(), h.size()); }
  // Makes what was written readable now (a writer that streams lines, format.jsonl).
  void flush();
  // Replaces the first `old_size` bytes written (a header written before the final count was
  // known, e.g. by a writer that streams) by `head`, moving the data when the sizes differ.
  void rewrite_head(std::size_t old_size, const std::string& head);
  // Flushes, closes and renames into place. Returns the bytes written.
  uint64_t commit();

 private:
  std::string name_, path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t bytes_ = 0;
};

// rename(2) that never replaces `to`: renameat2(RENAME_NOREPLACE), or, on file systems without
// it, a check then rename(2) (which still refuses a non-empty folder). 0 or an errno value.
VIDPIPE_API int rename_no_replace(const std::string& from, const std::string& to);

}  // namespace vidpipe
