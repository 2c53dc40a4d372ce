// The resize modes of process.smart_resize and process.resize, and the per-node cache of their
// kernels: weights are made once per (source size, output size, channels) and shared by all
// frames of a video.
//   exact     torchvision 0.14 resize(BICUBIC, antialias=True) on uint8 (resize.hpp)
//   bilinear  torchvision resize(BILINEAR, antialias=True)
//   area      box filter weighted by pixel overlap = OpenCV INTER_AREA when downscaling
//   fast      2x box pre-reduction where the downscale allows, then exact's kernel (fast_resize.hpp)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include <vidpipe/sdk/data.hpp>

namespace vidpipe::ref {

enum class ResizeMode : uint8_t { Exact, Bilinear, Area, Fast };
ResizeMode parse_resize_mode(const std::string& name);  // "exact", "bilinear", "area", "fast"
inline constexpr const char* kResizeModeDoc =
    "exact: torchvision bicubic antialias (the reference's pixels); bilinear: torchvision bilinear "
    "antialias; area: OpenCV INTER_AREA-style box filter; fast: 2x box pre-reduction where the "
    "downscale is 2x or more, then the exact kernel";

class ResizeKernels {
 public:
  explicit ResizeKernels(ResizeMode mode) : mode_(mode) {}
  // f resized to dw x dh: a new frame with f's index, timestamp and plan; f itself when it
  // already has that size (every mode is the identity there).
  FramePtr resize(const FramePtr& f, int dw, int dh);

 private:
  struct Kernel;
  std::shared_ptr<const Kernel> kernel(int sw, int sh, int dw, int dh, int c);

  ResizeMode mode_;
  std::mutex mutex_;
  std::map<std::tuple<int, int, int, int, int>, std::shared_ptr<const Kernel>> cache_;
};

}  // namespace vidpipe::ref
