// Shared by the plugin loader tests: where the test plugins are, and what a refusal says.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "vidpipe/runtime/registry.hpp"

// A test plugin built from tests/plugins/ ("vptest_good" ...).
inline std::string plugin(const std::string& name) {
  return (std::filesystem::path(VIDPIPE_BUILD_DIR) / "tests" / "plugins" / (name + ".so")).lexically_normal().string();
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The message of the vidpipe::Error `fn` throws; fails the test when it throws nothing.
template <class F> std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const vidpipe::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected vidpipe::Error, got std::exception: " << e.what());
  }
  FAIL("expected vidpipe::Error, nothing was thrown");
  return "";
}
