// What a plugin library exports: one entry point, one registration function.
//
//   #include <vidpipe/sdk/plugin.hpp>
//   static void register_nodes(vidpipe::Registry& r) { r.add<MyNode>(); }
//   VIDPIPE_PLUGIN("my_plugin", "1.0.0", register_nodes)
//
// Registration is explicit (no static-init registrars): the runtime calls `register_nodes`
// after checking the ABI numbers, so every entry is attributed to its file and a plugin
// that fails is reported by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "vidpipe/sdk/decoder_backend.hpp"
#include "vidpipe/sdk/node.hpp"

namespace vidpipe {

// A model plugin's profile: parameter values applied, by parameter name, to every node of a
// graph that declares that parameter (layer "profile": above node defaults, below the YAML).
struct ModelProfile {
  std::string name;
  std::string doc;
  json params = json::object();  // e.g. {"factor": 28, "max_pixels": 602112, "fps": 2.0}
  json facts = json::object();   // model constants with their sources, for `describe`
};

class VIDPIPE_API Registry {
 public:
  virtual void add_node(NodeSpec spec, NodeFactory make) = 0;
  virtual void add_profile(ModelProfile profile) = 0;

  // Registers node class T, which provides `static NodeSpec spec()` and `T(const Params&)`.
  template <class T> void add() {
    add_node(T::spec(), [](const Params& p) -> std::unique_ptr<Node> { return std::make_unique<T>(p); });
  }

  // Since ABI 3.0: a decoder backend (decoder_backend.hpp), offered as node type decode.<name>
  // and tried by decode.auto by rank. One object is made per input, on the decoding thread.
  virtual void add_decoder_backend(DecoderBackendSpec spec, DecoderBackendFactory make) = 0;

  // Registers backend class T, which provides `static DecoderBackendSpec backend_spec()` and
  // `T(const Params&)` (its own parameters' values).
  template <class T> void add_backend() {
    add_decoder_backend(T::backend_spec(),
                        [](const Params& p) -> std::unique_ptr<DecoderBackend> { return std::make_unique<T>(p); });
  }

 protected:
  ~Registry() = default;
};

}  // namespace vidpipe

extern "C" {
// Plain data, so the runtime can read it before trusting anything else in the library.
struct vidpipe_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;
  const char* version;
  const char* sdk_version;
  const char* compiler;
  int cxx11_abi;  // _GLIBCXX_USE_CXX11_ABI the plugin was built with
  void (*register_nodes)(vidpipe::Registry&);
  void* reserved[8];
};
}

#define VIDPIPE_ENTRY_POINT "vidpipe_plugin_v1"

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define VIDPIPE_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#else
#define VIDPIPE_CXX11_ABI -1
#endif

#define VIDPIPE_PLUGIN(NAME, VERSION, REGISTER_FN)                                           \
  extern "C" VIDPIPE_API const vidpipe_plugin_descriptor* vidpipe_plugin_v1() {              \
    static const vidpipe_plugin_descriptor descriptor{                                      \
        sizeof(vidpipe_plugin_descriptor), VIDPIPE_ABI_MAJOR, VIDPIPE_ABI_MINOR, NAME,       \
        VERSION, VIDPIPE_VERSION, VIDPIPE_COMPILER, VIDPIPE_CXX11_ABI, REGISTER_FN, {}};     \
    return &descriptor;                                                                     \
  }
