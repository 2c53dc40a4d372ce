// FrameReader and probe against the ffmpeg/ffprobe CLIs, which are the reference, on every
// format and by both ways of reaching a frame (seeking, decoding on): probe values must equal
// ffprobe's, decoded frames the CLI's byte for byte (ffmpeg_test_videos.hpp). Damaged inputs and
// limits: test_ffmpeg_damage.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "ffmpeg_test_videos.hpp"

using namespace vidpipe::test;
using vidpipe::Error;
using vidpipe::FramePtr;

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

TEST_CASE("pts in decode order with B-frames: frame i is the decoder's i-th output, as the CLI's") {
  const std::string v = videos().file("pts_dts");
  REQUIRE(!v.empty());
  const auto info = av::probe(v);
  REQUIRE(info.index);
  CHECK(info.index->output_order);
  CHECK(!av::probe(videos().file("long")).index->output_order);  // sound pts: found by pts
  CHECK(info.extra.contains("frame_order"));
  const std::vector<int64_t> idx = {1, 2, 3, 100, 251, 252, 299};
  std::vector<FramePtr> got;
  av::FrameReader r(v, {}, info.index);  // the probe's index, not built again
  const auto st = r.read(idx, {}, [&](FramePtr f) { got.push_back(f); return true; });
  CHECK(st.strategy == "output order");
  CHECK(st.seeks == 0);
  REQUIRE(got.size() == idx.size());
  for (std::size_t k = 0; k < idx.size(); ++k) {
    INFO("frame ", idx[k]);
    CHECK(got[k]->index == idx[k]);
    CHECK(max_abs_diff(got[k], cli_frame(v, idx[k])) == 0);
  }
}
