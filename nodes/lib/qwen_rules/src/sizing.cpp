#include <vidpipe/qwen_rules/sizing.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include <vidpipe/qwen_rules/rounding.hpp>
#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

Size2 smart_resize(int64_t height, int64_t width, int64_t factor, double min_pixels,
                   double max_pixels) {
  if (height <= 0 || width <= 0 || factor <= 0)
    throw Error("smart_resize: size " + size_text(width, height) + " and factor " +
                std::to_string(factor) + " must be positive");
  const double h = static_cast<double>(height), w = static_cast<double>(width);
  if (std::max(h, w) / std::min(h, w) > 200)  // exactly 200 is allowed
    throw Error("absolute aspect ratio must be smaller than 200, got " + size_text(width, height),
                "crop or pad the video to a less extreme aspect ratio");
  int64_t hb = std::max(factor, round_by_factor(h, factor));
  int64_t wb = std::max(factor, round_by_factor(w, factor));
  const double area = static_cast<double>(hb) * static_cast<double>(wb);
  if (area > max_pixels) {
    const double beta = std::sqrt((h * w) / max_pixels);
    hb = floor_by_factor(h / beta, factor);  // no max(factor, .) in 0.0.10/0.0.14
    wb = floor_by_factor(w / beta, factor);
  } else if (area < min_pixels) {
    const double beta = std::sqrt(min_pixels / (h * w));
    hb = ceil_by_factor(h * beta, factor);
    wb = ceil_by_factor(w * beta, factor);
  }
  if (hb <= 0 || wb <= 0)
    throw Error("smart_resize: " + size_text(width, height) + " with max_pixels " +
                    std::to_string(static_cast<int64_t>(max_pixels)) + " gives a 0-pixel side (" +
                    size_text(wb, hb) + ")",
                "raise max_pixels or use a less extreme aspect ratio");
  return {hb, wb};
}

double video_frame_cap(int64_t n, double min_pixels, std::optional<double> max_pixels,
                       double total_pixels, double video_max_pixels) {
  constexpr double kFrameFactor = 2;  // FRAME_FACTOR of the reference, not a user knob here
  const double cap =
      std::max(std::min(video_max_pixels, total_pixels / static_cast<double>(n) * kFrameFactor),
               std::trunc(min_pixels * 1.05));  // Python int() truncates
  return std::min(max_pixels.value_or(cap), cap);
}

VideoSize qwen_video_size(int64_t height, int64_t width, int64_t n, const SizingParams& p) {
  VideoSize v;
  if (p.resized_height && p.resized_width) {  // §2.8: image limits, video limits ignored
    const Size2 s = smart_resize(*p.resized_height, *p.resized_width, p.factor,
                                 p.image_min_pixels, p.image_max_pixels);
    return {s.height, s.width, p.image_max_pixels, p.image_min_pixels, true};
  }
  if (n <= 0) throw Error("qwen_video_size: frame count must be positive, got " + std::to_string(n));
  v.min_pixels = p.min_pixels;
  v.max_pixels = video_frame_cap(n, p.min_pixels, p.max_pixels, p.total_pixels, p.video_max_pixels);
  const Size2 s = smart_resize(height, width, p.factor, v.min_pixels, v.max_pixels);
  v.height = s.height;
  v.width = s.width;
  return v;
}

}  // namespace vidpipe::ref
