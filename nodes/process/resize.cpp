// process.resize: resizes every frame to one fixed size (no aspect-ratio rule, no factor), for
// models with a fixed input (LLaVA-OneVision / LLaVA-Video: 384x384), or to the size a planning
// node decided (plan.resize, e.g. openai.plan's per-detail size). Same modes as
// process.smart_resize (nodes/lib/imaging/include/vidpipe/imaging/resize_kernels.hpp).
#include <vidpipe/sdk.hpp>

#include <vidpipe/imaging/resize_kernels.hpp>

namespace {

using namespace vidpipe;

class Resize : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("process.resize", "Resize frames to a fixed size (or the plan's size), aspect ratio not kept")
        .with_shape(Shape::Map)
        .with_role(Role::Processor)
        .parallel()
        .input("frames", DataType::Frame, "decoded frame")
        .output("frames", DataType::Frame, "resized frame")
        .integer("image_size", nullptr, 1, 65536, "square side (used when width/height are unset)")
        .integer("width", nullptr, 1, 65536, "output width (overrides image_size)")
        .integer("height", nullptr, 1, 65536, "output height (overrides image_size)")
        .choice("mode", "exact", {"exact", "fast", "area", "bilinear"}, ref::kResizeModeDoc)
        .flag("use_plan_size", true, "use plan.resize {height, width} when a planning node set it")
        .model_settable({"image_size"});
  }

  explicit Resize(const Params& p) : kernels_(ref::parse_resize_mode(p.get<std::string>("mode"))) {
    const int64_t side = p.get_or<int64_t>("image_size", 0);
    w_ = static_cast<int>(p.get_or<int64_t>("width", side));
    h_ = static_cast<int>(p.get_or<int64_t>("height", side));
    use_plan_ = p.get<bool>("use_plan_size");
  }

  void process(const Data& in, Emitter& out, Job&) override {
    const FramePtr& f = std::get<FramePtr>(in);
    int dw = w_, dh = h_;
    if (use_plan_ && f->plan && f->plan->resize) {
      dh = f->plan->resize->height;
      dw = f->plan->resize->width;
    }
    if (dw <= 0 || dh <= 0)
      throw Error("process.resize: no output size", "set resize.image_size, or resize.width and resize.height "
                                                    "(a model profile usually sets image_size)");
    out.emit(kernels_.resize(f, dw, dh));
  }

 private:
  int w_ = 0, h_ = 0;
  bool use_plan_ = true;
  ref::ResizeKernels kernels_;
};

}  // namespace

void register_process_resize(vidpipe::Registry& r) { r.add<Resize>(); }
