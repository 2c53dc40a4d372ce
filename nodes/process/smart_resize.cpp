// process.smart_resize: resizes each sampled frame to the size qwen-vl-utils would choose
// (qwen.md §2.7/§2.8) with torchvision's antialiased bicubic (§3).
// Modes: only "exact" (bit-compatible with torch 1.13 up to rare 1-LSB differences) exists
// now; faster approximations (fast/area/bilinear) can be added as further choices.
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include <vidpipe/sdk.hpp>

#include "common/resize.hpp"
#include "common/sizing.hpp"

namespace {

using namespace vidpipe;

class SmartResize : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("process.smart_resize",
                    "Resize frames to Qwen's smart_resize size (antialiased bicubic, torch-exact)")
        .with_shape(Shape::Map)
        .parallel()
        .input("frames", DataType::Frame, "decoded frame with its plan")
        .output("frames", DataType::Frame, "resized frame")
        .integer("factor", 28, 1, 1024, "height and width become multiples of this")
        .integer("min_pixels", 100352, 1, 1e12, "per-frame minimum area")
        .integer("max_pixels", nullptr, 1, 1e12, "user per-frame cap (can only lower the cap)")
        .number("total_pixels", 90316800.0, 1, 1e15, "pixel budget of the whole video")
        .integer("video_max_pixels", 602112, 1, 1e12, "model's per-frame ceiling (VIDEO_MAX_PIXELS)")
        .integer("resized_height", nullptr, 1, 1e6, "explicit height (needs resized_width too)")
        .integer("resized_width", nullptr, 1, 1e6, "explicit width (needs resized_height too)")
        .integer("image_min_pixels", 3136, 1, 1e12, "min area for explicit sizes")
        .integer("image_max_pixels", 12845056, 1, 1e12, "max area for explicit sizes")
        .choice("mode", "exact", {"exact"}, "exact: torchvision 0.14 bicubic antialias");
  }

  explicit SmartResize(const Params& p) {
    s_.factor = p.get_or<int64_t>("factor", 28);
    s_.min_pixels = p.get_or<double>("min_pixels", 100352);
    if (p.has("max_pixels")) s_.max_pixels = p.get<double>("max_pixels");
    s_.total_pixels = p.get_or<double>("total_pixels", 90316800.0);
    s_.video_max_pixels = p.get_or<double>("video_max_pixels", 602112);
    if (p.has("resized_height")) s_.resized_height = p.get<int64_t>("resized_height");
    if (p.has("resized_width")) s_.resized_width = p.get<int64_t>("resized_width");
    s_.image_min_pixels = p.get_or<double>("image_min_pixels", 3136);
    s_.image_max_pixels = p.get_or<double>("image_max_pixels", 12845056);
  }

  void process(const Data& in, Emitter& out, Job&) override {
    const FramePtr& f = std::get<FramePtr>(in);
    if (!f->plan || f->plan->indices.empty())
      throw Error("process.smart_resize: frame has no sample plan",
                  "put a sampler before the decoder so frames carry their plan");
    const auto n = static_cast<int64_t>(f->plan->indices.size());
    const ref::VideoSize size = ref::qwen_video_size(f->height, f->width, n, s_);
    const int dw = static_cast<int>(size.width), dh = static_cast<int>(size.height);
    FrameBuffer fb = make_frame(dw, dh, f->format);
    resizer(f->width, f->height, dw, dh)
        ->run(f->data.get(), f->stride, fb.pixels, channels(f->format));
    fb.frame->index = f->index;
    fb.frame->timestamp = f->timestamp;
    fb.frame->plan = f->plan;
    out.emit(FramePtr(std::move(fb.frame)));
  }

 private:
  // Weights are computed once per size pair: all frames of a video share one.
  std::shared_ptr<const ref::BicubicAAResizer> resizer(int sw, int sh, int dw, int dh) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& r = cache_[{sw, sh, dw, dh}];
    if (!r) {
      if (cache_.size() > 64) {  // many odd-sized inputs: keep memory bounded
        cache_.clear();
        return std::make_shared<const ref::BicubicAAResizer>(sw, sh, dw, dh);
      }
      r = std::make_shared<const ref::BicubicAAResizer>(sw, sh, dw, dh);
    }
    return r;
  }

  ref::SizingParams s_;
  std::mutex mutex_;
  std::map<std::tuple<int, int, int, int>, std::shared_ptr<const ref::BicubicAAResizer>> cache_;
};

}  // namespace

void register_process_smart_resize(vidpipe::Registry& r) { r.add<SmartResize>(); }
