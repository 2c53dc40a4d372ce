// One Session with the real plugins and the default graph, fed from 4 threads with per-input
// overrides; the reference is the `vidpipe` CLI run once per (video, settings) with the same
// values as --set: every in-memory result must equal the CLI's files (frame indices, sizes,
// grid, tokens, frame bytes). Memory must not grow with the number of jobs. Test videos are
// made with the ffmpeg CLI (lavfi).
#include <doctest/doctest.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/session.hpp"

namespace fs = std::filesystem;
using namespace vidpipe;
using namespace vidpipe::runtime;

namespace {

const std::string kBuild = VIDPIPE_BUILD_DIR, kSource = VIDPIPE_SOURCE_DIR;
const std::string kGraph = kSource + "/graphs/qwen2_5_vl.yaml";

// What qwen-vl-utils users set per video, and the node the CLI's --set names for each.
const std::vector<json> kSettings = {
    json::object(),
    {{"nframes", 4}},
    {{"fps", 1.0}, {"min_pixels", 3136}, {"max_pixels", 12544}},  // below 160x90: not the decoder's cap
    {{"resized_height", 56}, {"resized_width", 84}, {"nframes", 6}},
    {{"video_start", 0.5}, {"video_end", 2.0}, {"nframes", 4}, {"total_pixels", 150528}},
};
std::string cli_node(const std::string& key) {
  for (const char* k : {"fps", "nframes", "video_start", "video_end"})
    if (key == k) return "sample";
  return "resize";
}

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The CLI's output of one (video, settings): metadata.json and frames.npy (uint8, T×3×H×W).
struct Reference {
  json meta;
  std::vector<int64_t> shape;
  std::string pixels;
};

Reference cli_reference(const std::string& video, const json& settings, const fs::path& out) {
  std::string cmd = kBuild + "/bin/vidpipe run " + kGraph + " " + video + " -o " + out.string();
  for (const auto& [k, v] : settings.items()) cmd += " --set " + cli_node(k) + "." + k + "=" + v.dump();
  INFO(cmd);
  REQUIRE(sh(cmd));
  const fs::path dir = out / fs::path(video).stem();
  Reference r;
  r.meta = json::parse(read_file(dir / "metadata.json"));
  const std::string npy = read_file(dir / "frames.npy");
  REQUIRE(npy.compare(0, 6, "\x93NUMPY") == 0);
  const std::size_t header = static_cast<unsigned char>(npy[8]) | static_cast<unsigned char>(npy[9]) << 8;
  const std::string dict = npy.substr(10, header);
  REQUIRE(dict.find("'descr': '|u1'") != std::string::npos);
  for (std::size_t p = dict.find('(') + 1; p < dict.find(')'); p = dict.find(',', p) + 1) {
    r.shape.push_back(std::stoll(dict.substr(p)));
    if (dict.find(',', p) > dict.find(')')) break;
  }
  r.pixels = npy.substr(10 + header);
  return r;
}

// "" when `r` equals the reference, else what differs.
std::string compare(const Result& r, const Reference& ref) {
  if (r.job.status != "ok") return "status " + r.job.status + ": " + r.job.error_line();
  ClipPtr clip = r.clip();
  if (!clip) return "no clip in memory";
  const json& m = ref.meta;
  std::vector<int64_t> indices;
  for (const auto& f : clip->frames) indices.push_back(f->index);
  if (indices != m["frame_indices"].get<std::vector<int64_t>>()) return "frame indices differ";
  const Frame& first = *clip->frames.at(0);
  if (first.height != m["resized_height"] || first.width != m["resized_width"]) return "resized size differs";
  if (!clip->tokens || json(clip->tokens->grid_thw) != m["grid_thw"] || clip->tokens->total_tokens != m["total_tokens"])
    return "grid_thw or tokens differ";
  if (r.job.notes["summary"]["total_tokens"] != m["total_tokens"]) return "the summary note differs";
  const int64_t T = ref.shape[0], H = ref.shape[2], W = ref.shape[3];
  if (ref.shape[1] != 3 || T != static_cast<int64_t>(clip->frames.size()) || H != first.height || W != first.width)
    return "frames.npy shape differs";
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < H; ++y) {
        const uint8_t* row = clip->frames[t]->row(static_cast<int>(y));
        const char* want = ref.pixels.data() + ((t * 3 + c) * H + y) * W;
        for (int64_t x = 0; x < W; ++x)
          if (row[x * 3 + c] != static_cast<uint8_t>(want[x])) return "frame " + std::to_string(t) + " pixels differ";
      }
  return "";
}

