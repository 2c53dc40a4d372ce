// Decoder backends in the registry (registry.hpp, decode_contract.hpp): attribution, the node
// types they become, refusals naming both files, the registry cache, and a lazy load from many
// threads at once.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "plugin_test_helpers.hpp"
#include "registry_cache.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using vidpipe::runtime::NodeRegistry;

namespace {

vidpipe::Params defaults(const vidpipe::NodeSpec& s) {
  vidpipe::json v = vidpipe::json::object();
  for (const auto& p : s.params) v[p.name] = p.default_value;
  return vidpipe::Params(v, {});
}

bool mapped(const std::string& path) {
  std::ifstream in("/proc/self/maps");
  return std::string(std::istreambuf_iterator<char>(in), {}).find(path) != std::string::npos;
}

}  // namespace

TEST_CASE("a backend is attributed to its plugin and offered as decode.<name>, decode.auto and nothing else") {
  NodeRegistry reg;
  CHECK(reg.find_node("decode.auto") == nullptr);  // no backend, no decode.auto
  reg.load(plugin("vptest_failing_backend"));
  const auto* b = reg.find_backend("failing");
  REQUIRE(b != nullptr);
  CHECK(b->spec.rank == 1000);
  CHECK(b->plugin == "testing_failing_backend");
  CHECK(b->path == plugin("vptest_failing_backend"));
  const auto* pinned = reg.find_node("decode.failing");
  REQUIRE(pinned != nullptr);
  CHECK(pinned->plugin == "testing_failing_backend");
  CHECK(pinned->spec.role == vidpipe::Role::Decoder);
  CHECK(pinned->spec.shape == vidpipe::Shape::Expand);
  for (const char* p : {"test_flag", "seek_mode", "on_decode_error", "max_corrupt_ratio", "threads", "autorotate",
                        "max_decoded_frames", "max_input_pixels", "max_duration", "deadline"})
    CHECK_MESSAGE(pinned->spec.find_param(p) != nullptr, p);
  CHECK(pinned->spec.find_param("backends") == nullptr);
  const auto* all = reg.find_node("decode.auto");
  REQUIRE(all != nullptr);
  CHECK(all->plugin == "vidpipe.core");
  REQUIRE(all->spec.find_param("backends") != nullptr);
  CHECK(all->spec.find_param("backends")->default_value == vidpipe::json::array());
  CHECK(all->spec.find_param("test_flag") != nullptr);
  CHECK(reg.find_node("decode.images") == nullptr);  // no backend takes frame sequences
  const auto& core = reg.plugins().front();
  CHECK(std::find(core.node_types.begin(), core.node_types.end(), "decode.auto") != core.node_types.end());
  CHECK(reg.plugins().back().backends == std::vector<std::string>{"failing"});
  CHECK(reg.plugins().back().node_types.empty());
  // decode.auto refuses a backend nobody registered, naming those that exist
  std::string msg = error_of([&] {
    auto p = defaults(all->spec);
    vidpipe::json v = p.values();
    v["backends"] = {"nope"};
    all->make(vidpipe::Params(v, {}));
  });
  CHECK(contains(msg, "decode.auto: unknown backend 'nope'"));
}

TEST_CASE("two backends of one name, or a backend named like a node, are refused naming both files") {
  NodeRegistry reg;
  reg.load(plugin("vptest_failing_backend"));
  std::string msg = error_of([&] { reg.load(plugin("vptest_failing_backend_twin")); });
  CHECK(contains(msg, "decoder backend 'failing' is registered twice: by " + plugin("vptest_failing_backend") +
                          " and by " + plugin("vptest_failing_backend_twin")));
  CHECK(reg.find_backend("failing")->path == plugin("vptest_failing_backend"));  // nothing of the twin stayed
  msg = error_of([&] { reg.load(plugin("vptest_backend_clash")); });
  CHECK(contains(msg, "node type 'decode.failing' is registered twice: by " + plugin("vptest_failing_backend") +
                          " and by " + plugin("vptest_backend_clash")));

  NodeRegistry other;  // the node first, then the backend
  other.load(plugin("vptest_backend_clash"));
  msg = error_of([&] { other.load(plugin("vptest_failing_backend")); });
  CHECK(contains(msg, "decoder backend 'failing' of " + plugin("vptest_failing_backend") + " would be node type 'decode.failing', which " +
                          plugin("vptest_backend_clash") + " registers"));
  CHECK(other.find_backend("failing") == nullptr);
  CHECK(other.find_node("decode.auto") == nullptr);
}

TEST_CASE("backend specs come from the registry cache; the library loads once, on the first make, from any thread") {
  TempDir tmp{"backend-cache"};
  fs::permissions(tmp.path, fs::perms(0755));
  const fs::path dir = tmp.path / "plugins";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms(0755));
  const std::string lib = (dir / "lazy_backend.so").string();  // a name no other test maps
  fs::copy_file(plugin("vptest_failing_backend"), lib);
  const std::string cache = (tmp.path / "cache" / "registry.json").string();
  std::vector<std::string> notices;
  { NodeRegistry first; first.load_dirs_cached({dir.string()}, cache); }

  NodeRegistry reg;
  reg.load_dirs_cached({dir.string()}, cache, [&](const std::string& s) { notices.push_back(s); });
  const auto* b = reg.find_backend("failing");
  REQUIRE(b != nullptr);
  CHECK(b->spec.rank == 1000);
  CHECK(b->spec.contract.find_param("test_flag") != nullptr);
  CHECK(b->path == lib);
  CHECK_FALSE(vidpipe::runtime::library_loaded(b->library.get()));
  CHECK_FALSE(mapped(lib));
  REQUIRE(reg.find_node("decode.failing") != nullptr);
  REQUIRE(reg.find_node("decode.auto") != nullptr);
  // Building the graph's decode nodes loads nothing: backends are made per input.
  reg.find_node("decode.auto")->make(defaults(reg.find_node("decode.auto")->spec));
  reg.find_node("decode.failing")->make(defaults(reg.find_node("decode.failing")->spec));
  CHECK_FALSE(mapped(lib));

  std::atomic<int> made{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (b->make(defaults(b->spec.contract))) ++made;
    });
  for (auto& t : threads) t.join();
  CHECK(made == 8);
  CHECK(vidpipe::runtime::library_loaded(b->library.get()));
  CHECK(mapped(lib));
  int loads = 0;
  for (const auto& n : notices) loads += contains(n, "plugin 'testing_failing_backend' loaded from");
  CHECK(loads == 1);
}
