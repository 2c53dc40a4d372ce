// Output names (inputs are data, never paths) and the -o folder rules: never delete or replace
// what vidpipe did not create, stable names, atomic publishing, stale staging folders.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../framework/src/output_folder.hpp"
#include "vidpipe/sdk/output_file.hpp"
#include "vidpipe/runtime/output_names.hpp"
#include "vidpipe/runtime/text.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace vidpipe::runtime;

namespace {


void write_file(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

const auto nobody_else = [](const std::string&) { return false; };

std::vector<std::string> folder_names(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Claims `name` for `key`, writes one file and publishes; returns the claim.
OutputFolder::Claim produce(const OutputFolder& folder, const std::string& name, const std::string& key,
                            const std::string& content, std::string* error = nullptr) {
  auto c = folder.claim({name, hashed_name(name, key)}, {}, key, nobody_else);
  if (c.status != OutputFolder::Claim::Ready) return c;
  write_file(fs::path(c.staging_dir) / "frames.npy", content);
  std::string hint, note, err = folder.publish(c, "ok", hint, note);
  if (error) *error = err;
  return c;
}

}  // namespace

TEST_CASE("names: stems are sanitised; '..' and friends never name a folder") {
  CHECK(input_stem("/data/clip.mp4") == "clip");
  CHECK(input_stem("file:///data/my%20clip.mp4") == "my clip");
  CHECK(input_stem("http://h/clips/a%20b.mp4?x=1#t") == "a b");
  for (const char* hostile : {"http://127.0.0.1:8/clips/..", "http://h/...mp4", "http://h/x/..?q=1", "...mkv", "..",
                              "/data/..", "http://h/%2e%2e", "http://h/a%2F..%2F..%2Fetc", "./.", "file:///..", "-"}) {
    const std::string s = input_stem(hostile);
    INFO(hostile << " -> " << s);
    CHECK(s.find('/') == std::string::npos);
    CHECK(s != "." );
    CHECK(s != "..");
    CHECK((s.empty() || (s.front() != '.' && s.front() != '-')));
  }
  CHECK(sanitize_name("a\nb\x1b]0;x\x07") == "a_b_]0;x_");
  CHECK(sanitize_name("r\xe2\x80\xaegnp.mp4") == "r_gnp.mp4");  // U+202E right-to-left override
  CHECK(sanitize_name("bad\xff\xfeutf8") == "bad__utf8");
  CHECK(sanitize_name("--rf .") == "rf");
  CHECK(sanitize_name("été vidéo") == "été vidéo");
  const std::string long_name = std::string(79, 'a') + "é";  // 81 bytes: cut before the 'é'
  CHECK(sanitize_name(long_name) == std::string(79, 'a'));
  CHECK(sanitize_name(std::string(300, '\x01')) == std::string(80, '_'));  // replacements count too
  CHECK(sanitize_name(std::string(300, '\xff')).size() == 80);
  CHECK(hashed_name("", "k").rfind("input-", 0) == 0);
  CHECK(input_stem("data:video/mp4;base64,AAAA") == "base64");
  CHECK(input_stem(R"(["/frames/seq1/0001.png","/frames/seq1/0002.png"])") == "seq1");
}

TEST_CASE("names: the same input has the same key however it is written") {
  TempDir tmp;
  write_file(tmp.path / "v.mp4", "x");
  const std::string abs = (tmp.path / "v.mp4").string();
  const fs::path cwd = fs::current_path();
  fs::current_path(tmp.path);
  CHECK(input_key("v.mp4") == input_key(abs));
  CHECK(input_key("./sub/../v.mp4") == input_key(abs));
  fs::current_path(cwd);
  CHECK(input_key("file://" + abs) == input_key(abs));
  CHECK(input_key("http://h/v.mp4") != input_key("http://h/w.mp4"));
}

TEST_CASE("names: independent of argument order; shared stems are hashed; duplicates found") {
  std::vector<std::string> in = {"/a/clip.mp4", "/b/clip.mp4", "/c/other.mkv", "/d/CLIP.webm", "/a/clip.mp4", "http://h/.."};
  auto first = assign_names(in);
  CHECK(first[2].name == "other");
  for (int i : {0, 1, 3}) CHECK(first[i].name.rfind(i == 3 ? "CLIP-" : "clip-", 0) == 0);  // case-insensitive clash
  CHECK(first[0].name != first[1].name);
  CHECK(first[4].name == first[0].name);  // the same input again: the same name
  CHECK(first[5].name.rfind("input-", 0) == 0);
  std::mt19937 rng(7);
  std::vector<std::size_t> order(in.size());
  for (int trial = 0; trial < 20; ++trial) {
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::string> shuffled;
    for (auto i : order) shuffled.push_back(in[i]);
    auto names = assign_names(shuffled);
    for (std::size_t k = 0; k < order.size(); ++k) CHECK(names[k].name == first[order[k]].name);
  }
}

TEST_CASE("printable: control, invisible and invalid bytes are escaped") {
  CHECK(printable("ok été") == "ok été");
  CHECK(printable("a\nb\tc\r") == "a\\nb\\tc\\r");
  CHECK(printable("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(printable("\xc2\x9b" "31m") == "\\u{009b}31m");  // C1 CSI
  CHECK(printable("x\xe2\x80\xaey") == "x\\u{202e}y");
  CHECK(printable("\xff") == "\\xff");
  CHECK(utf8_prefix("aé", 2) == "a");
}

TEST_CASE("output folder: publishes atomically; never replaces what vidpipe did not write") {
  TempDir tmp;
  OutputFolder folder(tmp.path.string(), ExistingOutput::Refuse);
  std::string err;
  auto c = produce(folder, "clip", "/a/clip.mp4", "A", &err);
  REQUIRE(c.status == OutputFolder::Claim::Ready);
  CHECK(err.empty());
  CHECK(read_file(tmp.path / "clip" / "frames.npy") == "A");
  CHECK(fs::exists(tmp.path / "clip" / ".vidpipe-output.json"));
  CHECK_FALSE(fs::exists(c.staging_dir));

  // Another input with the same stem: its own hashed folder; the first is untouched.
  auto other = produce(folder, "clip", "/b/clip.mp4", "B", &err);
  CHECK(other.name == hashed_name("clip", "/b/clip.mp4"));
  CHECK(read_file(tmp.path / "clip" / "frames.npy") == "A");

  // The same input again: refused by default, naming the folder and the fix.
  auto again = folder.claim({"clip"}, {}, "/a/clip.mp4", nobody_else);
  CHECK(again.status == OutputFolder::Claim::Refused);
  CHECK(again.reason.find((tmp.path / "clip").string()) != std::string::npos);
  CHECK(again.hint.find("--overwrite") != std::string::npos);

  // A folder (or file, or symlink) vidpipe did not write is never touched.
  fs::create_directories(tmp.path / "src");
  write_file(tmp.path / "src" / "main.c", "int main;");
  fs::create_symlink(tmp.path / "src", tmp.path / "link");
  for (const char* name : {"src", "link"})
    for (auto policy : {ExistingOutput::Refuse, ExistingOutput::Overwrite, ExistingOutput::Skip}) {
      auto r = OutputFolder(tmp.path.string(), policy).claim({name}, {}, std::string("/x/") + name, nobody_else);
      CHECK(r.status == OutputFolder::Claim::Refused);
      CHECK(r.reason.find("not written by vidpipe") != std::string::npos);
    }
  CHECK(read_file(tmp.path / "src" / "main.c") == "int main;");

  // Staging folders are new folders, never reused; a key that is not UTF-8 (a Latin-1 file
  // name) is written into the marker without an exception.
  const std::string latin1 = input_key("/a/x\xe9.mp4");
  CHECK(latin1 != input_key("/a/x\xe8.mp4"));
  auto a = folder.claim({"x"}, {}, latin1, nobody_else), b = folder.claim({"y"}, {}, "/b/y.mp4", nobody_else);
  REQUIRE((a.status == OutputFolder::Claim::Ready && b.status == OutputFolder::Claim::Ready));
  CHECK(a.staging_dir != b.staging_dir);
  CHECK(fs::is_directory(a.staging_dir));
  std::string h, n;
  CHECK(folder.publish(a, "partial", h, n).empty());
  CHECK(fs::exists(tmp.path / "x" / ".vidpipe-output.json"));
  CHECK(OutputFolder(tmp.path.string(), ExistingOutput::Skip).claim({"x"}, {}, latin1, nobody_else).reason.find(
            "partial") != std::string::npos);  // a skipped input's output says it is partial
  CHECK(folder.claim({"x"}, {}, latin1, nobody_else).reason.find("already holds the output of this input") !=
        std::string::npos);  // found again: the key round-trips through the marker
  folder.discard(b);

  // A folder that appears while the job runs is not replaced.
  auto late = folder.claim({"late"}, {}, "/l/late.mp4", nobody_else);
  REQUIRE(late.status == OutputFolder::Claim::Ready);
  fs::create_directories(tmp.path / "late");
  write_file(tmp.path / "late" / "mine.txt", "user");
  std::string hint, note;
  CHECK_FALSE(folder.publish(late, "ok", hint, note).empty());
  CHECK(read_file(tmp.path / "late" / "mine.txt") == "user");
  CHECK_FALSE(fs::exists(late.staging_dir));
}

TEST_CASE("output folder: --overwrite replaces only vidpipe's files; --skip-existing skips") {
  TempDir tmp;
  REQUIRE(produce(OutputFolder(tmp.path.string(), ExistingOutput::Refuse), "clip", "/a/clip.mp4", "old").status ==
          OutputFolder::Claim::Ready);
  auto skip = OutputFolder(tmp.path.string(), ExistingOutput::Skip).claim({"clip"}, {}, "/a/clip.mp4", nobody_else);
  CHECK(skip.status == OutputFolder::Claim::Skip);

  write_file(tmp.path / "clip" / "notes.txt", "the user's");  // added by the user since
  OutputFolder over(tmp.path.string(), ExistingOutput::Overwrite);
  auto c = over.claim({"clip"}, {}, "/a/clip.mp4", nobody_else);
  REQUIRE(c.status == OutputFolder::Claim::Ready);
  write_file(fs::path(c.staging_dir) / "frames.npy", "new");
  std::string hint, note;
  CHECK(over.publish(c, "ok", hint, note).empty());
  CHECK(read_file(tmp.path / "clip" / "frames.npy") == "new");
  CHECK_FALSE(fs::exists(tmp.path / "clip" / "notes.txt"));
  CHECK(note.find("notes.txt") != std::string::npos);  // kept, and said where
  std::vector<fs::path> kept;
  for (const auto& e : fs::directory_iterator(tmp.path))
    if (e.path().filename().string().rfind(".clip.replaced-", 0) == 0) kept.push_back(e.path());
  REQUIRE(kept.size() == 1);
  CHECK(note.find(kept[0].string()) != std::string::npos);
  CHECK(read_file(kept[0] / "notes.txt") == "the user's");
  CHECK_FALSE(fs::exists(kept[0] / "frames.npy"));  // vidpipe's own old files are gone
  CHECK(folder_names(tmp.path).size() == 2);  // clip and the kept folder: no staging left

  // An earlier run's name for this input is found again (`also`), so the output stays unique.
  auto found = OutputFolder(tmp.path.string(), ExistingOutput::Skip).claim({"clip-x"}, {"clip"}, "/a/clip.mp4", nobody_else);
  CHECK(found.status == OutputFolder::Claim::Skip);
  CHECK(found.name == "clip");
}

TEST_CASE("output folder: stale staging folders of dead processes are removed, no others") {
  TempDir tmp;
  OutputFolder folder(tmp.path.string(), ExistingOutput::Refuse);
  auto live = folder.claim({"live"}, {}, "/l.mp4", nobody_else);  // this process: alive
  REQUIRE(live.status == OutputFolder::Claim::Ready);
  const nlohmann::json me = nlohmann::json::parse(read_file(fs::path(live.staging_dir) / ".vidpipe-staging.json"));

  pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(child > 0);
  waitpid(child, nullptr, 0);  // now gone
  auto make = [&](const std::string& name, nlohmann::json marker) {
    fs::create_directories(tmp.path / name);
    write_file(tmp.path / name / "frames.npy", "x");
    if (!marker.is_null()) write_file(tmp.path / name / ".vidpipe-staging.json", marker.dump());
  };
  auto dead = me;
  dead["pid"] = child;
  make(".dead.partial-1-0", dead);
  auto reused = me;
  reused["start"] = me["start"].get<unsigned long long>() + 1;  // our pid, another start time
  make(".reused.partial-2-0", reused);
  auto rebooted = dead;
  rebooted["boot"] = "another-boot";
  rebooted["pid"] = ::getpid();
  make(".rebooted.partial-3-0", rebooted);
  auto remote = dead;
  remote["host"] = "another-host";
  make(".remote.partial-4-0", remote);
  auto container = dead;  // same host and boot, another pid namespace: its pids are not ours to see
  container["pid_namespace"] = "pid:[1]";
  make(".container.partial-7-0", container);
  auto garbled = dead;  // fields of the wrong type: left alone, no exception
  garbled["boot"] = 42;
  garbled["host"] = nullptr;
  make(".garbled.partial-8-0", garbled);
  make(".nomarker.partial-5-0", nullptr);
  make("dead.partial-6-0", dead);  // not hidden: not a staging folder name

  std::vector<std::string> messages;
  REQUIRE_NOTHROW(messages = folder.clean_stale());
  CHECK(messages.size() == 3);
  for (const char* gone : {".dead.partial-1-0", ".reused.partial-2-0", ".rebooted.partial-3-0"}) CHECK_FALSE(fs::exists(tmp.path / gone));
  for (const char* kept : {".remote.partial-4-0", ".nomarker.partial-5-0", "dead.partial-6-0", ".container.partial-7-0",
                           ".garbled.partial-8-0"})
    CHECK(fs::exists(tmp.path / kept));
  CHECK(fs::exists(live.staging_dir));
  folder.discard(live);
  CHECK_FALSE(fs::exists(live.staging_dir));
}

TEST_CASE("OutputFile::rewrite_head: in place at the same size, the data moved at another; committed whole") {
  TempDir dir("outfile");
  const auto read = [&](const char* name) {
    std::ifstream in(dir.path / name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  vidpipe::OutputFile same(dir.path.string(), "same.bin");
  same.write_header("HEAD");
  same.write("data", 4);
  same.rewrite_head(4, "head");
  same.write("!", 1);
  CHECK(same.commit() == 9);
  CHECK(read("same.bin") == "headdata!");

  vidpipe::OutputFile longer(dir.path.string(), "longer.bin");
  longer.write_header("H");
  longer.write("data", 4);
  longer.rewrite_head(1, "HEADER");
  longer.write("!", 1);
  CHECK(longer.commit() == 11);
  CHECK(read("longer.bin") == "HEADERdata!");
  {
    vidpipe::OutputFile dropped(dir.path.string(), "dropped.bin");
    dropped.write_header("HH");
    dropped.write("data", 4);
    dropped.rewrite_head(2, "H");
  }  // never committed: nothing is left, not even the moved copy
  CHECK(!fs::exists(dir.path / "dropped.bin"));
  CHECK(!fs::exists(dir.path / "dropped.bin.tmp"));
  CHECK(!fs::exists(dir.path / "dropped.bin.tmp2"));
}
