// The plugin registry cache (registry_cache.hpp, NodeRegistry::load_dirs_cached): contracts come
// from the cache, a library is loaded only when one of its nodes is built, any change to a
// plugin file rebuilds its entry, and a broken cache is harmless.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "plugin_test_helpers.hpp"
#include "registry_cache.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using vidpipe::runtime::NodeRegistry;
using vidpipe::runtime::PluginInfo;

namespace {

// A plugin folder holding a copy of the good test plugin, and a cache file beside it.
struct CachedSetup {
  TempDir tmp{"regcache"};
  fs::path plugins = tmp.path / "plugins", cache = tmp.path / "cache" / "vidpipe" / "registry.json";
  std::vector<std::string> notices;
  CachedSetup() {
    fs::permissions(tmp.path, fs::perms(0755));
    fs::create_directory(plugins);
    fs::permissions(plugins, fs::perms(0755));
    fs::copy_file(plugin("vptest_good"), plugins / "good.so");
  }
  bool noticed(const std::string& text) const {
    for (const auto& n : notices)
      if (contains(n, text)) return true;
    return false;
  }
  // A fresh registry over the folder, as one command makes it.
  std::unique_ptr<NodeRegistry> registry() {
    auto reg = std::make_unique<NodeRegistry>();
    reg->load_dirs_cached({plugins.string()}, cache.string(), [this](const std::string& s) { notices.push_back(s); });
    return reg;
  }
};

const PluginInfo& good_info(const NodeRegistry& reg) {
  for (const auto& p : reg.plugins())
    if (p.name == "testing_good") return p;
  FAIL("testing_good is not registered");
  throw 0;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

bool mapped(const std::string& path) { return read_text("/proc/self/maps").find(path) != std::string::npos; }

std::unique_ptr<vidpipe::Node> make_echo(const NodeRegistry& reg) {
  return reg.find_node("testing.echo")->make(vidpipe::Params(vidpipe::json{{"tag", "t"}, {"factor", 1}}, {}));
}

}  // namespace

TEST_CASE("the first command writes the cache; the next one registers from it and loads on first use") {
  CachedSetup s;
  {
    auto reg = s.registry();
    CHECK(good_info(*reg).loaded());  // not in the cache yet: loaded as without one
  }
  REQUIRE(fs::exists(s.cache));
  struct stat st {};
  REQUIRE(::stat(s.cache.parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat(s.cache.c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);

  // A copy under a name no other test loads, so /proc/self/maps tells whether it was loaded.
  fs::rename(s.plugins / "good.so", s.plugins / "good_lazy.so");
  const std::string lib = (s.plugins / "good_lazy.so").string();
  { s.registry(); }  // the rename is a new file: cached again
  auto reg = s.registry();
  const PluginInfo& info = good_info(*reg);
  CHECK_FALSE(info.loaded());
  CHECK_FALSE(mapped(lib));
  CHECK(info.version == "1.2.3");
  CHECK(info.abi_major == VIDPIPE_ABI_MAJOR);
  CHECK(info.node_types == std::vector<std::string>{"testing.echo"});
  const auto* echo = reg->find_node("testing.echo");
  REQUIRE(echo != nullptr);
  CHECK_FALSE(vidpipe::runtime::library_loaded(echo->library.get()));
  CHECK(echo->path == lib);
  CHECK(echo->spec.shape == vidpipe::Shape::Map);
  REQUIRE(echo->spec.find_param("factor") != nullptr);
  CHECK(echo->spec.find_param("factor")->max == 1000);
  REQUIRE(reg->find_profile("testing_model") != nullptr);
  CHECK(reg->find_profile("testing_model")->profile.params.at("factor") == 14);

  // Building the node loads the library, with the contract it had when cached.
  CHECK(make_echo(*reg) != nullptr);
  CHECK(good_info(*reg).loaded());
  CHECK(vidpipe::runtime::library_loaded(echo->library.get()));
  CHECK(mapped(lib));
  CHECK(make_echo(*reg) != nullptr);  // loaded once
}

TEST_CASE("a plugin file that changed, vanished or appeared rebuilds its entry") {
  CachedSetup s;
  { s.registry(); }
  CHECK_FALSE(good_info(*s.registry()).loaded());

  SUBCASE("touched") {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fs::last_write_time(s.plugins / "good.so", fs::file_time_type::clock::now());
    CHECK(good_info(*s.registry()).loaded());
    CHECK_FALSE(good_info(*s.registry()).loaded());  // and cached again
  }
  SUBCASE("replaced by another build") {
    fs::remove(s.plugins / "good.so");
    fs::copy_file(plugin("vptest_good_sysv_hash"), s.plugins / "good.so");
    CHECK(good_info(*s.registry()).loaded());
  }
  SUBCASE("made writable by its group: refused, as without a cache") {
    fs::permissions(s.plugins / "good.so", fs::perms(0775));
    NodeRegistry reg;
    std::string msg = error_of([&] { reg.load_dirs_cached({s.plugins.string()}, s.cache.string()); });
    CHECK(contains(msg, "refusing plugin file"));
  }
  SUBCASE("removed") {
    fs::remove(s.plugins / "good.so");
    CHECK(s.registry()->find_node("testing.echo") == nullptr);
  }
  SUBCASE("another one appeared") {
    fs::copy_file(plugin("vptest_no_entry"), s.plugins / "stray.so");
    auto reg = s.registry();
    REQUIRE(reg->warnings().size() == 1);
    CHECK(contains(reg->warnings()[0], "stray.so: skipped: not a vidpipe plugin"));
    auto again = s.registry();  // the skipped file is cached too, with its warning
    REQUIRE(again->warnings().size() == 1);
    CHECK(again->warnings()[0] == reg->warnings()[0]);
  }
}

TEST_CASE("a corrupt, foreign or unwritable cache is ignored, and only a notice says so") {
  CachedSetup s;
  fs::create_directories(s.cache.parent_path());
  SUBCASE("garbage") {
    std::ofstream(s.cache) << "{\"format\": \"vidpipe-registry-cache-1\", \"plugins\": [1, 2";
    CHECK(good_info(*s.registry()).loaded());
    CHECK(s.noticed("registry cache ignored: it does not parse"));
    s.notices.clear();
    CHECK_FALSE(good_info(*s.registry()).loaded());  // rewritten whole
    CHECK(s.notices.empty());
  }
  SUBCASE("well-formed JSON of the wrong shape") {
    { s.registry(); }
    std::string text = read_text(s.cache);
    const auto at = text.find("\"nodes\":[");
    REQUIRE(at != std::string::npos);
    text.replace(at, 9, "\"nodes\":[7,");
    std::ofstream(s.cache, std::ios::trunc) << text;
    CHECK(good_info(*s.registry()).loaded());
    CHECK(s.noticed("registry cache ignored: it does not parse"));
  }
  SUBCASE("written by another build of the runtime") {
    { s.registry(); }
    std::string text = read_text(s.cache);
    const auto at = text.find("\"runtime\":\"");
    REQUIRE(at != std::string::npos);
    text.insert(at + 11, "0.0.1 ");
    std::ofstream(s.cache, std::ios::trunc) << text;
    CHECK(good_info(*s.registry()).loaded());
    CHECK(s.noticed("registry cache ignored: written by another build"));
  }
  SUBCASE("writable by others") {
    { s.registry(); }
    fs::permissions(s.cache, fs::perms(0666));
    CHECK(good_info(*s.registry()).loaded());
    CHECK(s.noticed("registry cache ignored: another user could have written it"));
  }
  SUBCASE("a folder where the file should be, and a folder that cannot be made") {
    fs::create_directory(s.cache);
    CHECK(good_info(*s.registry()).loaded());
    CHECK(good_info(*s.registry()).loaded());
    NodeRegistry reg;
    CHECK_NOTHROW(reg.load_dirs_cached({s.plugins.string()}, "/proc/vidpipe-nowhere/registry.json"));
    CHECK(good_info(reg).loaded());
  }
}

TEST_CASE("a library loaded on first use passes the same checks as one loaded at once") {
  CachedSetup s;
  const fs::path elsewhere = s.tmp.path / "elsewhere";
  fs::create_directory(elsewhere);
  fs::permissions(elsewhere, fs::perms(0755));
  fs::rename(s.plugins / "good.so", elsewhere / "good.so");
  fs::create_symlink(elsewhere / "good.so", s.plugins / "link.so");
  { s.registry(); }
  // Anyone could now put another good.so where the link leads: the file's own stamp does not
  // change, so the cached contracts stand, but nothing is loaded from there.
  fs::permissions(elsewhere, fs::perms(0777));
  auto reg = s.registry();
  REQUIRE(reg->find_node("testing.echo") != nullptr);
  std::string msg = error_of([&] { make_echo(*reg); });
  CHECK(contains(msg, elsewhere.string() + ": refusing plugin folder, reached through " + (s.plugins / "link.so").string()));
  CHECK_FALSE(good_info(*reg).loaded());
  fs::permissions(elsewhere, fs::perms(0755));
}

TEST_CASE("every field of the real plugins' contracts survives the cache") {
  const fs::path real = fs::path(VIDPIPE_BUILD_DIR) / "lib" / "vidpipe" / "plugins";
  REQUIRE(fs::is_directory(real));
  TempDir tmp{"regcache-real"};
  const std::string cache = (tmp.path / "registry.json").string();
  NodeRegistry loaded;
  loaded.load_dirs_cached({real.string()}, cache);
  NodeRegistry cached;
  cached.load_dirs_cached({real.string()}, cache);
  REQUIRE(loaded.nodes().size() == cached.nodes().size());
  for (const auto& [type, e] : loaded.nodes()) {
    INFO(type);
    const auto* c = cached.find_node(type);
    REQUIRE(c != nullptr);
    CHECK(vidpipe::runtime::same_contract(c->spec, e.spec));
    CHECK(c->spec.frame_formats == e.spec.frame_formats);
    CHECK(c->plugin == e.plugin);
    CHECK(c->path == e.path);
  }
  REQUIRE(loaded.backends().size() == cached.backends().size());
  CHECK(loaded.backends().size() >= 4);  // ffmpeg, images, opencv, images_opencv
  for (const auto& [name, b] : loaded.backends()) {
    INFO(name);
    const auto* c = cached.find_backend(name);
    REQUIRE(c != nullptr);
    CHECK(vidpipe::runtime::same_backend(c->spec, b.spec));
    CHECK(c->plugin == b.plugin);
    CHECK(c->path == b.path);
  }
  for (const auto& [name, p] : loaded.profiles()) {
    INFO(name);
    REQUIRE(cached.find_profile(name) != nullptr);
    CHECK(cached.find_profile(name)->profile.params == p.profile.params);
    CHECK(cached.find_profile(name)->profile.facts == p.profile.facts);
    CHECK(cached.find_profile(name)->profile.doc == p.profile.doc);
  }
  for (const auto& p : cached.plugins())
    if (p.path != "<builtin>") CHECK_FALSE(p.loaded());
}

TEST_CASE("a plugin replaced after its contracts were read is not used with the old contracts") {
  CachedSetup s;
  { s.registry(); }
  auto reg = s.registry();  // testing.echo known from the cache, nothing loaded
  REQUIRE(reg->find_node("testing.echo") != nullptr);
  fs::remove(s.plugins / "good.so");
  fs::copy_file(plugin("vptest_silent_plan"), s.plugins / "good.so");  // registers other nodes
  std::string msg = error_of([&] { make_echo(*reg); });
  CHECK(contains(msg, (s.plugins / "good.so").string() + ": the plugin changed while vidpipe was starting"));
  CHECK_FALSE(good_info(*reg).loaded());
  CHECK(reg->find_node("testing.plan") == nullptr);
}
