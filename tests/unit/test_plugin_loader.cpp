// NodeRegistry::load: the good plugin and every way a plugin is refused (tests/plugins/).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "plugin_test_helpers.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using vidpipe::runtime::NodeRegistry;

namespace {

struct NullEmitter final : vidpipe::Emitter {
  vidpipe::Data last;
  int count = 0;
  bool emit(vidpipe::Data item, int) override { last = std::move(item); ++count; return true; }
};

struct FakeJob final : vidpipe::Job {
  vidpipe::VideoJob v;
  vidpipe::json n = vidpipe::json::object(), c = vidpipe::json::object();
  const vidpipe::VideoJob& video() const override { return v; }
  void note(const std::string& key, vidpipe::json value) override { n[key] = std::move(value); }
  vidpipe::json notes() const override { return n; }
  const vidpipe::json& config() const override { return c; }
  vidpipe::json timing() const override { return vidpipe::json::object(); }
  bool cancelled() const override { return false; }
  void mark_partial(const std::string& damage) override { d = damage; }
  std::string damage() const override { return d; }
  std::string d;
};

}  // namespace

TEST_CASE("the test plugins were built") {
  for (auto name : {"vptest_good", "vptest_no_entry", "vptest_abi_mismatch", "vptest_duplicate", "vptest_throws_on_register",
                    "vptest_throws_error_on_register", "vptest_throws_int_on_register"})
    CHECK_MESSAGE(fs::exists(plugin(name)), plugin(name));
}

TEST_CASE("a good plugin loads; its node and profile are listed with the file") {
  NodeRegistry reg;
  const std::size_t builtin_nodes = reg.nodes().size();
  const auto& info = reg.load(plugin("vptest_good"));
  CHECK(info.name == "testing_good");
  CHECK(info.version == "1.2.3");
  CHECK(info.sdk_version == VIDPIPE_VERSION);
  CHECK(info.abi_major == VIDPIPE_ABI_MAJOR);
  CHECK(info.abi_minor == VIDPIPE_ABI_MINOR);
  CHECK(info.path == plugin("vptest_good"));
  CHECK(info.node_types == std::vector<std::string>{"testing.echo"});
  CHECK(info.profiles == std::vector<std::string>{"testing_model"});

  REQUIRE(reg.nodes().size() == builtin_nodes + 1);
  const auto* echo = reg.find_node("testing.echo");
  REQUIRE(echo != nullptr);
  CHECK(echo->plugin == "testing_good");
  CHECK(echo->path == plugin("vptest_good"));
  CHECK(echo->library != nullptr);
  CHECK(echo->spec.shape == vidpipe::Shape::Map);
  CHECK(echo->spec.concurrency == 0);
  REQUIRE(echo->spec.find_param("tag") != nullptr);

  const auto* profile = reg.find_profile("testing_model");
  REQUIRE(profile != nullptr);
  CHECK(profile->plugin == "testing_good");
  CHECK(profile->path == plugin("vptest_good"));
  CHECK(profile->profile.params.at("factor") == 14);

  auto types = reg.node_types();
  CHECK(std::find(types.begin(), types.end(), "testing.echo") != types.end());
  CHECK(std::find(types.begin(), types.end(), "source.inputs") != types.end());  // builtins stay
  CHECK(reg.profile_names() == std::vector<std::string>{"testing_model"});

  auto listed = std::find_if(reg.plugins().begin(), reg.plugins().end(),
                             [](const auto& p) { return p.name == "testing_good"; });
  REQUIRE(listed != reg.plugins().end());
  CHECK(listed->path == plugin("vptest_good"));

  // The factory runs the plugin's code with the parameters it is given.
  vidpipe::Params params(vidpipe::json{{"tag", "hello"}, {"factor", 1}}, {});
  auto node = echo->make(params);
  REQUIRE(node != nullptr);
  NullEmitter out;
  FakeJob job;
  auto frame = vidpipe::make_frame(2, 2).frame;
  node->process(vidpipe::FramePtr(frame), out, job);
  CHECK(out.count == 1);
  REQUIRE(std::holds_alternative<vidpipe::FramePtr>(out.last));
  CHECK(std::get<vidpipe::FramePtr>(out.last).get() == frame.get());
  CHECK(job.n.at("echo") == "hello");
}

