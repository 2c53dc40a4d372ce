// vidpipe::av::probe and FrameReader against the ffmpeg/ffprobe CLIs, which are the reference:
// probe values must equal ffprobe's, and decoded frames must equal, byte for byte,
//   ffmpeg -i V -vf "select=eq(n\,I)" -vsync 0 -frames:v 1 -f rawvideo -pix_fmt rgb24 -
// (the CLI counts frames in decoder output order, converts with its auto-inserted scale filter
// and autorotates). The test videos are generated here with the ffmpeg CLI.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/ffmpeg_reader.hpp"

namespace fs = std::filesystem;
using vidpipe::Error;
using vidpipe::LimitError;
using vidpipe::FramePtr;
namespace av = vidpipe::av;

namespace {

std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[1 << 16];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// Test videos, generated once per run in a private temp folder.
struct Videos {
  fs::path dir;
  std::map<std::string, std::string> path;  // name -> file ("" when the encoder is missing)

  Videos() {
    dir = fs::temp_directory_path() / ("vidpipe_test_av_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string src = "-f lavfi -i testsrc2=s=320x240:r=30:d=3";
    const std::string x264 = "-c:v libx264 -preset veryfast -bf 3 -g 48 -pix_fmt yuv420p";
    make("h264", "h264.mp4", src + " " + x264);
    make("h264_709", "h264_709.mp4",
         src + " " + x264 + " -colorspace bt709 -color_primaries bt709 -color_trc bt709");
    for (int deg : {90, 180, 270})
      make("rot" + std::to_string(deg), "rot" + std::to_string(deg) + ".mp4",
           "-i " + file("h264") + " -c copy -metadata:s:v:0 rotate=" + std::to_string(deg));
    make("odd444", "odd444.mp4",
         "-f lavfi -i testsrc2=s=853x479:r=30:d=1 -c:v libx264 -preset veryfast -bf 2 "
         "-pix_fmt yuv444p");
    // Odd 4:2:0 (VP9 allows it): the scaled swscale path, where chroma siting matters.
    make("odd420", "odd420.webm",
         "-f lavfi -i testsrc2=s=854x480:r=30:d=1,format=yuv420p,crop=853:479:0:0:exact=1 "
         "-c:v libvpx-vp9 -deadline realtime -cpu-used 8");
    make("mjpeg", "mjpeg.avi", src + " -c:v mjpeg -q:v 3 -pix_fmt yuvj420p");
    make("hevc10", "hevc10.mkv",
         src + " -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error");
    make("vp9", "vp9.webm",
         src + " -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -pix_fmt yuv420p");
    make("audio", "audio.m4a", "-f lavfi -i sine=d=1 -c:a aac");
    // Long GOP with B-frames: 300 frames, keyframes at 0 and 250 only.
    make("long", "long.mp4",
         "-f lavfi -i testsrc2=s=320x240:r=30:d=10 -c:v libx264 -preset veryfast -bf 3 -g 250 "
         "-sc_threshold 0 -pix_fmt yuv420p");
    make("vfr", "vfr.mp4",
         "-f lavfi -i testsrc2=s=320x240:r=30:d=4 -vf \"setpts='if(lt(N,60),N,60+(N-60)*3)/30/TB'\" "
         "-fps_mode passthrough -c:v libx264 -preset veryfast -bf 2 -g 40 -pix_fmt yuv420p");
    make("mpeg4", "mpeg4.avi", src + " -c:v mpeg4 -q:v 4");
    make("one", "one.mp4", "-f lavfi -i testsrc2=s=320x240:r=30:d=1 -frames:v 1 " + x264);
    make("two", "two.mp4", "-f lavfi -i testsrc2=s=320x240:r=30:d=1 -frames:v 2 " + x264);
    make("fast", "fast.mp4",
         src + " -f lavfi -i sine=d=3 " + x264 + " -g 30 -c:a aac -shortest -movflags +faststart");
    if (!file("fast").empty()) {
      // Cut mid-stream (the header still says 90 frames), and 2000 bits flipped (fixed seed).
      std::ifstream in(file("fast"), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::ofstream(dir / "trunc.mp4", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
      path["trunc"] = (dir / "trunc.mp4").string();
      std::mt19937 rng(20240531);
      std::uniform_int_distribution<std::size_t> pos(8192, bytes.size() - 1);
      for (int k = 0; k < 2000; ++k) bytes[pos(rng)] ^= static_cast<char>(1 << (rng() % 8));
      std::ofstream(dir / "flip.mp4", std::ios::binary) << bytes;
      path["flip"] = (dir / "flip.mp4").string();
    }
    std::ofstream(dir / "text.mp4") << "this is not a video\n";
    std::ofstream(dir / "empty.mp4");
  }
  ~Videos() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void make(const std::string& name, const std::string& file_name, const std::string& args) {
    const std::string out = (dir / file_name).string();
    path[name] = sh("ffmpeg -v error -y " + args + " " + out) ? out : "";
  }
  std::string file(const std::string& name) { return path.at(name); }
};

Videos& videos() {
  static Videos v;
  return v;
}

struct Probed { int width = 0, height = 0; int64_t packets = 0; };

Probed ffprobe(const std::string& v) {
  std::istringstream in(capture("ffprobe -v error -select_streams v:0 -count_packets "
                                "-show_entries stream=width,height,nb_read_packets -of csv=p=0 " + v));
  Probed p;
  char comma;
  in >> p.width >> comma >> p.height >> comma >> p.packets;
  return p;
}

std::string cli_frame(const std::string& v, int64_t i, const std::string& extra_filter = "") {
  return capture("ffmpeg -v error -i " + v + " -vf \"select=eq(n\\," + std::to_string(i) + ")" +
                 extra_filter + "\" -vsync 0 -frames:v 1 -f rawvideo -pix_fmt rgb24 -");
}

std::vector<FramePtr> decode(const std::string& v, const std::vector<int64_t>& idx,
                             av::ReadOptions opt = {}, av::ReadStats* stats = nullptr) {
  std::vector<FramePtr> out;
  av::FrameReader r(v);
  auto s = r.read(idx, opt, [&](FramePtr f) { out.push_back(std::move(f)); return true; });
  if (stats) *stats = s;
  return out;
}

// Over every pixel of every row (the CLI's rows are packed, ours `stride` apart).
int max_abs_diff(const FramePtr& f, const std::string& ref) {
  const std::size_t row = static_cast<std::size_t>(f->width) * 3;
  if (row * f->height != ref.size()) return 256;  // size mismatch
  int m = 0;
  for (int y = 0; y < f->height; ++y)
    for (std::size_t k = 0; k < row; ++k)
      m = std::max(m, std::abs(int(f->row(y)[k]) - int(static_cast<uint8_t>(ref[y * row + k]))));
  return m;
}

// Probes `name`, compares with ffprobe, decodes `idx` (negative = from the end) and compares
// each frame with the CLI's. Returns the largest |difference| seen.
int check_video(const std::string& name, std::vector<int64_t> idx, int rotation = 0) {
  const std::string v = videos().file(name);
  const Probed ref = ffprobe(v);
  const vidpipe::VideoInfo info = av::probe(v);
  CHECK(info.width == ref.width);
  CHECK(info.height == ref.height);
  CHECK(info.frame_count == ref.packets);
  CHECK(info.frame_count_source == "packets");
  CHECK(info.rotation == rotation);
  CHECK(info.fps == doctest::Approx(30));
  for (auto& i : idx) if (i < 0) i += info.frame_count;
  const auto frames = decode(v, idx);
  REQUIRE(frames.size() == idx.size());
  int worst = 0;
  for (std::size_t k = 0; k < idx.size(); ++k) {
    CHECK(frames[k]->index == idx[k]);
    CHECK(frames[k]->timestamp == doctest::Approx(idx[k] / 30.0).epsilon(1e-3));
    const int w = info.sideways() ? info.height : info.width;
    CHECK(frames[k]->width == w);
    CHECK(frames[k]->stride >= w * 3);
    const int d = max_abs_diff(frames[k], cli_frame(v, idx[k]));
    INFO(name, " frame ", idx[k], " max|diff| ", d);
    worst = std::max(worst, d);
  }
  MESSAGE(name << ": max |diff| vs ffmpeg CLI = " << worst);
  return worst;
}

template <class F>
void check_throws_naming(const std::string& input, F&& f) {
  try {
    f();
    FAIL("no vidpipe::Error for " << input);
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(input) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("H.264 with B-frames: probe = ffprobe, frames byte-exact with the CLI") {
  REQUIRE(!videos().file("h264").empty());
  CHECK(check_video("h264", {0, 7, 31, 47, 48, -1}) == 0);
  const auto info = av::probe(videos().file("h264"));
  CHECK(info.codec == "h264");
  CHECK(info.container.find("mp4") != std::string::npos);
  CHECK(info.extra["keyframe_count"].get<int>() >= 2);
  CHECK(info.keyframes.size() == info.extra["keyframe_count"].get<std::size_t>());
  CHECK(info.extra["has_audio"] == false);
  av::ProbeOptions header;
  header.count_packets = false;
  const auto h = av::probe(videos().file("h264"), header);
  CHECK(h.frame_count_source == "header");
  CHECK(h.frame_count == info.frame_count);
  header.max_pixels = 320 * 240 - 1;
  CHECK_THROWS_AS(av::probe(videos().file("h264"), header), Error);
}

TEST_CASE("BT.709-tagged H.264: auto honours the tags, bt601 matches scale=in_color_matrix") {
  const std::string v = videos().file("h264_709");
  REQUIRE(!v.empty());
  CHECK(check_video("h264_709", {0, 31}) == 0);
  CHECK(av::probe(v).extra["color_space"] == "bt709");
  av::ReadStats stats;
  av::ReadOptions opt;
  opt.color_matrix = "bt601";
  const auto f601 = decode(v, {31}, opt, &stats);
  CHECK(stats.color_matrix == "bt601");
  CHECK(max_abs_diff(f601[0], cli_frame(v, 31, ",scale=in_color_matrix=bt601:flags=bicubic")) == 0);
  CHECK(max_abs_diff(f601[0], cli_frame(v, 31)) > 0);  // the matrices really differ
  decode(v, {31}, {}, &stats);
  CHECK(stats.color_matrix == "bt709");
}

TEST_CASE("display rotation: 90, 180 and 270 degrees match the CLI's autorotate") {
  // FFmpeg 5.1's mov muxer stores `-metadata rotate=N` as a display matrix of N degrees
  // counter-clockwise (ffprobe: "rotation=90"); the CLI undoes it with a (360-N) degree
  // clockwise turn (rotate=90 -> transpose=cclock), and VideoInfo::rotation is that clockwise
  // turn. Phone portrait clips (matrix -90) therefore report 90.
  for (int deg : {90, 180, 270}) {
    const std::string name = "rot" + std::to_string(deg);
    REQUIRE(!videos().file(name).empty());
    CHECK(check_video(name, {0, 31, -1}, (360 - deg) % 360) == 0);
  }
  av::ReadOptions off;
  off.autorotate = false;
  const auto f = decode(videos().file("rot90"), {0}, off);
  CHECK(f[0]->width == 320);
  CHECK(max_abs_diff(f[0], cli_frame(videos().file("h264"), 0)) == 0);
}

TEST_CASE("odd size 853x479 yuv444p") {
  REQUIRE(!videos().file("odd444").empty());
  CHECK(check_video("odd444", {0, 7, -1}) == 0);
}

TEST_CASE("odd size 853x479 yuv420p (VP9)") {
  REQUIRE(!videos().file("odd420").empty());
  CHECK(check_video("odd420", {0, 7, -1}) == 0);
}

TEST_CASE("MJPEG in AVI (full range yuvj420p)") {
  REQUIRE(!videos().file("mjpeg").empty());
  CHECK(check_video("mjpeg", {0, 7, 31, -1}) == 0);
}

TEST_CASE("HEVC 10-bit") {
  if (videos().file("hevc10").empty()) {
    MESSAGE("libx265 not available: skipped");
    return;
  }
  CHECK(check_video("hevc10", {0, 7, 31, -1}) == 0);
}

TEST_CASE("VP9 in WebM") {
  REQUIRE(!videos().file("vp9").empty());
  CHECK(check_video("vp9", {0, 7, 31, -1}) == 0);
}

TEST_CASE("reading stops early and honours on_frame's answer") {
  const std::string v = videos().file("h264");
  av::ReadStats stats;
  const auto f = decode(v, {7, 7}, {}, &stats);  // duplicates are delivered twice
  CHECK(f.size() == 2);
  CHECK(stats.decoded_frames <= 8);  // frames 0..7, less unwanted non-reference ones
  CHECK(stats.returned_frames == 2);
  av::FrameReader r(v);
  int calls = 0;
  r.read({1, 2, 3}, {}, [&](FramePtr) { return ++calls < 2; });
  CHECK(calls == 2);
  // The cancel hook ends reading quietly.
  av::ReadOptions cancel;
  cancel.cancelled = [] { return true; };
  calls = 0;
  CHECK_NOTHROW(r.read({80}, cancel, [&](FramePtr) { return ++calls > 0; }));
  CHECK(calls == 0);
  // A second read() starts from the beginning again.
  int64_t got = -1;
  r.read({0}, {}, [&](FramePtr fr) { got = fr->index; return true; });
  CHECK(got == 0);
}

TEST_CASE("bad inputs throw vidpipe::Error naming the input") {
  auto& vs = videos();
  const std::vector<std::string> bad = {(vs.dir / "missing.mp4").string(),
                                        (vs.dir / "text.mp4").string(),
                                        (vs.dir / "empty.mp4").string(), vs.file("audio")};
  for (const auto& in : bad) {
    REQUIRE(!in.empty());
    check_throws_naming(in, [&] { av::probe(in); });
    check_throws_naming(in, [&] { av::FrameReader r(in); });
  }
  try {
    av::probe(vs.file("audio"));
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("no video stream") != std::string::npos);
  }
  check_throws_naming("http://example.com/a.mp4", [] { av::probe("http://example.com/a.mp4"); });
  // file:// URLs name local files.
  CHECK(av::probe("file://" + vs.file("h264")).width == 320);
}

TEST_CASE("a frame beyond the end throws with the decodable count") {
  const std::string v = videos().file("h264");
  const int64_t n = av::probe(v).frame_count;
  try {
    decode(v, {0, n});
    FAIL("no error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find(v) != std::string::npos);
    CHECK(msg.find("only " + std::to_string(n) + " decodable frames") != std::string::npos);
    CHECK(!e.hint().empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding only what the plan needs (issue 3).

namespace {
bool same_pixels(const FramePtr& a, const FramePtr& b) {
  if (a->width != b->width || a->height != b->height) return false;
  for (int y = 0; y < a->height; ++y)
    if (std::memcmp(a->row(y), b->row(y), static_cast<std::size_t>(a->width) * 3) != 0) return false;
  return true;
}
std::vector<int64_t> iota_n(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

TEST_CASE("long-GOP H.264 B-frames: sparse plan seeks, equals the CLI and the dense decode") {
  const std::string v = videos().file("long");
  REQUIRE(!v.empty());
  const auto info = av::probe(v);
  REQUIRE(info.frame_count == 300);
  CHECK(info.keyframes == std::vector<int64_t>{0, 250});
  const std::vector<int64_t> idx = {3, 100, 262, 263, 298};  // 262: past keyframe 250
  av::ReadStats sparse_stats, dense_stats;
  const auto sparse = decode(v, idx, {}, &sparse_stats);
  REQUIRE(sparse.size() == idx.size());
  CHECK(sparse_stats.seeks >= 1);
  CHECK(sparse_stats.strategy == "seek");
  CHECK(sparse_stats.decoded_frames < 300);
  MESSAGE("sparse: " << sparse_stats.decoded_frames << " frames decoded for " << idx.size()
                     << ", " << sparse_stats.seeks << " seeks");
  for (std::size_t k = 0; k < idx.size(); ++k) {
    INFO("frame ", idx[k]);
    CHECK(sparse[k]->index == idx[k]);
    CHECK(max_abs_diff(sparse[k], cli_frame(v, idx[k])) == 0);
  }
  // Dense: every frame, sequentially (no seek), without and with non-ref skipping.
  av::ReadOptions noskip;
  noskip.skip_nonref = false;
  const auto dense = decode(v, iota_n(300), noskip, &dense_stats);
  REQUIRE(dense.size() == 300);
  CHECK(dense_stats.seeks == 0);
  CHECK(dense_stats.decoded_frames == 300);
  for (std::size_t k = 0; k < idx.size(); ++k) CHECK(same_pixels(dense[idx[k]], sparse[k]));
  // A 2 fps plan decodes sequentially, skipping unwanted non-reference frames: same pixels.
  std::vector<int64_t> two_fps;
  for (int64_t i = 0; i < 300; i += 15) two_fps.push_back(i);
  av::ReadStats st2;
  const auto f2 = decode(v, two_fps, {}, &st2);
  CHECK(st2.seeks == 0);
  CHECK(st2.decoded_frames < 300);
  MESSAGE("2 fps plan: " << st2.decoded_frames << " of 300 frames decoded");
  for (std::size_t k = 0; k < two_fps.size(); ++k) CHECK(same_pixels(f2[k], dense[two_fps[k]]));
}

TEST_CASE("approximate seek mode answers with the keyframe at or before each target") {
  const std::string v = videos().file("long");
  av::ReadOptions approx;
  approx.seek_mode = "approximate";
  av::ReadStats st;
  const auto f = decode(v, {100, 200, 260}, approx, &st);
  REQUIRE(f.size() == 3);
  CHECK(f[0]->index == 0);
  CHECK(f[1]->index == 0);
  CHECK(f[2]->index == 250);
  CHECK(st.decoded_frames <= 2);
  CHECK(st.strategy == "keyframes");
  CHECK(max_abs_diff(f[2], cli_frame(v, 250)) == 0);
  CHECK(max_abs_diff(f[0], cli_frame(v, 0)) == 0);
}

TEST_CASE("VFR: frame_times are ffprobe's pts; frames by presentation index equal the CLI") {
  const std::string v = videos().file("vfr");
  REQUIRE(!v.empty());
  const auto info = av::probe(v);
  REQUIRE(info.frame_count == 120);
  std::vector<double> pts;
  std::istringstream in(capture("ffprobe -v error -select_streams v:0 -show_entries "
                                "packet=pts_time -of csv=p=0 " + v));
  for (double t; in >> t;) pts.push_back(t);
  std::sort(pts.begin(), pts.end());
  const double start = std::stod(capture("ffprobe -v error -select_streams v:0 -show_entries "
                                         "stream=start_time -of csv=p=0 " + v));
  REQUIRE(pts.size() == info.frame_times.size());
  for (std::size_t i = 0; i < pts.size(); ++i)
    CHECK(info.frame_times[i] == doctest::Approx(pts[i] - start).epsilon(1e-6));
  CHECK(info.frame_times[60] == doctest::Approx(2.0));
  CHECK(info.frame_times[61] == doctest::Approx(2.1));
  CHECK(info.extra["variable_frame_rate"] == true);
  const std::vector<int64_t> idx = {0, 59, 60, 61, 90, 119};
  const auto f = decode(v, idx);
  REQUIRE(f.size() == idx.size());
  for (std::size_t k = 0; k < idx.size(); ++k) {
    INFO("frame ", idx[k]);
    CHECK(f[k]->timestamp == doctest::Approx(info.frame_times[idx[k]]));
    CHECK(max_abs_diff(f[k], cli_frame(v, idx[k])) == 0);
  }
}

TEST_CASE("MPEG-4 in AVI, 1-frame and 2-frame videos") {
  REQUIRE(!videos().file("mpeg4").empty());
  CHECK(check_video("mpeg4", {0, 7, 31, -1}) == 0);
  CHECK(check_video("one", {0}) == 0);
  CHECK(check_video("two", {0, 1}) == 0);
  CHECK(check_video("two", {1, 1}) == 0);
}

TEST_CASE("truncated faststart mp4: the true count is found before decoding, no hang") {
  const std::string v = videos().file("trunc");
  REQUIRE(!v.empty());
  const auto t0 = std::chrono::steady_clock::now();
  av::ProbeOptions header;
  header.count_packets = false;
  CHECK(av::probe(v, header).frame_count == 90);  // the header lies
  const auto info = av::probe(v);
  CHECK(info.frame_count < 90);
  CHECK(info.extra.contains("frame_count_mismatch"));
  av::FrameReader r(v);
  const int64_t n = r.frame_count({});
  CHECK(n <= info.frame_count);
  CHECK(n > 0);
  MESSAGE("truncated: header 90, packets " << info.frame_count << ", decodable " << n);
  std::vector<FramePtr> got;
  r.read(iota_n(n), {}, [&](FramePtr f) { got.push_back(f); return true; });
  CHECK(static_cast<int64_t>(got.size()) == n);
  CHECK(got.back()->index == n - 1);
  CHECK(max_abs_diff(got.back(), cli_frame(v, n - 1)) == 0);
  CHECK_THROWS_AS(r.read({n}, {}, [](FramePtr) { return true; }), Error);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}

TEST_CASE("bit-flipped stream: skip finishes with a damage count, fail throws; never hangs") {
  const std::string v = videos().file("flip");
  REQUIRE(!v.empty());
  const auto t0 = std::chrono::steady_clock::now();
  int64_t n = 0;
  try {
    av::FrameReader r(v);
    n = r.frame_count({});
  } catch (const Error& e) {
    MESSAGE("flipped file refused at open: " << e.what());
    CHECK(std::string(e.what()).find(v) != std::string::npos);
    return;
  }
  REQUIRE(n > 0);
  av::ReadOptions skip;
  skip.max_corrupt_ratio = 1.0;
  av::ReadStats st;
  const auto f = decode(v, iota_n(n), skip, &st);
  CHECK(static_cast<int64_t>(f.size()) == n);
  const int64_t damage = st.corrupt_packets + st.corrupt_frames + st.missing_frames;
  MESSAGE("flipped: " << n << " frames, damage: " << st.corrupt_packets << " packets, "
                      << st.corrupt_frames << " frames, " << st.missing_frames << " missing");
  av::ReadOptions fail;
  fail.on_decode_error = "fail";
  if (damage > 0) CHECK_THROWS_AS(decode(v, iota_n(n), fail), Error);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
}

TEST_CASE("limits: max_duration, max_frames, max_pixels, deadline are clear, final errors") {
  // LimitError (not a plain Error) is what tells decode.auto not to try another backend.
  const std::string v = videos().file("long");
  av::ProbeOptions p;
  p.max_duration = 5;
  try {
    av::probe(v, p);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("max_duration") != std::string::npos);
  }
  p.max_duration = 0;
  p.max_pixels = 100;
  CHECK_THROWS_AS(av::probe(v, p), LimitError);
  av::ReadOptions o;
  o.limits.max_frames = 20;
  try {
    decode(v, {100}, o);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("max_decoded_frames") != std::string::npos);
  }
  av::ReadOptions px;
  px.max_pixels = 100;
  try {
    decode(v, {0}, px);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("exceeds max_pixels 100") != std::string::npos);
  }
  av::ReadOptions d;
  d.limits.deadline = av::Clock::now() - std::chrono::seconds(1);
  d.limits.deadline_s = 1;
  try {
    decode(v, {100}, d);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("deadline") != std::string::npos);
  }
}
