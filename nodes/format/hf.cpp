// format.hf: writes what a Hugging Face Qwen2/2.5/3-VL processor hands the model for one video:
// `pixel_values_videos` patchified exactly as docs/qwen-reference.md §6.4 (rows = grid_t*grid_h*grid_w, cols =
// C*tp*p*p; temporal padding by repeating the last frame, §6.3; normalisation (v/255 - mean)/std
// in float32, §6.1) and `video_grid_thw` (1×3 int64), as a safetensors file (written here:
// 8-byte little-endian header length, JSON header, raw little-endian data) and/or .npy files.
// It streams: each temporal group is written as its frames are decoded (sdk node.hpp: FrameUse).
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "tensor_util.hpp"
#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
namespace {

std::string npy_header(const char* descr, const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", shape[i]);
  if (shape.size() == 1) s += ",";
  s += ")";
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, s);
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string h = std::string("\x93NUMPY\x01\x00", 8);
  h += static_cast<char>(dict.size() & 0xff);
  h += static_cast<char>(dict.size() >> 8);
  return h + dict;
}

class FormatHf final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.hf", "Writes HF pixel_values_videos (patchified, normalised) and video_grid_thw")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Stream)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the files listed in its artifacts")
        .text("file", "inputs", "base name: <file>.safetensors, <file>.pixel_values_videos.npy, <file>.video_grid_thw.npy")
        .choice("container", "safetensors", {"safetensors", "npy", "both"}, "file format(s)")
        .choice("dtype", "float32", {"float32", "bfloat16", "float16"}, "pixel_values_videos dtype")
        .integer("patch_size", 14, 1, 1024, "ViT patch side p")
        .integer("temporal_patch_size", 2, 1, 64, "frames per temporal patch tp")
        .integer("merge_size", 2, 1, 64, "spatial merge m")
        .list("norm_mean", ParamType::FloatList, json::array({0.48145466, 0.4578275, 0.40821073}), "per-channel mean (CLIP; Qwen3: 0.5)")
        .list("norm_std", ParamType::FloatList, json::array({0.26862954, 0.26130258, 0.27577711}), "per-channel std (CLIP; Qwen3: 0.5)")
        .number("rescale_factor", 1.0 / 255.0, 0, 1, "multiplies the 0..255 values before mean/std")
        .model_settable({"patch_size", "merge_size", "temporal_patch_size", "norm_mean", "norm_std"});
  }
  explicit FormatHf(const Params& p)
      : file_(p.get<std::string>("file")), container_(p.get<std::string>("container")),
        type_(parse_elem(p.get<std::string>("dtype"))), p_(p.get<int64_t>("patch_size")),
        tp_(p.get<int64_t>("temporal_patch_size")), m_(p.get<int64_t>("merge_size")),
        mean_(p.get<std::vector<double>>("norm_mean")), std_(p.get<std::vector<double>>("norm_std")),
        rescale_(p.get<double>("rescale_factor")) {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
  }

  // Writes each temporal group as its frames arrive (FrameUse::Stream); a whole clip goes
  // through the same path.
  void process(const Data& in, Emitter& out, Job& job) override {
    write_whole_clip(open(job, std::get<ClipPtr>(in)->frames.size()), in, out, job);
  }
  std::unique_ptr<FrameStream> open_frames(const PlanPtr& plan, Job& job) override {
    return open(job, plan->indices.size());
  }

 private:
  class Stream;
  std::unique_ptr<FrameStream> open(Job& job, std::size_t planned_frames) const;

  std::string file_, container_;
  ElemType type_;
  int64_t p_, tp_, m_;
  std::vector<double> mean_, std_;
  double rescale_;
};

// The output files, written one temporal group (temporal_patch_size frames) at a time: headers
// as soon as the first frame gives the size (with the planned count; rewritten at the end if the
// count differs), the last group padded with the last frame (§6.3) and the grid at the end.
class FormatHf::Stream final : public FrameStream {
 public:
  Stream(const FormatHf& node, Job& job, std::size_t planned) : node_(node), dir_(job.video().out_dir), planned_(planned) {}

  void write(const FramePtr& frame) override {
    const Frame& f = *frame;
    if (!last_) start(f);
    else if (f.width != W_ || f.height != H_) throw Error("format.hf: frames differ in size", "resize to one size first");
    group_.push_back(frame);
    last_ = frame;
    ++count_;
    if (static_cast<int64_t>(group_.size()) == node_.tp_) put_group();
  }

