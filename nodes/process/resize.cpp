// process.resize: resizes every frame to one fixed size (no aspect-ratio rule, no factor), for
// models with a fixed input (LLaVA-OneVision / LLaVA-Video: 384x384), or to the size a planning
// node decided (plan.extra.resize, e.g. openai.plan's per-detail size). Same kernels as
// process.smart_resize (nodes/common/resize.hpp): exact (torchvision bicubic, antialias),
// bilinear (torchvision bilinear, antialias), area (INTER_AREA-style box), fast (swscale bicubic).
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include <vidpipe/sdk.hpp>

#include "common/resize.hpp"
#include "common/sws_resize.hpp"

namespace {

using namespace vidpipe;

struct FixedKernel {
  std::unique_ptr<ref::SeparableResizer> separable;
  std::unique_ptr<ref::SwsResizer> sws;
};

class Resize : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("process.resize", "Resize frames to a fixed size (or the plan's size), aspect ratio not kept")
        .with_shape(Shape::Map)
        .parallel()
        .input("frames", DataType::Frame, "decoded frame")
        .output("frames", DataType::Frame, "resized frame")
        .integer("image_size", nullptr, 1, 65536, "square side (used when width/height are unset)")
        .integer("width", nullptr, 1, 65536, "output width (overrides image_size)")
        .integer("height", nullptr, 1, 65536, "output height (overrides image_size)")
        .choice("mode", "exact", {"exact", "fast", "area", "bilinear"},
                "exact: torchvision bicubic antialias; bilinear: torchvision bilinear antialias; "
                "area: INTER_AREA-style box filter; fast: swscale bicubic")
        .flag("use_plan_size", true, "use plan.extra.resize {height, width} when a planning node set it");
  }

  explicit Resize(const Params& p) {
    const int64_t side = p.get_or<int64_t>("image_size", 0);
    w_ = static_cast<int>(p.get_or<int64_t>("width", side));
    h_ = static_cast<int>(p.get_or<int64_t>("height", side));
    const std::string m = p.get<std::string>("mode");
    mode_ = m == "fast" ? 3 : m == "area" ? 2 : m == "bilinear" ? 1 : 0;
    use_plan_ = p.get<bool>("use_plan_size");
  }

  void process(const Data& in, Emitter& out, Job&) override {
    const FramePtr& f = std::get<FramePtr>(in);
    int dw = w_, dh = h_;
    if (use_plan_ && f->plan && f->plan->extra.contains("resize")) {
      const json& r = f->plan->extra["resize"];
      if (r.contains("height") && r.contains("width")) {
        dh = r["height"].get<int>();
        dw = r["width"].get<int>();
      }
    }
    if (dw <= 0 || dh <= 0)
      throw Error("process.resize: no output size", "set resize.image_size, or resize.width and resize.height "
                                                    "(a model profile usually sets image_size)");
    FrameBuffer fb = make_frame(dw, dh, f->format);
    const int c = channels(f->format);
    auto k = kernel(f->width, f->height, dw, dh, c);
    if (k->sws) k->sws->run(f->data.get(), f->stride, fb.pixels);
    else k->separable->run(f->data.get(), f->stride, fb.pixels, c);
    fb.frame->index = f->index;
    fb.frame->timestamp = f->timestamp;
    fb.frame->plan = f->plan;
    out.emit(FramePtr(std::move(fb.frame)));
  }

 private:
  std::shared_ptr<const FixedKernel> kernel(int sw, int sh, int dw, int dh, int c) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& k = cache_[{sw, sh, dw, dh, c}];
    if (!k) {
      auto made = std::make_shared<FixedKernel>();
      switch (mode_) {
        case 3: made->sws = std::make_unique<ref::SwsResizer>(sw, sh, dw, dh, c); break;
        case 2: made->separable = std::make_unique<ref::SeparableResizer>(sw, sh, dw, dh, ref::Filter::Area); break;
        case 1: made->separable = std::make_unique<ref::SeparableResizer>(sw, sh, dw, dh, ref::Filter::Bilinear); break;
        default: made->separable = std::make_unique<ref::SeparableResizer>(sw, sh, dw, dh, ref::Filter::Bicubic); break;
      }
      if (cache_.size() > 64) {
        cache_.clear();
        return made;
      }
      k = std::move(made);
    }
    return k;
  }

  int w_ = 0, h_ = 0, mode_ = 0;
  bool use_plan_ = true;
  std::mutex mutex_;
  std::map<std::tuple<int, int, int, int, int>, std::shared_ptr<const FixedKernel>> cache_;
};

}  // namespace

void register_process_resize(vidpipe::Registry& r) { r.add<Resize>(); }
