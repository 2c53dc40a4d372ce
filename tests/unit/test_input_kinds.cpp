// One input classification (vidpipe/sdk/input.hpp) for the nodes that open inputs and for the
// runtime's output names: every kind, the edge cases between them, and the runtime agreeing.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <vidpipe/sdk/input.hpp>

#include "temp_dir.hpp"
#include "vidpipe/runtime/output_names.hpp"

using vidpipe::classify_input;
using vidpipe::InputKind;

namespace {
const std::string kRawBase64 = "AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAAIZnJlZQAAA" + std::string(40, 'A');
}

TEST_CASE("every kind of input is told apart by its text and the file system") {
  TempDir dir("input-kinds");
  const std::string folder = dir.path.string();
  std::ofstream(dir.path / "v.mp4") << "x";

  CHECK(classify_input("-") == InputKind::Stdin);
  CHECK(classify_input("data:video/mp4;base64,AAAA") == InputKind::Base64);
  CHECK(classify_input(kRawBase64) == InputKind::Base64);
  CHECK(classify_input("http://host/v.mp4") == InputKind::Http);
  CHECK(classify_input("HTTPS://host/v.mp4") == InputKind::Http);  // schemes are case-insensitive
  CHECK(classify_input(folder) == InputKind::Sequence);
  CHECK(classify_input("file://" + folder) == InputKind::Sequence);
  CHECK(classify_input(folder + "/*.jpg") == InputKind::Sequence);
  CHECK(classify_input("[\"a.jpg\", \"b.jpg\"]") == InputKind::Sequence);
  CHECK(classify_input(folder + "/v.mp4") == InputKind::File);
  CHECK(classify_input("file://" + folder + "/v.mp4") == InputKind::File);
  CHECK(classify_input("short.mp4") == InputKind::File);
  CHECK(classify_input("ftp://host/v.mp4") == InputKind::File);  // opening it names the scheme
  CHECK(classify_input("/" + kRawBase64) == InputKind::File);     // an absolute path, never base64

  // An existing file whose name looks like base64 is that file.
  std::ofstream(dir.path / kRawBase64) << "x";
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path);
  CHECK(classify_input(kRawBase64) == InputKind::File);
  std::filesystem::current_path(cwd);
}

TEST_CASE("messages never show the base64 text") {
  CHECK(vidpipe::input_display_name("-") == "stdin");
  CHECK(vidpipe::input_display_name(kRawBase64) == "base64 input (" + std::to_string(kRawBase64.size()) + " chars)");
  CHECK(vidpipe::input_display_name("data:video/mp4;base64," + kRawBase64).rfind("data:video/mp4;base64 input (", 0) == 0);
  CHECK(vidpipe::input_display_name("v.mp4") == "v.mp4");
  CHECK(vidpipe::file_url_path("file:///a/b%20c.mp4") == "/a/b c.mp4");
  CHECK(vidpipe::file_url_path("file://localhost/a.mp4") == "/a.mp4");
}

TEST_CASE("the runtime names inline inputs as the nodes classify them") {
  using vidpipe::runtime::input_key;
  using vidpipe::runtime::input_stem;
  CHECK(input_stem(kRawBase64) == "base64");
  CHECK(input_key(kRawBase64).rfind("inline:", 0) == 0);
  CHECK(input_stem("data:video/mp4;base64,AAAA") == "base64");
  CHECK(input_key("[\"a/f1.jpg\"]").rfind("inline:", 0) == 0);
  CHECK(input_stem("http://host/clips/v.mp4?x=1") == "v");
  CHECK(input_key("http://host/clips/v.mp4") == "http://host/clips/v.mp4");
  CHECK(input_stem("short") == "short");  // fewer than 64 characters: a name, not base64
}
