// Frame sizing rules of qwen-vl-utils (docs/qwen-reference.md §2.2, §2.7, §2.8), in double precision with
// Python's division order, so results are identical to the reference.
#pragma once

#include <cstdint>
#include <optional>

namespace vidpipe::ref {

struct Size2 {
  int64_t height = 0, width = 0;
  bool operator==(const Size2&) const = default;
};

// smart_resize of qwen-vl-utils 0.0.10/0.0.14 (§2.2). Throws vidpipe::Error when the aspect
// ratio exceeds 200, a side is not positive, or a result side would be 0 (the reference returns
// 0 there and fails later).
Size2 smart_resize(int64_t height, int64_t width, int64_t factor, double min_pixels,
                   double max_pixels);

// Per-frame pixel cap for a video of n sampled frames (§2.7):
// max(min(video_max_pixels, total_pixels / n * 2), int(min_pixels * 1.05)), lowered (never
// raised) by a user max_pixels.
double video_frame_cap(int64_t n, double min_pixels, std::optional<double> max_pixels,
                       double total_pixels, double video_max_pixels);

// Everything that decides a video's frame size; defaults are Qwen2.5-VL's (factor 28).
struct SizingParams {
  int64_t factor = 28;
  double min_pixels = 100352;         // VIDEO_MIN_PIXELS
  std::optional<double> max_pixels;   // user cap; unset = only the computed cap
  double total_pixels = 90316800;     // VIDEO_TOTAL_PIXELS (0.0.9+)
  double video_max_pixels = 602112;   // VIDEO_MAX_PIXELS, the per-frame ceiling
  std::optional<int64_t> resized_height, resized_width;  // §2.8, used only when both are set
  double image_min_pixels = 3136, image_max_pixels = 12845056;  // limits for §2.8
};

struct VideoSize {
  int64_t height = 0, width = 0;
  double max_pixels = 0;      // the cap that applied (image_max_pixels for explicit sizes)
  double min_pixels = 0;
  bool explicit_size = false;  // resized_height/resized_width decided it
};

// Target size of the n sampled frames of a height x width video (§2.7 and §2.8).
VideoSize qwen_video_size(int64_t height, int64_t width, int64_t n, const SizingParams& p);

}  // namespace vidpipe::ref
