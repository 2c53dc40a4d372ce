// A plugin file's library slot (registry.hpp): one per plugin file, shared by every entry and
// factory closure of that plugin.
//
// A plugin registered from the registry cache is loaded on the first use of anything it
// registered: a node built while a graph is resolved, or a decoder backend made during a run
// (decode.auto falls back to it while other jobs decode). So a load may happen on any thread at
// any time: it runs once (std::call_once), writes only this slot, and every later caller sees
// what it filled (or its error) without a lock. The registry's maps are never written after
// loading, so nothing else needs guarding.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::runtime {

class PluginFile;

struct PluginLibrary {
  // Declared first, so unmapped last: the factories below are code of this library.
  boost::dll::shared_library lib;
  // What a deferred load registered (filled by `load_later`, read after ensure_loaded()).
  std::map<std::string, NodeFactory> nodes;
  std::map<std::string, DecoderBackendFactory> backends;
  // Loads the library into this slot and fills the maps above; empty when the library was
  // loaded at registration.
  std::function<void(PluginLibrary&)> load_later;

  // Runs `load_later` once, whichever thread comes first; rethrows its error on every call.
  void ensure_loaded() {
    std::call_once(once_, [this] {
      try {
        if (load_later) load_later(*this);
        loaded_.store(true);
      } catch (...) {
        failed_ = std::current_exception();
      }
    });
    if (failed_) std::rethrow_exception(failed_);
  }
  bool loaded() const { return loaded_.load(); }

 private:
  std::once_flag once_;
  std::exception_ptr failed_;  // written inside call_once, read after it
  std::atomic<bool> loaded_{false};
};

// dlopen of a checked plugin file into `slot.lib`, then the descriptor checks; returns the
// descriptor. Throws vidpipe::Error naming `path` (plugin_loader.cpp).
const vidpipe_plugin_descriptor* open_library(PluginLibrary& slot, const std::string& path, PluginFile& file);

}  // namespace vidpipe::runtime
