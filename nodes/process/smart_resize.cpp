// process.smart_resize: resizes each sampled frame to the size qwen-vl-utils would choose
// (qwen.md §2.7/§2.8), or to the size a planning node decided (plan.extra.resize), with
// one of four kernels:
//   exact     torchvision 0.14 resize(BICUBIC, antialias=True) on uint8 (bit-compatible with
//             torch 1.13 up to rare 1-LSB differences); the reference's pixels
//   bilinear  torchvision resize(BILINEAR, antialias=True): triangle filter widened by the
//             downscale factor, same float32 recipe (LLaVA-style processors resize bilinear)
//   area      box filter weighted by pixel overlap = OpenCV INTER_AREA when downscaling
//   fast      FFmpeg swscale bicubic (fixed point), for throughput
// Differences to the exact kernel are measured by bench/resize.py and tests/e2e/test_processing.py.
// Frames that already have the target size pass through untouched (every kernel is the identity
// there); that is how decode.ffmpeg's fused_resize path (convert + resize in one swscale pass,
// graphs/qwen2_5_vl_fast.yaml) skips this node's work.
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include <vidpipe/sdk.hpp>

#include "common/resize.hpp"
#include "common/sizing.hpp"
#include "common/sws_resize.hpp"

namespace {

using namespace vidpipe;

enum class Mode { Exact, Bilinear, Area, Fast };

Mode parse_mode(const std::string& m) {
  if (m == "fast") return Mode::Fast;
  if (m == "area") return Mode::Area;
  if (m == "bilinear") return Mode::Bilinear;
  return Mode::Exact;
}

// One resizer of either kind, shared by all frames of a size pair.
struct Kernel {
  std::unique_ptr<ref::SeparableResizer> separable;
  std::unique_ptr<ref::SwsResizer> sws;
  void run(const uint8_t* src, int stride, uint8_t* dst, int channels) const {
    if (sws) sws->run(src, stride, dst);
    else separable->run(src, stride, dst, channels);
  }
};

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
        .choice("mode", "exact", {"exact", "fast", "area", "bilinear"},
                "exact: torchvision 0.14 bicubic antialias; bilinear: torchvision bilinear "
                "antialias; area: OpenCV INTER_AREA-style box filter; fast: swscale bicubic")
        .flag("use_plan_size", true,
              "use the size a planning node decided (plan.extra.resize) when the plan has one");
  }

  explicit SmartResize(const Params& p) {
    s_.factor = p.get<int64_t>("factor");
    s_.min_pixels = p.get<double>("min_pixels");
    if (p.has("max_pixels")) s_.max_pixels = p.get<double>("max_pixels");
    s_.total_pixels = p.get<double>("total_pixels");
    s_.video_max_pixels = p.get<double>("video_max_pixels");
    if (p.has("resized_height")) s_.resized_height = p.get<int64_t>("resized_height");
    if (p.has("resized_width")) s_.resized_width = p.get<int64_t>("resized_width");
    s_.image_min_pixels = p.get<double>("image_min_pixels");
    s_.image_max_pixels = p.get<double>("image_max_pixels");
    mode_ = parse_mode(p.get<std::string>("mode"));
    use_plan_ = p.get<bool>("use_plan_size");
  }

  void process(const Data& in, Emitter& out, Job&) override {
    const FramePtr& f = std::get<FramePtr>(in);
    if (!f->plan || f->plan->indices.empty())
      throw Error("process.smart_resize: frame has no sample plan",
                  "put a sampler before the decoder so frames carry their plan");
    int dw = 0, dh = 0;
    const json& planned = f->plan->extra.contains("resize") ? f->plan->extra["resize"] : json();
    if (use_plan_ && planned.is_object() && planned.contains("height") && planned.contains("width")) {
      dh = planned["height"].get<int>();  // decided by a planning node (budget fit)
      dw = planned["width"].get<int>();
    } else {
      const auto n = static_cast<int64_t>(f->plan->indices.size());
      const ref::VideoSize size = ref::qwen_video_size(f->height, f->width, n, s_);
      dw = static_cast<int>(size.width);
      dh = static_cast<int>(size.height);
    }
    if (dw == f->width && dh == f->height) {  // already there (e.g. decode fused_resize): identity
      out.emit(f);
      return;
    }
    FrameBuffer fb = make_frame(dw, dh, f->format);
    kernel(f->width, f->height, dw, dh, channels(f->format))
        ->run(f->data.get(), f->stride, fb.pixels, channels(f->format));
    fb.frame->index = f->index;
    fb.frame->timestamp = f->timestamp;
    fb.frame->plan = f->plan;
    out.emit(FramePtr(std::move(fb.frame)));
  }

 private:
  // Weights (or swscale contexts) are made once per size pair: all frames of a video share one.
  std::shared_ptr<const Kernel> kernel(int sw, int sh, int dw, int dh, int c) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& k = cache_[{sw, sh, dw, dh, c}];
    if (!k) {
      auto made = std::make_shared<Kernel>();
      switch (mode_) {
        case Mode::Fast: made->sws = std::make_unique<ref::SwsResizer>(sw, sh, dw, dh, c); break;
        case Mode::Area: made->separable = std::make_unique<ref::SeparableResizer>(sw, sh, dw, dh, ref::Filter::Area); break;
        case Mode::Bilinear: made->separable = std::make_unique<ref::SeparableResizer>(sw, sh, dw, dh, ref::Filter::Bilinear); break;
        case Mode::Exact: made->separable = std::make_unique<ref::SeparableResizer>(sw, sh, dw, dh, ref::Filter::Bicubic); break;
      }
      if (cache_.size() > 64) {  // many odd-sized inputs: keep memory bounded
        cache_.clear();
        return made;
      }
      k = std::move(made);
    }
    return k;
  }

  ref::SizingParams s_;
  Mode mode_ = Mode::Exact;
  bool use_plan_ = true;
  std::mutex mutex_;
  std::map<std::tuple<int, int, int, int, int>, std::shared_ptr<const Kernel>> cache_;
};

}  // namespace

void register_process_smart_resize(vidpipe::Registry& r) { r.add<SmartResize>(); }
