// process.smart_resize: resizes each sampled frame to the size qwen-vl-utils would choose
// (qwen.md §2.7/§2.8), or to the size a planning node decided (plan.extra.resize), with one of
// the modes of common/resize_kernels.hpp (exact = the reference's pixels). Differences to exact
// are measured by bench/resize.py and tests/e2e/test_processing.py. Frames that already have
// the target size pass through untouched; that is how decode.ffmpeg's fused_resize path
// (convert + resize in one pass, graphs/qwen2_5_vl_fast.yaml) skips this node's work.
#include <vidpipe/sdk.hpp>

#include "common/resize_kernels.hpp"
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
        .choice("mode", "exact", {"exact", "fast", "area", "bilinear"}, ref::kResizeModeDoc)
        .flag("use_plan_size", true,
              "use the size a planning node decided (plan.extra.resize) when the plan has one");
  }

  explicit SmartResize(const Params& p) : kernels_(ref::parse_resize_mode(p.get<std::string>("mode"))) {
    s_.factor = p.get<int64_t>("factor");
    s_.min_pixels = p.get<double>("min_pixels");
    if (p.has("max_pixels")) s_.max_pixels = p.get<double>("max_pixels");
    s_.total_pixels = p.get<double>("total_pixels");
    s_.video_max_pixels = p.get<double>("video_max_pixels");
    if (p.has("resized_height")) s_.resized_height = p.get<int64_t>("resized_height");
    if (p.has("resized_width")) s_.resized_width = p.get<int64_t>("resized_width");
    s_.image_min_pixels = p.get<double>("image_min_pixels");
    s_.image_max_pixels = p.get<double>("image_max_pixels");
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
    out.emit(kernels_.resize(f, dw, dh));
  }

 private:
  ref::SizingParams s_;
  bool use_plan_ = true;
  ref::ResizeKernels kernels_;
};

}  // namespace

void register_process_smart_resize(vidpipe::Registry& r) { r.add<SmartResize>(); }
