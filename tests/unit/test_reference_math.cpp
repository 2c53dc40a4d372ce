// The worked examples and corner cases of docs/qwen-reference.md (§2, §7).
#include <doctest/doctest.h>

#include <vector>

#include <vidpipe/imaging/resize.hpp>
#include <vidpipe/qwen_rules/rounding.hpp>
#include <vidpipe/qwen_rules/sampling.hpp>
#include <vidpipe/qwen_rules/sizing.hpp>
#include "vidpipe/sdk/error.hpp"

using namespace vidpipe;  // plan utilities (SDK plan.hpp)
using namespace vidpipe::ref;

namespace {
std::vector<int64_t> head(const std::vector<int64_t>& v, std::size_t n) { return {v.begin(), v.begin() + n}; }
std::vector<int64_t> tail(const std::vector<int64_t>& v, std::size_t n) { return {v.end() - n, v.end()}; }
NFramesParams nframes(double n) { NFramesParams p; p.nframes = n; return p; }
SizingParams defaults() { return {}; }
}  // namespace

TEST_CASE("rounding is half-to-even, like Python") {
  CHECK(round_half_even(2.5) == 2);
  CHECK(round_half_even(3.5) == 4);
  CHECK(round_half_even(-2.5) == -2);
  CHECK(round_half_even(2.5000001) == 3);
  CHECK(round_by_factor(70, 28) == 56);  // std::round would give 84
  CHECK(round_by_factor(720, 32) == 704);
  CHECK(round_by_factor(1, 2) == 0);
  CHECK(round_by_factor(3, 2) == 4);
  CHECK(round_by_factor(5, 2) == 4);
  CHECK(ceil_by_factor(57, 28) == 84);
  CHECK(floor_by_factor(83.9, 28) == 56);
}

TEST_CASE("example (a): 1920x1080, 30 fps, 600 s") {
  const int64_t n = smart_nframes(18000, 30, {});
  CHECK(n == 768);
  const auto idx = linspace_indices(0, 17999, n);
  CHECK(head(idx, 6) == std::vector<int64_t>{0, 23, 47, 70, 94, 117});
  CHECK(tail(idx, 3) == std::vector<int64_t>{17952, 17976, 17999});
  CHECK(sample_fps(n, 18000, 30) == doctest::Approx(1.28));
  CHECK(video_frame_cap(768, 100352, {}, 90316800, 602112) == 235200);
  const VideoSize s = qwen_video_size(1080, 1920, n, defaults());
  CHECK(s.height == 336);
  CHECK(s.width == 644);
}

TEST_CASE("example (b): 640x360, 25 fps, 10 s, nframes 8") {
  const int64_t n = smart_nframes(250, 25, nframes(8));
  CHECK(n == 8);
  CHECK(linspace_indices(0, 249, n) == std::vector<int64_t>{0, 36, 71, 107, 142, 178, 213, 249});
  CHECK(sample_fps(n, 250, 25) == doctest::Approx(0.8));
  const VideoSize s = qwen_video_size(360, 640, n, defaults());
  CHECK(s.height == 364);
  CHECK(s.width == 644);
}

TEST_CASE("example (c): 1280x720, 30 fps, 20 s, max_pixels 151200") {
  const int64_t n = smart_nframes(600, 30, {});
  CHECK(n == 40);
  const auto idx = linspace_indices(0, 599, n);
  CHECK(head(idx, 6) == std::vector<int64_t>{0, 15, 31, 46, 61, 77});
  CHECK(tail(idx, 3) == std::vector<int64_t>{568, 584, 599});
  CHECK(sample_fps(n, 600, 30) == doctest::Approx(2.0));
  SizingParams p;
  p.max_pixels = 151200;
  const VideoSize s = qwen_video_size(720, 1280, n, p);
  CHECK(s.height == 280);
  CHECK(s.width == 504);
}

TEST_CASE("small frames are upsized to min_pixels") {
  CHECK(qwen_video_size(64, 64, 8, defaults()).height == 336);
  CHECK(qwen_video_size(64, 64, 8, defaults()).width == 336);
  SizingParams q3;
  q3.factor = 32;
  q3.min_pixels = 131072;
  q3.video_max_pixels = 786432;
  CHECK(qwen_video_size(64, 64, 8, q3).height == 384);
}

TEST_CASE("user max_pixels can only lower the cap; explicit sizes use image limits") {
  SizingParams p;
  p.max_pixels = 10'000'000;
  CHECK(video_frame_cap(8, 100352, 10'000'000.0, 90316800, 602112) == 602112);
  CHECK(video_frame_cap(1000, 100352, {}, 90316800, 602112) == doctest::Approx(180633.6));
  SizingParams e;
  e.resized_height = 70;
  e.resized_width = 1000;
  const VideoSize s = qwen_video_size(1080, 1920, 768, e);
  CHECK(s.explicit_size);
  CHECK(s.height == 56);
  CHECK(s.width == 1008);
}

TEST_CASE("aspect ratio and zero-side errors") {
  CHECK(smart_resize(28, 5600, 28, 3136, 12845056) == Size2{28, 5600});  // exactly 200: allowed
  CHECK_THROWS_AS(smart_resize(28, 5601, 28, 3136, 12845056), vidpipe::Error);
  CHECK_THROWS_WITH_AS(smart_resize(28, 5600, 28, 100352, 105369),
                       doctest::Contains("0-pixel side"), vidpipe::Error);
  CHECK_THROWS_AS(smart_resize(0, 10, 28, 3136, 12845056), vidpipe::Error);
}

