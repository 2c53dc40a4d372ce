// format.npy: writes a clip's frames as one NumPy array (T×3×H×W or T×H×W×3).
//
// Frames are already integers 0..255 (the reference resize rounds to uint8), so uint8 loses
// nothing and is 4× smaller; float32 matches the reference tensor's dtype byte for byte.
// Optional: float16 / bfloat16 (bfloat16 as raw bits '<u2': torch.from_numpy(a).view(torch.bfloat16)),
// normalisation (rescale 1/255 and/or mean/std, docs/qwen-reference.md §6.1) and temporal padding to a
// multiple of `pad_to_multiple` frames by repeating the last frame (§6.3). It streams: each frame
// is written as it is decoded, so the clip is never held (sdk node.hpp: FrameUse).
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "frame_encoder.hpp"
#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
namespace {

class FormatNpy final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec spec = NodeSpec("format.npy", "Writes the clip's frames as a .npy array (T×C×H×W by default)")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Stream)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the file listed in its artifacts")
        .text("file", "frames.npy", "file name inside the input's output folder")
        .integer("pad_to_multiple", 1, 1, 64, "repeat the last frame until T is a multiple of this (2 = temporal patch)");
    return declare_tensor_params(spec, "uint8 (exact, compact), float32 (the reference tensor's dtype), float16, bfloat16 (raw bits as <u2)",
                                 "none");
  }
  explicit FormatNpy(const Params& p)
      : file_(p.get<std::string>("file")), pad_(p.get<int64_t>("pad_to_multiple")), opts_(tensor_options(p, "format.npy")) {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
  }

  // Writes each frame as it arrives (FrameUse::Stream); a whole clip goes through the same path.
  void process(const Data& in, Emitter& out, Job& job) override {
    write_whole_clip(open(job, std::get<ClipPtr>(in)->frames.size()), in, out, job);
  }
  std::unique_ptr<FrameStream> open_frames(const PlanPtr& plan, Job& job) override {
    return open(job, plan->indices.size());
  }

 private:
  class Stream;
  std::unique_ptr<FrameStream> open(Job& job, std::size_t planned_frames) const;

  // NPY format 1.0: magic, version, little-endian header length, a Python dict literal padded
  // with spaces so that the data starts at a multiple of 64 bytes.
  std::string header(std::size_t t, int c, int h, int w) const {
    std::string shape = opts_.tchw ? fmt::format("({}, {}, {}, {})", t, c, h, w) : fmt::format("({}, {}, {}, {})", t, h, w, c);
    std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", npy_descr(opts_.type), shape);
    std::size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string h10 = std::string("\x93NUMPY\x01\x00", 8);
    h10 += static_cast<char>(dict.size() & 0xff);
    h10 += static_cast<char>(dict.size() >> 8);
    return h10 + dict;
  }

  std::string file_;
  int64_t pad_;
  TensorOptions opts_;
};

// One array file, written frame by frame: the header as soon as the first frame gives the size
// (with the planned count; rewritten at the end if the count differs), the padding at the end.
class FormatNpy::Stream final : public FrameStream {
 public:
  Stream(const FormatNpy& node, Job& job, std::size_t planned)
      : node_(node), planned_(planned), file_(job.video().out_dir, node.file_) {}

  void write(const FramePtr& frame) override {
    const Frame& f = *frame;
    if (!last_) start(f);
    else if (!enc_->same_shape(f))
      throw Error(fmt::format("frames differ in size ({} vs {}); one array needs one size", size_text(f.width, f.height),
                              size_text(w_, h_)),
                  "resize all frames to one size before format.npy");
    put_frame(f);
    last_ = frame;
    ++count_;
  }

  void close(const ClipPtr& clip, Emitter& out, Job&) override {
    if (!last_) throw Error("format.npy: the clip has no frames", "check the decoder's damage report");
    const std::size_t T = padded(count_);
    for (std::size_t t = count_; t < T; ++t) put_frame(*last_);  // padding repeats the last frame
    if (T != padded(planned_)) file_.rewrite_head(head_size_, node_.header(T, c_, h_, w_));
    auto next = std::make_shared<Clip>(*clip);
    const auto T64 = static_cast<int64_t>(T);
    json t = tensor_info("frames", node_.opts_.type, node_.opts_.tchw ? std::vector<int64_t>{T64, c_, h_, w_} : std::vector<int64_t>{T64, h_, w_, c_},
                         node_.opts_.tchw ? "TCHW" : "THWC");
    t["npy_descr"] = npy_descr(node_.opts_.type);
    t["channel_order"] = node_.opts_.bgr ? "bgr" : "rgb";
    t["normalize"] = node_.opts_.normalize;
    if (node_.opts_.type == ElemType::BF16) t["read_as"] = "numpy uint16 holding bfloat16 bits: torch.from_numpy(a).view(torch.bfloat16)";
    next->artifacts.push_back({node_.file_, "tensor", file_.commit(), {{"tensors", json::array({t})}}});
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  std::size_t padded(std::size_t n) const {
    const auto pad = static_cast<std::size_t>(node_.pad_);
    return (n + pad - 1) / pad * pad;
  }

  void start(const Frame& f) {
    enc_ = std::make_unique<FrameEncoder>(node_.opts_, f);
    h_ = f.height, w_ = f.width, c_ = enc_->channels_();
    const std::string head = node_.header(padded(planned_), c_, h_, w_);
    head_size_ = head.size();
    file_.write_header(head);
  }

  void put_frame(const Frame& f) {
    const auto [data, n] = enc_->encode(f);
    file_.write(data, n);
  }

  const FormatNpy& node_;
  const std::size_t planned_;
  OutputFile file_;
  FramePtr last_;
  std::size_t count_ = 0, head_size_ = 0;
  int h_ = 0, w_ = 0, c_ = 0;
  std::unique_ptr<FrameEncoder> enc_;
};

std::unique_ptr<FrameStream> FormatNpy::open(Job& job, std::size_t planned_frames) const {
  if (job.video().out_dir.empty()) return nullptr;  // no -o: nothing to write
  return std::make_unique<Stream>(*this, job, planned_frames);
}

}  // namespace

void register_format_npy(Registry& r) { r.add<FormatNpy>(); }

}  // namespace vidpipe::nodes