TEST_CASE("a library without the entry point is refused, naming the file, before any of its code runs") {
  NodeRegistry reg;
  const auto nodes_before = reg.node_types();
  std::string msg = error_of([&] { reg.load(plugin("vptest_no_entry")); });
  CHECK(contains(msg, plugin("vptest_no_entry")));
  CHECK(contains(msg, VIDPIPE_ENTRY_POINT));
  CHECK(reg.node_types() == nodes_before);
  CHECK(reg.plugins().size() == 1);  // just vidpipe.core
  // The entry point is looked for in the file: the library was never loaded, so its
  // constructor (tests/plugins/no_entry.cpp) did not run.
  CHECK(std::getenv("VPTEST_NO_ENTRY_CONSTRUCTOR_RAN") == nullptr);
}

TEST_CASE("load_dirs skips libraries that are not plugins, with a warning naming each, and loads the rest") {
  TempDir tmp;
  fs::copy_file(plugin("vptest_good"), tmp.path / "good.so");
  fs::copy_file(plugin("vptest_no_entry"), tmp.path / "libstray.so");
  { std::ofstream(tmp.path / "notes.so") << "not an ELF file\n"; }
  NodeRegistry reg;
  reg.load_dirs({tmp.path.string()});
  CHECK(reg.find_node("testing.echo") != nullptr);
  CHECK(reg.plugins().size() == 2);
  REQUIRE(reg.warnings().size() == 2);
  // In name order: libstray.so, notes.so.
  CHECK(contains(reg.warnings()[0], (tmp.path / "libstray.so").string()));
  CHECK(contains(reg.warnings()[0], VIDPIPE_ENTRY_POINT));
  CHECK(contains(reg.warnings()[1], (tmp.path / "notes.so").string()));
  CHECK(contains(reg.warnings()[1], "not an ELF file"));
  CHECK(std::getenv("VPTEST_NO_ENTRY_CONSTRUCTOR_RAN") == nullptr);
}

TEST_CASE("a stripped plugin is recognised (the entry point is read from the dynamic symbol table)") {
  TempDir tmp;
  const fs::path stripped = tmp.path / "stripped.so";
  // strip comes with binutils, which building vidpipe needs.
  const std::string cmd = "strip --strip-all -o '" + stripped.string() + "' '" + plugin("vptest_good") + "'";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, cmd);
  NodeRegistry reg;
  CHECK(reg.load(stripped.string()).name == "testing_good");
}

TEST_CASE("plugin folders and files that other users could change are refused, naming them") {
  TempDir tmp;
  const fs::path dir = tmp.path / "plugins", file = dir / "good.so";
  fs::create_directories(dir);
  fs::copy_file(plugin("vptest_good"), file);
  fs::permissions(dir, fs::perms(0755));
  fs::permissions(file, fs::perms(0755));

  fs::permissions(dir, fs::perms(0777));
  {
    NodeRegistry reg;
    std::string msg = error_of([&] { reg.load_dirs({dir.string()}); });
    INFO(msg);
    CHECK(contains(msg, dir.string() + ": refusing plugin folder"));
    CHECK(contains(msg, "every user"));
    CHECK(reg.find_node("testing.echo") == nullptr);
  }
  fs::permissions(dir, fs::perms(0775));
  {
    NodeRegistry reg;
    std::string msg = error_of([&] { reg.load(file.string()); });
    CHECK(contains(msg, "its group"));
  }
  fs::permissions(dir, fs::perms(0755));
  fs::permissions(file, fs::perms(0757));
  {
    NodeRegistry reg;
    vidpipe::Error error("");
    try {
      reg.load_dirs({dir.string()});
      FAIL("a world-writable plugin file was loaded");
    } catch (const vidpipe::Error& e) {
      error = e;
    }
    INFO(error.what());
    CHECK(contains(error.what(), file.string() + ": refusing plugin file"));
    CHECK(error.hint() == "chmod go-w " + file.string());
  }
  fs::permissions(file, fs::perms(0755));
  {
    NodeRegistry reg;
    reg.load_dirs({dir.string()});
    CHECK(reg.find_node("testing.echo") != nullptr);
  }
  // Owned by another user (only root can give a file away).
  if (::geteuid() == 0 && ::chown(file.c_str(), 65534, 65534) == 0) {
    NodeRegistry reg;
    std::string msg = error_of([&] { reg.load_dirs({dir.string()}); });
    CHECK(contains(msg, file.string()));
    CHECK(contains(msg, "belongs to another user"));
  }
}