  void close(const ClipPtr& clip, Emitter& out, Job&) override {
    if (!last_) throw Error("format.hf: the clip has no frames", "check the decoder's damage report");
    if (!group_.empty()) {
      while (static_cast<int64_t>(group_.size()) < node_.tp_) group_.push_back(last_);  // §6.3 padding
      put_group();
    }
    const int64_t gt = groups(count_);
    const int64_t grid[3] = {gt, H_ / node_.p_, W_ / node_.p_};
    auto next = std::make_shared<Clip>(*clip);
    static const char* dtypes[] = {"uint8", "float32", "float16", "bfloat16"};
    const json pv = {{"tensor", "pixel_values_videos"}, {"dtype", dtypes[static_cast<int>(node_.type_)]},
                     {"shape", {rows(gt), cols()}}, {"layout", "patches: rows grid_t*grid_h*grid_w, cols C*tp*p*p (docs/qwen-reference.md §6.4)"}};
    const json grid_info = {{"tensor", "video_grid_thw"}, {"dtype", "int64"}, {"shape", {1, 3}}};
    if (st_) {
      if (gt != groups(planned_)) st_->rewrite_head(st_head_, safetensors_head(gt));
      st_->write(grid, sizeof grid);
      next->artifacts.push_back({node_.file_ + ".safetensors", "tensor", st_->commit(), {{"tensors", json::array({pv, grid_info})}}});
    }
    if (pv_) {
      if (gt != groups(planned_)) pv_->rewrite_head(pv_head_, npy_header(npy_descr(node_.type_), {rows(gt), cols()}));
      json pv_npy = pv;
      pv_npy["npy_descr"] = npy_descr(node_.type_);
      if (node_.type_ == ElemType::BF16) pv_npy["read_as"] = "numpy uint16 holding bfloat16 bits: torch.from_numpy(a).view(torch.bfloat16)";
      next->artifacts.push_back({node_.file_ + ".pixel_values_videos.npy", "tensor", pv_->commit(), {{"tensors", json::array({pv_npy})}}});
      const std::string gn = node_.file_ + ".video_grid_thw.npy";
      OutputFile g(dir_, gn);
      g.write_header(npy_header("<i8", {1, 3}));
      g.write(grid, sizeof grid);
      next->artifacts.push_back({gn, "tensor", g.commit(), {{"tensors", json::array({grid_info})}}});
    }
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  int64_t groups(std::size_t frames) const { return (static_cast<int64_t>(frames) + node_.tp_ - 1) / node_.tp_; }
  int64_t rows(int64_t gt) const { return gt * (H_ / node_.p_) * (W_ / node_.p_); }
  int64_t cols() const { return C_ * node_.tp_ * node_.p_ * node_.p_; }
  std::size_t row_bytes() const { return static_cast<std::size_t>(cols()) * elem_size(node_.type_); }

  std::string safetensors_head(int64_t gt) const {
    const std::size_t data_bytes = row_bytes() * rows(gt);
    json h = json::object();
    h["__metadata__"] = {{"format", "pt"}, {"writer", "vidpipe format.hf"}};
    h["pixel_values_videos"] = {{"dtype", safetensors_dtype(node_.type_)}, {"shape", {rows(gt), cols()}}, {"data_offsets", {0, data_bytes}}};
    h["video_grid_thw"] = {{"dtype", "I64"}, {"shape", {1, 3}}, {"data_offsets", {data_bytes, data_bytes + 24}}};
    std::string text = h.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t len = text.size();
    std::string le(8, '\0');
    for (int i = 0; i < 8; ++i) le[i] = static_cast<char>(static_cast<uint8_t>(len >> (8 * i)));
    return le + text;
  }

  void start(const Frame& f) {
    H_ = f.height, W_ = f.width, C_ = channels(f.format);
    const int64_t unit = node_.p_ * node_.m_;
    if (H_ % unit || W_ % unit)
      throw Error(fmt::format("format.hf: {} is not a multiple of patch_size*merge_size = {}", size_text(W_, H_), unit),
                  "resize with process.smart_resize and the model's factor");
    lut_ = std::make_unique<NormLut>(true, node_.mean_, node_.std_, static_cast<int>(C_), node_.rescale_);
    const int64_t gt = groups(planned_);
    if (node_.container_ != "npy") {
      st_ = std::make_unique<OutputFile>(dir_, node_.file_ + ".safetensors");
      const std::string head = safetensors_head(gt);
      st_head_ = head.size();
      st_->write_header(head);
    }
    if (node_.container_ != "safetensors") {
      pv_ = std::make_unique<OutputFile>(dir_, node_.file_ + ".pixel_values_videos.npy");
      const std::string head = npy_header(npy_descr(node_.type_), {rows(gt), cols()});
      pv_head_ = head.size();
      pv_->write_header(head);
    }
  }

  // The rows of one temporal group: per merge block and patch, channel, time, patch row, column.
  void put_group() {
    const int64_t p = node_.p_, m = node_.m_, bh_n = H_ / p / m, bw_n = W_ / p / m;
    buf_.reserve(row_bytes());
    for (int64_t bh = 0; bh < bh_n; ++bh)
      for (int64_t bw = 0; bw < bw_n; ++bw)
        for (int64_t mh = 0; mh < m; ++mh)
          for (int64_t mw = 0; mw < m; ++mw) {
            buf_.clear();
            for (int64_t ch = 0; ch < C_; ++ch)
              for (const FramePtr& fr : group_)
                for (int64_t py = 0; py < p; ++py) {
                  const uint8_t* row = fr->row(static_cast<int>((bh * m + mh) * p + py));
                  const int64_t x0 = (bw * m + mw) * p;
                  for (int64_t px = 0; px < p; ++px) put(buf_, node_.type_, lut_->lut[ch][row[(x0 + px) * C_ + ch]]);
                }
            if (st_) st_->write(buf_.data(), buf_.size());
            if (pv_) pv_->write(buf_.data(), buf_.size());
          }
    group_.clear();
  }

  const FormatHf& node_;
  const std::string dir_;
  const std::size_t planned_;
  std::unique_ptr<OutputFile> st_, pv_;  // safetensors, pixel_values_videos.npy
  std::size_t st_head_ = 0, pv_head_ = 0, count_ = 0;
  int64_t H_ = 0, W_ = 0, C_ = 0;
  std::vector<FramePtr> group_;
  FramePtr last_;
  std::vector<uint8_t> buf_;
  std::unique_ptr<NormLut> lut_;
};

std::unique_ptr<FrameStream> FormatHf::open(Job& job, std::size_t planned_frames) const {
  if (job.video().out_dir.empty()) return nullptr;  // no -o: nothing to write
  return std::make_unique<Stream>(*this, job, planned_frames);
}

}  // namespace

void register_format_hf(Registry& r) { r.add<FormatHf>(); }

}  // namespace vidpipe::nodes
