#include <vidpipe/imaging/resize_kernels.hpp>

#include <vidpipe/imaging/fast_resize.hpp>
#include <vidpipe/imaging/resize.hpp>
#include "vidpipe/sdk/error.hpp"

namespace vidpipe::ref {

ResizeMode parse_resize_mode(const std::string& name) {
  if (name == "exact") return ResizeMode::Exact;
  if (name == "bilinear") return ResizeMode::Bilinear;
  if (name == "area") return ResizeMode::Area;
  if (name == "fast") return ResizeMode::Fast;
  throw Error("unknown resize mode '" + name + "'", "use exact, bilinear, area or fast");
}

struct ResizeKernels::Kernel {
  std::unique_ptr<SeparableResizer> separable;
  std::unique_ptr<FastResizer> fast;
};

FramePtr ResizeKernels::resize(const FramePtr& f, int dw, int dh) {
  if (dw == f->width && dh == f->height) return f;
  const int c = channels(f->format);
  FrameBuffer fb = make_frame(dw, dh, f->format);
  const auto k = kernel(f->width, f->height, dw, dh, c);
  if (k->fast) k->fast->run(f->data.get(), f->stride, fb.pixels, c, fb.frame->stride);
  else k->separable->run(f->data.get(), f->stride, fb.pixels, c, fb.frame->stride);
  fb.frame->index = f->index;
  fb.frame->timestamp = f->timestamp;
  fb.frame->plan = f->plan;
  return fb.frame;
}

std::shared_ptr<const ResizeKernels::Kernel> ResizeKernels::kernel(int sw, int sh, int dw, int dh, int c) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& k = cache_[{sw, sh, dw, dh, c}];
  if (!k) {
    auto made = std::make_shared<Kernel>();
    switch (mode_) {
      case ResizeMode::Fast: made->fast = std::make_unique<FastResizer>(sw, sh, dw, dh); break;
      case ResizeMode::Area: made->separable = std::make_unique<SeparableResizer>(sw, sh, dw, dh, Filter::Area); break;
      case ResizeMode::Bilinear:
        made->separable = std::make_unique<SeparableResizer>(sw, sh, dw, dh, Filter::Bilinear);
        break;
      case ResizeMode::Exact: made->separable = std::make_unique<SeparableResizer>(sw, sh, dw, dh); break;
    }
    if (cache_.size() > 64) {  // many odd-sized inputs: keep memory bounded
      cache_.clear();
      return made;
    }
    k = std::move(made);
  }
  return k;
}

}  // namespace vidpipe::ref