TEST_CASE("an ABI mismatch is refused, naming the file and both versions") {
  NodeRegistry reg;
  std::string msg = error_of([&] { reg.load(plugin("vptest_abi_mismatch")); });
  INFO(msg);
  CHECK(contains(msg, plugin("vptest_abi_mismatch")));
  const std::string plugin_abi = std::to_string(VIDPIPE_ABI_MAJOR + 1) + ".0";
  const std::string runtime_abi = std::to_string(VIDPIPE_ABI_MAJOR) + "." + std::to_string(VIDPIPE_ABI_MINOR);
  CHECK(contains(msg, plugin_abi));
  CHECK(contains(msg, runtime_abi));
  CHECK(contains(msg, "testing_future"));
  // register_nodes() was not called: it would have thrown "must never be called".
  CHECK_FALSE(contains(msg, "never be called"));
  CHECK(reg.plugins().size() == 1);
}

TEST_CASE("a duplicate node type is refused, naming both files; the plugin leaves nothing behind") {
  NodeRegistry reg;
  reg.load(plugin("vptest_good"));
  const auto nodes_before = reg.node_types();
  const auto plugins_before = reg.plugins().size();
  std::string msg = error_of([&] { reg.load(plugin("vptest_duplicate")); });
  INFO(msg);
  CHECK(contains(msg, "testing.echo"));
  CHECK(contains(msg, plugin("vptest_good")));
  CHECK(contains(msg, plugin("vptest_duplicate")));
  // All or nothing: the type it registered before the duplicate is gone too.
  CHECK(reg.find_node("testing.dup_fresh") == nullptr);
  CHECK(reg.node_types() == nodes_before);
  CHECK(reg.plugins().size() == plugins_before);
  // The first registration is untouched.
  REQUIRE(reg.find_node("testing.echo") != nullptr);
  CHECK(reg.find_node("testing.echo")->path == plugin("vptest_good"));
}

TEST_CASE("a plugin whose registration throws is reported and leaves no partial entries") {
  NodeRegistry reg;
  const auto nodes_before = reg.node_types();
  std::string msg = error_of([&] { reg.load(plugin("vptest_throws_on_register")); });
  INFO(msg);
  CHECK(contains(msg, plugin("vptest_throws_on_register")));
  CHECK(contains(msg, "testing_throws"));
  CHECK(contains(msg, "cannot find the model's weights (on purpose)"));
  CHECK(reg.find_node("testing.partial") == nullptr);
  CHECK(reg.find_profile("testing_partial_model") == nullptr);
  CHECK(reg.node_types() == nodes_before);
  CHECK(reg.profile_names().empty());
  CHECK(reg.plugins().size() == 1);

  // The registry is still usable afterwards.
  reg.load(plugin("vptest_good"));
  CHECK(reg.find_node("testing.echo") != nullptr);
}

TEST_CASE("a plugin whose registration throws vidpipe::Error is reported with its file") {
  NodeRegistry reg;
  std::string msg = error_of([&] { reg.load(plugin("vptest_throws_error_on_register")); });
  INFO(msg);
  CHECK(contains(msg, "the plugin's configuration is invalid (on purpose)"));
  CHECK(contains(msg, plugin("vptest_throws_error_on_register")));
  CHECK(reg.find_node("testing.partial_error") == nullptr);
  CHECK(reg.plugins().size() == 1);
}