std::size_t rss_bytes() {
  malloc_trim(0);  // what the allocator keeps for reuse is not growth
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("session: 4 threads, 200 jobs with per-input overrides, each equal to the CLI; no memory growth") {
  TempDir tmp("session-media");
  // 2 videos x 5 settings: the first 10 jobs run each combination once.
  const std::vector<std::string> specs = {"testsrc2=s=96x64:r=10:d=3", "testsrc2=s=160x90:r=25:d=2"};
  std::vector<std::string> videos;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    videos.push_back((tmp.path / ("v" + std::to_string(i) + ".mp4")).string());
    REQUIRE(sh("ffmpeg -v error -y -f lavfi -i " + specs[i] + " -c:v libx264 -preset veryfast -bf 2 -g 12 -pix_fmt yuv420p " +
               videos.back()));
  }
  // (video, settings) combinations and their references.
  struct Combo {
    std::string video;
    json settings;
    Reference ref;
  };
  std::vector<Combo> combos;
  for (const auto& v : videos)
    for (std::size_t s = 0; s < kSettings.size(); ++s) {
      Combo c{v, kSettings[s], {}};
      c.ref = cli_reference(v, c.settings, tmp.path / ("ref" + std::to_string(combos.size())));
      combos.push_back(std::move(c));
    }

  NodeRegistry registry;
  registry.load_dirs({kBuild + "/lib/vidpipe/plugins"});
  Session session(resolve_graph(parse_graph_file(kGraph), registry, {}));

  // Job j of a phase uses combos[j % n]. Each thread keeps up to 4 of its jobs submitted and
  // checks each result as it comes (as a service would), so no more than 16 clips are held.
  auto run_phase = [&](int jobs) {
    std::vector<std::thread> threads;
    std::vector<std::vector<std::string>> problems(4);
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        std::deque<std::pair<int, std::future<Result>>> pending;
        auto check_oldest = [&] {
          auto [j, f] = std::move(pending.front());
          pending.pop_front();
          const Combo& c = combos[j % combos.size()];
          const std::string diff = compare(f.get(), c.ref);
          if (!diff.empty()) problems[t].push_back("job " + std::to_string(j) + " (" + c.video + " " + c.settings.dump() + "): " + diff);
        };
        for (int j = t; j < jobs; j += 4) {
          const Combo& c = combos[j % combos.size()];
          SubmitOptions o;
          o.overrides = c.settings;
          pending.emplace_back(j, session.submit(c.video, o));
          if (pending.size() == 4) check_oldest();
        }
        while (!pending.empty()) check_oldest();
      });
    for (auto& th : threads) th.join();
    for (const auto& p : problems)
      for (const auto& line : p) FAIL_CHECK(line);
  };
  run_phase(10);
  const std::size_t after_10 = rss_bytes();
  run_phase(200);
  const std::size_t after_all = rss_bytes();
  MESSAGE("RSS after 10 jobs " << after_10 / 1024 << " KiB, after 200 more " << after_all / 1024 << " KiB");
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in quarantine (and LeakSanitizer checks leaks at exit): RSS says
  // nothing about growth in that build.
  (void)after_all;
#else
  CHECK(after_all <= after_10 * 1.10);
#endif

  // A session's output file names are fixed; a limit only a decoder declares must be named.
  SubmitOptions bad;
  bad.overrides = {{"write.file", "x.npy"}};
  CHECK_THROWS_WITH_AS(session.submit(videos[0], bad), doctest::Contains("fixed for the session"), Error);
  bad.overrides = {{"max_decoded_frames", 5}};
  CHECK_THROWS_WITH_AS(session.submit(videos[0], bad), doctest::Contains("decode.max_decoded_frames"), Error);
}

TEST_CASE("session: keep_pixels=false keeps the clip as descriptors; the streamed files equal the CLI's") {
  TempDir tmp("session-descriptors");
  const std::string video = (tmp.path / "v.mp4").string();
  REQUIRE(sh("ffmpeg -v error -y -f lavfi -i testsrc2=s=160x90:r=25:d=2 -c:v libx264 -pix_fmt yuv420p " + video));
  const Reference ref = cli_reference(video, {{"nframes", 6}}, tmp.path / "cli");

  NodeRegistry registry;
  registry.load_dirs({kBuild + "/lib/vidpipe/plugins"});
  Session session(resolve_graph(parse_graph_file(kGraph), registry, {}));
  SubmitOptions o;
  o.overrides = {{"nframes", 6}};
  o.output_dir = (tmp.path / "session").string();
  o.keep_pixels = false;
  const Result r = session.submit(video, o).get();
  REQUIRE(r.job.status == "ok");
  ClipPtr clip = r.clip();
  REQUIRE(clip);
  REQUIRE(clip->frames.size() == 6);
  std::vector<int64_t> indices;
  for (const auto& f : clip->frames) {
    CHECK(f->data == nullptr);  // a descriptor: the pixels went to frames.npy as they came
    indices.push_back(f->index);
  }
  CHECK(indices == ref.meta["frame_indices"].get<std::vector<int64_t>>());
  CHECK(clip->frames[0]->height == ref.meta["resized_height"]);
  CHECK(clip->tokens->total_tokens == ref.meta["total_tokens"]);
  CHECK(read_file(tmp.path / "session" / "v" / "frames.npy") == read_file(tmp.path / "cli" / "v" / "frames.npy"));

  o.keep_pixels = true;  // the default: the clip keeps its pixels, and the same file is written
  o.output_dir = (tmp.path / "kept").string();
  const Result kept = session.submit(video, o).get();
  REQUIRE(kept.clip());
  CHECK(compare(kept, ref) == "");
  CHECK(read_file(tmp.path / "kept" / "v" / "frames.npy") == read_file(tmp.path / "cli" / "v" / "frames.npy"));
}
