// process.convert_scale: frames of any format the decoders produce (planar YUV as decoded, with
// the orientation still to apply, or packed RGB) to upright RGB24 at the plan's size
// (plan.resize), the size set by width/height, or the frame's own size: GStreamer's
// videoconvertscale as a parallel node, so a decoder can hand frames on as decoded
// (`pixel_format: native`) and colour conversion and resizing run on all cores.
//   exact  the full-size conversion the ffmpeg CLI does (imaging/yuv_convert.hpp), turned
//          upright, then the exact resize: the default graph's pixels (graphs/qwen2_5_vl.yaml)
//   fast   8-bit 4:2:0/4:2:2/4:4:4: the planes resized to the output size, then converted
//          (imaging/yuv_resize.hpp); NV12 and 10-bit: one swscale bicubic convert+resize pass;
//          packed frames: the fast resize kernel. The fused path of graphs/qwen2_5_vl_fast.yaml;
//          accuracy: bench/resize.py.
#include <map>
#include <mutex>
#include <tuple>

#include <tbb/enumerable_thread_specific.h>

#include <vidpipe/sdk.hpp>

#include <vidpipe/imaging/orient.hpp>
#include <vidpipe/imaging/resize_kernels.hpp>
#include <vidpipe/imaging/yuv_convert.hpp>
#include <vidpipe/imaging/yuv_resize.hpp>

namespace {

using namespace vidpipe;

class ConvertScale : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("process.convert_scale",
                    "Convert frames of any format (planar YUV as decoded, or RGB) to upright RGB24, resized")
        .with_shape(Shape::Map)
        .with_role(Role::Processor)
        .parallel()
        .takes_formats({PixelFormat::RGB24, PixelFormat::I420, PixelFormat::I422, PixelFormat::I444,
                        PixelFormat::NV12, PixelFormat::I420P10, PixelFormat::P010})
        .input("frames", DataType::Frame, "decoded frame, planar or packed")
        .output("frames", DataType::Frame, "upright RGB24 frame")
        .choice("mode", "exact", {"exact", "fast"},
                "exact: the ffmpeg CLI's full-size conversion, then torchvision bicubic antialias (the reference's "
                "pixels); fast: YUV planes resized then converted at output size (bench/resize.py)")
        .choice("color_matrix", "auto", {"auto", "bt601", "bt709"},
                "YUV->RGB matrix: auto = as the ffmpeg CLI (honour the stream's tags); bt601 = as "
                "PyAV/decord/OpenCV; bt709 = forced")
        .integer("width", nullptr, 1, 65536, "output width (with height; else the plan's size, else the frame's)")
        .integer("height", nullptr, 1, 65536, "output height")
        .flag("use_plan_size", true, "use plan.resize {height, width} when a planning node set it")
        .model_settable({"color_matrix"});
  }

  explicit ConvertScale(const Params& p)
      : fast_(p.get<std::string>("mode") == "fast"),
        w_(static_cast<int>(p.get_or<int64_t>("width", 0))),
        h_(static_cast<int>(p.get_or<int64_t>("height", 0))),
        use_plan_(p.get<bool>("use_plan_size")),
        matrix_(p.get<std::string>("color_matrix")),
        kernels_(fast_ ? ref::ResizeMode::Fast : ref::ResizeMode::Exact),
        converters_([m = matrix_] { return ref::YuvToRgb(m); }) {
    if ((w_ > 0) != (h_ > 0))
      throw Error("process.convert_scale: width and height go together", "set both, or neither");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const FramePtr f = host_frame(std::get<FramePtr>(in));
    int dw = w_, dh = h_;  // upright output size
    if (use_plan_ && f->plan && f->plan->resize) dw = f->plan->resize->width, dh = f->plan->resize->height;
    const bool swap = swaps_axes(f->orient);
    if (dw <= 0 || dh <= 0) dw = swap ? f->height : f->width, dh = swap ? f->width : f->height;
    if (f->packed()) {
      if (f->format != PixelFormat::RGB24 || f->orient != Orient::None)
        throw Error("process.convert_scale: packed frames must be upright RGB24, got " + std::string(to_string(f->format)),
                    "decode with pixel_format native or rgb24", ErrorKind::Internal);
      out.emit(kernels_.resize(f, dw, dh));
      return;
    }
    const ref::YuvPicture pic = ref::yuv_picture(*f);
    const std::string& input = job.video().input;
    if (!fast_) {  // the default graph: full-size conversion, upright, exact resize
      FrameBuffer rgb = make_frame(f->width, f->height);
      converters_.local().convert(pic, rgb.pixels, rgb.frame->stride, input);
      out.emit(kernels_.resize(upright(*f, rgb), dw, dh));
      return;
    }
    // The fused path converts at the output size before turning the picture upright.
    const int cw = swap ? dh : dw, ch = swap ? dw : dh;
    FrameBuffer rgb = make_frame(cw, ch);
    if (!fused(pic, cw, ch, rgb)) converters_.local().convert(pic, rgb.pixels, rgb.frame->stride, input, cw, ch);
    out.emit(upright(*f, rgb));
  }

 private:
  // 8-bit planar YUV at another size: planes resized, then converted (false: not this path).
  bool fused(const ref::YuvPicture& pic, int cw, int ch, const FrameBuffer& rgb) {
    if (cw == pic.width && ch == pic.height) return false;  // same size: the exact conversion
    int sx = 0, sy = 0;
    const std::optional<ref::YuvMatrix> m = ref::fused_matrix(pic, ref::applied_matrix(matrix_, pic.matrix), sx, sy);
    if (!m) return false;
    resizer(pic.width, pic.height, sx, sy, cw, ch)->run(pic.planes, pic.strides, *m, rgb.pixels, rgb.frame->stride);
    return true;
  }

  std::shared_ptr<const ref::YuvResizer> resizer(int sw, int sh, int sx, int sy, int dw, int dh) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& r = resizers_[{sw, sh, sx, sy, dw, dh}];
    if (!r) r = std::make_shared<const ref::YuvResizer>(sw, sh, sx, sy, dw, dh);
    return r;
  }

  // `rgb` (f's picture as converted) turned upright, with f's index, timestamp and plan.
  static FramePtr upright(const Frame& f, const FrameBuffer& rgb) {
    FrameBuffer out = rgb;
    if (f.orient != Orient::None) {
      const bool swap = swaps_axes(f.orient);
      out = make_frame(swap ? rgb.frame->height : rgb.frame->width, swap ? rgb.frame->width : rgb.frame->height);
      ref::orient_rgb(f.orient, *rgb.frame, out);
    }
    out.frame->index = f.index;
    out.frame->timestamp = f.timestamp;
    out.frame->plan = f.plan;
    return out.frame;
  }

  bool fast_;
  int w_, h_;
  bool use_plan_;
  std::string matrix_;
  ref::ResizeKernels kernels_;
  tbb::enumerable_thread_specific<ref::YuvToRgb> converters_;  // swscale contexts are not thread-safe
  std::mutex mutex_;
  std::map<std::tuple<int, int, int, int, int, int>, std::shared_ptr<const ref::YuvResizer>> resizers_;
};

}  // namespace

void register_process_convert_scale(vidpipe::Registry& r) { r.add<ConvertScale>(); }
