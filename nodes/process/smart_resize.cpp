// process.smart_resize: resizes each sampled frame to the size qwen-vl-utils would choose
// (docs/qwen-reference.md §2.7/§2.8), or to the size a planning node decided (plan.resize), with one of
// the modes of vidpipe/imaging/resize_kernels.hpp (exact = the reference's pixels). Differences to exact
// are measured by bench/resize.py and tests/e2e/test_processing.py. Frames that already have
// the target size pass through untouched.
#include <vidpipe/sdk.hpp>

#include <vidpipe/imaging/resize_kernels.hpp>
#include <vidpipe/qwen_rules/sizing_params.hpp>

namespace {

using namespace vidpipe;

class SmartResize : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("process.smart_resize", "Resize frames to Qwen's smart_resize size (antialiased bicubic, torch-exact)");
    s.with_shape(Shape::Map)
        .with_role(Role::Processor)
        .parallel()
        .input("frames", DataType::Frame, "decoded frame with its plan")
        .output("frames", DataType::Frame, "resized frame");
    ref::declare_sizing_params(s);  // Qwen2.5-VL's values; model profiles set their own
    s.choice("mode", "exact", {"exact", "fast", "area", "bilinear"}, ref::kResizeModeDoc)
        .flag("use_plan_size", true, "use the size a planning node decided (plan.resize) when the plan has one");
    return s;
  }

  explicit SmartResize(const Params& p)
      : s_(ref::read_sizing_params(p)), use_plan_(p.get<bool>("use_plan_size")),
        kernels_(ref::parse_resize_mode(p.get<std::string>("mode"))) {}

  void process(const Data& in, Emitter& out, Job&) override {
    const FramePtr& f = std::get<FramePtr>(in);
    if (!f->plan || f->plan->indices.empty())
      throw Error("process.smart_resize: frame has no sample plan",
                  "put a sampler before the decoder so frames carry their plan");
    int dw = 0, dh = 0;
    if (use_plan_ && f->plan->resize) {
      dh = f->plan->resize->height;  // decided by a planning node (budget fit)
      dw = f->plan->resize->width;
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
  bool use_plan_;
  ref::ResizeKernels kernels_;
};

}  // namespace

void register_process_smart_resize(vidpipe::Registry& r) { r.add<SmartResize>(); }
