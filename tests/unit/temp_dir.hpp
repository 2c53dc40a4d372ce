// A fresh folder under the system temp dir for one test, removed with everything in it.
#pragma once

#include <filesystem>
#include <string>
#include <unistd.h>

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "test") {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("vidpipe-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};