TEST_CASE("nframes must land in [2, N]") {
  CHECK_THROWS_WITH_AS(smart_nframes(1, 30, {}), doctest::Contains("[2, 1]"), vidpipe::Error);
  CHECK_THROWS_AS(smart_nframes(8, 30, nframes(10)), vidpipe::Error);  // not clamped
  CHECK_THROWS_AS(smart_nframes(100, 30, nframes(1)), vidpipe::Error);  // rounds to 0
  CHECK(smart_nframes(100, 30, nframes(5)) == 4);
  CHECK(smart_nframes(100, 30, nframes(7)) == 8);
  CHECK(smart_nframes(3, 30, {}) == 2);  // min_frames 4 capped by N, floored to even
  NFramesParams p;
  p.fps = 0.01;
  CHECK(smart_nframes(3000, 30, p) == 4);  // min_frames
  p.fps = 30;
  p.max_frames = 101;
  CHECK(smart_nframes(3000, 30, p) == 100);  // max_frames floored to even
}

TEST_CASE("nframes lands in [frame_factor, N]") {
  NFramesParams p;
  p.frame_factor = 1;  // the openai profile
  p.min_frames = 1;
  p.fps = 1.0;
  CHECK(smart_nframes(25, 25, p) == 1);  // a 1 s clip at 1 fps: the reference's 2 would refuse it
  CHECK_THROWS_WITH_AS(smart_nframes(0, 25, p), doctest::Contains("[1, 0]"), vidpipe::Error);

  CHECK(repeated_frames({0, 0, 1, 1, 1, 2}) == 3);
  // Padding short videos is the sampler budget's (nodes/sample/uniform_test.cpp).
}

TEST_CASE("time range") {
  FrameRange r = frame_range(300, 30);
  CHECK(r.start == 0);
  CHECK(r.end == 299);
  CHECK(r.count == 300);
  r = frame_range(300, 30, 1.0, 5.0);
  CHECK(r.start == 30);
  CHECK(r.end == 150);
  CHECK(r.count == 121);
  r = frame_range(300, 30, 0.01, 100.0);  // start rounds up, end clamps to N-1
  CHECK(r.start == 1);
  CHECK(r.end == 299);
  r = frame_range(300, 30, {}, 2.0);
  CHECK(r.start == 0);
  CHECK(r.end == 60);
  CHECK_THROWS_AS(frame_range(300, 30, 5.0, 5.0), vidpipe::Error);
  CHECK_THROWS_AS(frame_range(300, 0, 1.0, 2.0), vidpipe::Error);
  CHECK_THROWS_AS(frame_range(0, 30), vidpipe::Error);
}

TEST_CASE("linspace follows torch 1.13, not exact rounding") {
  CHECK(linspace_indices(0, 18951, 768)[440] == 10872);  // exact math: 10871
  CHECK(linspace_indices(0, 9, 1) == std::vector<int64_t>{0});
  CHECK(linspace_indices(0, 9, 2) == std::vector<int64_t>{0, 9});
  CHECK(linspace_indices(0, 9, 0).empty());
}

TEST_CASE("resize: same size copies, constant image stays constant") {
  std::vector<uint8_t> src(37 * 23 * 3, 200), dst(14 * 9 * 3, 0);
  resize_antialias_bicubic(src.data(), 37, 23, 37 * 3, dst.data(), 14, 9, 3);
  for (uint8_t v : dst) CHECK(v == 200);
  std::vector<uint8_t> same(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7);
  resize_antialias_bicubic(src.data(), 37, 23, 37 * 3, same.data(), 37, 23, 3);
  CHECK(same == src);
  const AxisWeights w = bicubic_aa_weights(1920, 644);
  CHECK(w.out == 644);
  CHECK(w.taps == 13);
}

TEST_CASE("Qwen3 (factor 32) worked examples (a), (b), (c)") {
  SizingParams q3;
  q3.factor = 32;
  q3.min_pixels = 131072;
  q3.video_max_pixels = 786432;
  q3.total_pixels = 117964800.0;
  const VideoSize a = qwen_video_size(1080, 1920, 768, q3);
  CHECK(a.max_pixels == 307200);
  CHECK(a.height == 384);
  CHECK(a.width == 736);
  const VideoSize b = qwen_video_size(360, 640, 8, q3);
  CHECK(b.height == 352);
  CHECK(b.width == 640);
  q3.max_pixels = 151200;
  const VideoSize c = qwen_video_size(720, 1280, 40, q3);
  CHECK(c.height == 288);
  CHECK(c.width == 512);
}

TEST_CASE("bilinear and area weights are normalised") {
  for (Filter f : {Filter::Bilinear, Filter::Area, Filter::Bicubic}) {
    const AxisWeights w = aa_weights(1920, 644, f);
    for (int i = 0; i < w.out; ++i) {
      float s = 0;
      for (int k = 0; k < w.count[i]; ++k) s += w.weights[i * w.taps + k];
      CHECK(s == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
}