TEST_CASE("a plugin whose registration throws a non-std exception is refused cleanly") {
  NodeRegistry reg;
  bool vidpipe_error = false;
  std::string msg;
  try {
    reg.load(plugin("vptest_throws_int_on_register"));
  } catch (const vidpipe::Error& e) {
    vidpipe_error = true, msg = e.what();
  } catch (...) {
  }
  INFO(msg);
  CHECK(vidpipe_error);
  CHECK(contains(msg, plugin("vptest_throws_int_on_register")));
  CHECK(reg.find_node("testing.partial_int") == nullptr);  // rolled back
  CHECK(reg.plugins().size() == 1);
}

TEST_CASE("loading the same file twice is a no-op") {
  NodeRegistry reg;
  const auto& first = reg.load(plugin("vptest_good"));
  const auto* first_ptr = &first;
  const auto nodes = reg.node_types();
  const auto plugins = reg.plugins().size();

  const auto& again = reg.load(plugin("vptest_good"));
  CHECK(&again == first_ptr);
  // The same file reached through another spelling of its path.
  const std::string other_spelling =
      (fs::path(VIDPIPE_BUILD_DIR) / "tests" / "plugins" / "." / ".." / "plugins" / "vptest_good.so").string();
  const auto& third = reg.load(other_spelling);
  CHECK(third.path == plugin("vptest_good"));
  CHECK(reg.node_types() == nodes);
  CHECK(reg.plugins().size() == plugins);
}

TEST_CASE("the same plugin name from two files is refused") {
  TempDir tmp;
  const fs::path copy = tmp.path / "copy_of_good.so";
  fs::copy_file(plugin("vptest_good"), copy);
  NodeRegistry reg;
  reg.load(plugin("vptest_good"));
  std::string msg = error_of([&] { reg.load(copy.string()); });
  INFO(msg);
  CHECK(contains(msg, "testing_good"));
  CHECK(contains(msg, plugin("vptest_good")));
  CHECK(contains(msg, copy.string()));
}

TEST_CASE("a nonexistent path is an error naming it") {
  NodeRegistry reg;
  const std::string missing = (fs::temp_directory_path() / "vidpipe-no-such-plugin-xyz.so").string();
  std::string msg = error_of([&] { reg.load(missing); });
  CHECK(contains(msg, missing));
  CHECK(reg.plugins().size() == 1);
}

TEST_CASE("a file that is not a shared library is an error naming it") {
  TempDir tmp;
  const fs::path bogus = tmp.path / "bogus.so";
  { std::ofstream(bogus) << "not an ELF file\n"; }
  NodeRegistry reg;
  std::string msg = error_of([&] { reg.load(bogus.string()); });
  CHECK(contains(msg, bogus.string()));
}

TEST_CASE("load_dirs loads every .so of a folder and skips missing folders") {
  TempDir tmp;
  fs::copy_file(plugin("vptest_good"), tmp.path / "good.so");
  { std::ofstream(tmp.path / "README.txt") << "not a plugin, not a .so\n"; }
  NodeRegistry reg;
  reg.load_dirs({(tmp.path / "missing").string(), tmp.path.string()});
  REQUIRE(reg.find_node("testing.echo") != nullptr);
  CHECK(reg.find_node("testing.echo")->path == (tmp.path / "good.so").string());
  CHECK(reg.plugins().size() == 2);
}

TEST_CASE("a node from a plugin keeps working after later plugins are refused") {
  // A node built from a plugin keeps working after later loads fail.
  NodeRegistry reg;
  reg.load(plugin("vptest_good"));
  CHECK_THROWS_AS(reg.load(plugin("vptest_duplicate")), vidpipe::Error);
  CHECK_THROWS_AS(reg.load(plugin("vptest_throws_on_register")), vidpipe::Error);
  const auto* echo = reg.find_node("testing.echo");
  REQUIRE(echo != nullptr);
  auto node = echo->make(vidpipe::Params(vidpipe::json{{"tag", "still"}, {"factor", 1}}, {}));
  NullEmitter out;
  FakeJob job;
  node->process(vidpipe::FramePtr(vidpipe::make_frame(1, 1).frame), out, job);
  CHECK(out.count == 1);
  CHECK(job.n.at("echo") == "still");
}
