// The analysis pass's pieces on their own (built from its sources, not through the plugin): the
// HSV conversion against OpenCV's (PySceneDetect's content score reads OpenCV's HSV), the box
// downscale, and stored analyses of either version (docs/sampling.md §7).
#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include <vidpipe/sdk/error.hpp>

#include "detect.hpp"
#include "frame_scores.hpp"
#include "small_picture.hpp"

using namespace vidpipe;
using namespace vidpipe::analyze;

TEST_CASE("bgr_to_hsv equals OpenCV's BGR2HSV for every 8-bit colour") {
  constexpr int kColours = 1 << 24;
  cv::Mat bgr(1, kColours, CV_8UC3);
  for (int i = 0; i < kColours; ++i) bgr.at<cv::Vec3b>(0, i) = {uint8_t(i), uint8_t(i >> 8), uint8_t(i >> 16)};
  cv::Mat expected;
  cv::cvtColor(bgr, expected, cv::COLOR_BGR2HSV);
  std::vector<uint8_t> planes(3 * static_cast<std::size_t>(kColours));
  bgr_to_hsv(bgr.data, kColours, planes.data());
  int64_t wrong = 0;
  for (int i = 0; i < kColours; ++i) {
    const cv::Vec3b e = expected.at<cv::Vec3b>(0, i);
    for (int c = 0; c < 3; ++c) wrong += planes[static_cast<std::size_t>(c) * kColours + i] != e[c];
  }
  CHECK(wrong == 0);
}

TEST_CASE("the box downscale averages each box; sizes keep the aspect ratio") {
  CHECK(small_size(1920, 1080, 256) == std::pair{256, 144});
  CHECK(small_size(200, 100, 256) == std::pair{200, 100});  // never up
  AVFrame* frame = av_frame_alloc();
  frame->width = 1920, frame->height = 1080, frame->format = AV_PIX_FMT_YUV420P;
  REQUIRE(av_frame_get_buffer(frame, 0) == 0);
  // Luma: a ramp across columns (each 1920/256 = 7.5-column box of x averages to about 7.5 x + 3),
  // constant down the rows; chroma flat.
  for (int y = 0; y < 1080; ++y)
    for (int x = 0; x < 1920; ++x) frame->data[0][y * frame->linesize[0] + x] = static_cast<uint8_t>(x / 8);
  for (int p = 1; p < 3; ++p)
    for (int y = 0; y < 540; ++y)
      for (int x = 0; x < 960; ++x) frame->data[p][y * frame->linesize[p] + x] = 77;
  REQUIRE(Shrinker::small_format(*frame, 256, 144) == AV_PIX_FMT_YUV420P);  // 7.5x: box averages
  CHECK(Shrinker::small_format(*frame, 1920, 1080) == AV_PIX_FMT_YUV444P);   // 1x: swscale
  Shrinker shrink(*frame, 256, 144, AV_PIX_FMT_YUV420P, "ramp");
  SmallPicture small;
  shrink.shrink(*frame, small);
  REQUIRE(small.plane_width == std::array{256, 128, 128});
  REQUIRE(small.plane_height == std::array{144, 72, 72});
  for (int x = 0; x < 256; ++x) {
    const int first = x * 1920 / 256, last = (x + 1) * 1920 / 256;  // the box's columns
    double mean = 0;
    for (int c = first; c < last; ++c) mean += (c / 8) / static_cast<double>(last - first);
    CHECK(small.planes[0][143 * 256 + x] == static_cast<int>(std::floor(mean + 0.5)));
  }
  CHECK(std::all_of(small.planes[1].begin(), small.planes[1].end(), [](uint8_t v) { return v == 77; }));
  av_frame_free(&frame);
}

TEST_CASE("a stored analysis: version 2 keeps scdet; version 1 reads, without it") {
  Signals s;
  s.width = 4, s.height = 4, s.fps = 25;
  for (int t = 0; t < 40; ++t) {
    const bool cut = t == 20;
    s.content.push_back(cut ? 60.f : 1.f), s.intensity.push_back(100.f), s.hash.push_back(cut ? 0.5f : 0.f);
    s.scdet.push_back(cut ? 30.f : 0.5f), s.back.push_back({60.f, 60.f, 60.f});
  }
  json stored = to_json(s);
  CHECK(stored["version"] == 2);
  const Signals again = from_json(stored);
  CHECK(again.scdet == s.scdet);
  DetectOptions scdet;
  scdet.detector = "scdet";
  REQUIRE(detect(again, scdet).cuts.size() == 1);
  CHECK(detect(again, scdet).cuts[0].frame == 20);

  stored.erase("scdet"), stored["version"] = 1;  // what the analysis stored before scdet
  const Signals old = from_json(stored);
  CHECK(old.scdet.empty());
  DetectOptions content;
  content.detector = "content";
  CHECK(detect(old, content).cuts.size() == 1);
  CHECK_THROWS_AS(detect(old, scdet), Error);
}
