// The per-frame scores of the analysis pass (docs/sampling.md §7), computed on the small picture
// (small_picture.hpp): HSV content change, mean intensity, perceptual hash, FFmpeg's scdet score.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <vidpipe/media/ffmpeg_reader.hpp>

#include "signals.hpp"
#include "small_picture.hpp"

namespace vidpipe::analyze {

// 8-bit BGR (packed) to 8-bit HSV planes (all H, then all S, then all V), exactly as OpenCV's
// cvtColor(COLOR_BGR2HSV) rounds them (H 0..179): PySceneDetect's content score reads those.
void bgr_to_hsv(const uint8_t* bgr, std::size_t pixels, uint8_t* hsv);

// The DCT perceptual hash of an 8-bit BGR picture: grey, box-averaged to 16x16, 2-D DCT-II, the 8x8
// lowest frequencies, one bit per coefficient above their median.
uint64_t phash(const uint8_t* bgr, int width, int height);

// Sum of absolute differences of n bytes.
uint64_t sad(const uint8_t* a, const uint8_t* b, std::size_t n);

// Scores one small picture after another against the frames before it and appends the values
// to a Signals (one entry per frame in every vector). Keeps the last few frames' HSV planes in a
// ring, so nothing is allocated per frame.
class FrameScorer {
 public:
  explicit FrameScorer(std::string input) : input_(std::move(input)) {}
  void add(const SmallPicture& picture, Signals& sig);

 private:
  static constexpr int kKept = 5;  // this frame and the 4 the flash filter looks back to
  std::string input_;
  av::SwsPtr to_bgr_;
  std::vector<uint8_t> bgr_;
  std::array<std::vector<uint8_t>, kKept> hsv_;  // frame t's HSV planes at t % kKept
  std::array<uint64_t, kKept> hash_{};
  std::vector<uint8_t> previous_luma_;  // the scdet score compares the luma with the frame before
  double previous_mafd_ = 0;
};

}  // namespace vidpipe::analyze
