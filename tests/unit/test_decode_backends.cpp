// The FFmpeg and images decoder backends through the walk (decode_frames), against references
// nobody here wrote: frames byte-identical to the ffmpeg CLI
// (`-vf select=eq(n\,i) -vsync 0 -pix_fmt rgb24`), JPEG images to PIL (libjpeg, as OpenCV and
// torchvision decode them). The walk's policy alone: test_decode_walk.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <vidpipe/media/ffmpeg_backend.hpp>
#include <vidpipe/media/image_sequence.hpp>

#include "ffmpeg_test_videos.hpp"
#include "images_backend.hpp"

using namespace vidpipe;
using namespace vidpipe::test;

namespace {

// The backend's parameters at their defaults.
Params defaults(const DecoderBackendSpec& spec) {
  json values = json::object();
  for (const ParamSpec& p : spec.contract.params) values[p.name] = p.default_value;
  return Params(values, {});
}

std::vector<FramePtr> walk(DecoderBackend& b, const VideoInfo& info, std::vector<int64_t> idx,
                           const WalkOptions& opt = {}, WalkStats* stats = nullptr) {
  auto plan = std::make_shared<SamplePlan>();
  plan->info = std::make_shared<const VideoInfo>(info);
  plan->indices = std::move(idx);
  std::vector<FramePtr> out;
  const WalkStats st = decode_frames(b, plan, opt, [&](FramePtr f) {
    CHECK(f->plan == plan);
    out.push_back(std::move(f));
    return true;
  });
  if (stats) *stats = st;
  return out;
}

}  // namespace

TEST_CASE("ffmpeg backend: its spec, and frames byte-identical to the CLI (seeking, B-frames, rotation, MJPEG)") {
  const DecoderBackendSpec spec = av::FfmpegBackend::backend_spec();
  CHECK(spec.name() == "ffmpeg");
  CHECK(spec.rank == kRankPrimary);
  CHECK(spec.containers.empty());
  CHECK(!spec.local_files_only);
  std::vector<std::string> names;
  for (const ParamSpec& p : spec.contract.params) names.push_back(p.name);
  for (const char* n : {"color_matrix", "skip_nonref", "net_timeout", "max_input_bytes", "allow_playlists", "tls_verify"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());

  const Params params = defaults(spec);
  struct Case {
    const char* video;
    std::vector<int64_t> idx;
  };
  for (const Case& c : {Case{"long", {3, 100, 262, 263, 298}}, Case{"h264", {0, 7, 31, 47}},
                        Case{"rot90", {0, 31}}, Case{"mjpeg", {0, 7, 31}}}) {
    const std::string v = videos().file(c.video);
    REQUIRE(!v.empty());
    INFO(c.video);
    const VideoInfo info = av::probe(v);
    av::FfmpegBackend b(params);
    WalkStats st;
    const auto frames = walk(b, info, c.idx, {}, &st);
    REQUIRE(frames.size() == c.idx.size());
    for (std::size_t k = 0; k < c.idx.size(); ++k) {
      INFO("frame ", c.idx[k]);
      CHECK(frames[k]->index == c.idx[k]);
      CHECK(frames[k]->timestamp == doctest::Approx(info.frame_times[c.idx[k]]));
      CHECK(max_abs_diff(frames[k], cli_frame(v, c.idx[k])) == 0);
    }
    if (std::string(c.video) == "long") CHECK(st.seeks >= 1);
    CHECK(b.note()["rotation"] == info.rotation);
    // The same object walks again (from the start).
    const auto again = walk(b, info, {c.idx.back()});
    CHECK(same_pixels(again[0], frames.back()));
  }
  // Limits are the walk's: LimitError.
  const VideoInfo info = av::probe(videos().file("long"));
  av::FfmpegBackend b(params);
  WalkOptions few;
  few.limits.max_frames = 5;
  CHECK_THROWS_AS(walk(b, info, {100}, few), LimitError);
}

TEST_CASE("images backend: PNG equal to the CLI, JPEG to PIL; files nobody planned are not decoded") {
  const std::filesystem::path dir = videos().dir / "seq";
  for (const char* ext : {"png", "jpg"}) {
    INFO(ext);
    const std::filesystem::path d = dir / ext;
    std::filesystem::create_directories(d);
    REQUIRE(sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=161x91:rate=5 -frames:v 12 " + (d / "f_%03d.").string() + ext));
    const VideoInfo info = imgseq::probe(d.string(), {});
    REQUIRE(info.frame_count == 12);
    const DecoderBackendSpec spec = nodes::decode::ImagesBackend::backend_spec();
    CHECK(spec.name() == "images");
    CHECK(spec.containers == std::vector<std::string>{"image_sequence"});
    nodes::decode::ImagesBackend b(defaults(spec));
    const std::vector<int64_t> idx = {0, 4, 4, 5, 11};
    WalkStats st;
    const auto frames = walk(b, info, idx, {}, &st);
    REQUIRE(frames.size() == idx.size());
    CHECK(st.decoded_frames == 4);
    CHECK(st.packets_skipped == 8);  // the 12 images less the 4 planned
    for (std::size_t k = 0; k < idx.size(); ++k) {
      INFO("frame ", idx[k]);
      const std::string file = (d / ("f_" + std::string(idx[k] + 1 < 10 ? "00" : "0") + std::to_string(idx[k] + 1) + "." + ext)).string();
      const std::string ref = std::string(ext) == "png"
          ? capture("ffmpeg -v error -i " + file + " -f rawvideo -pix_fmt rgb24 -")
          : capture("/usr/bin/python3 -c \"import sys; from PIL import Image; "
                    "sys.stdout.buffer.write(Image.open('" + file + "').convert('RGB').tobytes())\"");
      CHECK(frames[k]->index == idx[k]);
      CHECK(frames[k]->timestamp == doctest::Approx(idx[k] / 2.0));
      CHECK(max_abs_diff(frames[k], ref) == 0);
    }
  }
  // A truncated JPEG still decodes (its missing rows grey): a damaged frame, its warning noted.
  {
    const std::filesystem::path d = dir / "jpg";
    const std::string cut = (d / "f_003.jpg").string();
    const std::string bytes = capture("cat " + cut);
    std::ofstream(cut, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
    nodes::decode::ImagesBackend b({});
    WalkStats st;
    walk(b, imgseq::probe(d.string(), {}), {1, 2, 3}, {}, &st);
    CHECK(st.corrupt_frames == 1);
    CHECK(b.note()["warnings"][0].get<std::string>().find("/f_003.jpg: ") != std::string::npos);
    WalkOptions fail;
    fail.on_decode_error = "fail";
    CHECK_THROWS_WITH_AS(walk(b, imgseq::probe(d.string(), {}), {2}, fail), doctest::Contains("frame 2 is damaged"), Error);
  }
  // A planned image of another size fails before the first frame is decoded.
  const std::filesystem::path d = dir / "png";
  const VideoInfo info = imgseq::probe(d.string(), {});
  REQUIRE(sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=80x60 -frames:v 1 " + (d / "f_007.png").string()));
  nodes::decode::ImagesBackend b({});
  int delivered = 0;
  auto plan = std::make_shared<SamplePlan>();
  plan->info = std::make_shared<const VideoInfo>(info);
  plan->indices = {0, 6};
  try {
    decode_frames(b, plan, {}, [&](FramePtr) { return ++delivered > 0; });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("f_007.png: image size 80x60 differs") != std::string::npos);
  }
  CHECK(delivered == 0);
}
