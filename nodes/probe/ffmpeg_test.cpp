// probe.ffmpeg alone (NodeRunner) on videos the ffmpeg CLI makes here, against what ffprobe
// reports for them; and its safety caps, which a model profile can never set.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <vidpipe/testing.hpp>

#include "shell.hpp"
#include "temp_dir.hpp"

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

using vidpipe::test::capture;

// 50 frames of 320x240 at 25 fps, a keyframe every 10 frames.
std::string make_video(const TempDir& dir) {
  const std::string path = (dir.path / "v.mp4").string();
  const int rc = std::system(("ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25 -frames:v 50 "
                              "-c:v libx264 -g 10 -keyint_min 10 -sc_threshold 0 -pix_fmt yuv420p " + path).c_str());
  REQUIRE(rc == 0);
  return path;
}

InfoPtr probe(NodeRunner& node, const std::string& input) {
  node.process(JobPtr(std::make_shared<const VideoJob>(VideoJob{input, "v", 0, ""})));
  return node.output<VideoInfo>();
}

NodeRunner prober(const json& params = json::object(), const json& profile = json::object()) {
  return NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "probe.ffmpeg", params, profile);
}

}  // namespace

TEST_CASE("size, rate, frame count and keyframes equal ffprobe's") {
  TempDir dir("probe");
  const std::string v = make_video(dir);
  NodeRunner node = prober();
  const InfoPtr info = probe(node, v);
  const std::string ffprobe = capture("ffprobe -v error -select_streams v:0 -count_packets -show_entries "
                                      "stream=width,height,nb_read_packets -of csv=p=0 " + v);
  CHECK(ffprobe == std::to_string(info->width) + "," + std::to_string(info->height) + "," +
                       std::to_string(info->frame_count) + "\n");
  CHECK(info->fps == doctest::Approx(25.0));
  CHECK(info->frame_count_source == "packets");
  // ffprobe lists the keyframe packets (flag K) in decode order; with no B-frame reordering
  // across them their presentation indices are their positions among the packets by pts.
  const std::string flags = capture("ffprobe -v error -select_streams v:0 -show_entries packet=pts,flags -of csv=p=0 " + v);
  std::vector<std::pair<long, bool>> packets;
  for (std::size_t at = 0; at < flags.size();) {
    const std::size_t end = flags.find('\n', at);
    const std::string line = flags.substr(at, end - at);
    packets.emplace_back(std::stol(line), line.find('K') != std::string::npos);
    at = end == std::string::npos ? flags.size() : end + 1;
  }
  std::sort(packets.begin(), packets.end());
  std::vector<int64_t> keyframes;
  for (std::size_t i = 0; i < packets.size(); ++i)
    if (packets[i].second) keyframes.push_back(static_cast<int64_t>(i));
  CHECK(keyframes == std::vector<int64_t>{0, 10, 20, 30, 40});
  CHECK(info->keyframes == keyframes);
  CHECK(node.damage().empty());
}

TEST_CASE("a profile never sets a safety cap, even one that shares a model parameter's name") {
  // max_pixels is a model's resize budget; the probe's cap is max_input_pixels.
  NodeRunner node = prober({}, {{"max_pixels", 1}, {"max_input_pixels", 1}, {"max_input_images", 1}});
  CHECK(node.params().get<int64_t>("max_input_pixels") == 8192LL * 8192);
  CHECK(node.params().origin("max_input_pixels") == Origin::Default);
  CHECK(node.params().get<int64_t>("max_input_images") == 10000);
  TempDir dir("probe");
  CHECK(probe(node, make_video(dir))->width == 320);
}

TEST_CASE("the cap is max_input_pixels: a limit error of kind resource; the old name says the new one") {
  TempDir dir("probe");
  const std::string v = make_video(dir);
  NodeRunner node = prober({{"max_input_pixels", 320 * 240 - 1}});
  try {
    probe(node, v);
    FAIL("the probe accepted a frame over max_input_pixels");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("exceeds max_input_pixels 76799") != std::string::npos);
    CHECK(e.kind() == ErrorKind::Resource);
  }
  CHECK_THROWS_WITH_AS(prober({{"max_pixels", 100}}),
                       doctest::Contains("parameter 'max_pixels' is now 'max_input_pixels'"), Error);
  CHECK_THROWS_WITH_AS(prober({{"max_images", 100}}),
                       doctest::Contains("parameter 'max_images' is now 'max_input_images'"), Error);
}

TEST_CASE("a file that is not a video: an error of kind input") {
  TempDir dir("probe");
  const std::string path = (dir.path / "notes.mp4").string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("not a video", f);
  std::fclose(f);
  NodeRunner node = prober();
  try {
    probe(node, path);
    FAIL("the probe accepted a text file");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Input);
  }
}
