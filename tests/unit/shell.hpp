// A shell command's stdout, for tests whose reference is the ffmpeg/ffprobe CLI.
#pragma once

#include <cstdio>
#include <string>

namespace vidpipe::test {

inline std::string capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[1 << 16];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
  }
  return out;  // "" when the command could not start: the comparison that follows fails
}

}  // namespace vidpipe::test
