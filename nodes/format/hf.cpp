// format.hf: writes what a Hugging Face Qwen2/2.5/3-VL processor hands the model for one video:
// `pixel_values_videos` patchified exactly as docs/qwen-reference.md §6.4 (rows = grid_t*grid_h*grid_w, cols =
// C*tp*p*p; temporal padding by repeating the last frame, §6.3; normalisation (v/255 - mean)/std
// in float32, §6.1) and `video_grid_thw` (1×3 int64), as a safetensors file (written here:
// 8-byte little-endian header length, JSON header, raw little-endian data) and/or .npy files.
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

  void process(const Data& in, Emitter& out, Job& job) override {
    const Clip& clip = *std::get<ClipPtr>(in);
    if (job.video().out_dir.empty()) return (void)out.emit(in);
    const Frame& first = *clip.frames.at(0);
    const int64_t H = first.height, W = first.width, C = channels(first.format);
    for (const auto& f : clip.frames)
      if (f->width != W || f->height != H) throw Error("format.hf: frames differ in size", "resize to one size first");
    if (H % (p_ * m_) || W % (p_ * m_))
      throw Error(fmt::format("format.hf: {} is not a multiple of patch_size*merge_size = {}", size_text(W, H), p_ * m_),
                  "resize with process.smart_resize and the model's factor");
    const int64_t T0 = static_cast<int64_t>(clip.frames.size());
    const int64_t gt = (T0 + tp_ - 1) / tp_, gh = H / p_, gw = W / p_, bh_n = gh / m_, bw_n = gw / m_;
    const int64_t rows = gt * gh * gw, cols = C * tp_ * p_ * p_;
    const NormLut lut(true, mean_, std_, static_cast<int>(C), rescale_);
    const std::size_t row_bytes = static_cast<std::size_t>(cols) * elem_size(type_);
    const std::size_t data_bytes = row_bytes * rows;
    const int64_t grid[3] = {gt, gh, gw};

    auto write_rows = [&](OutputFile& f) {
      std::vector<uint8_t> buf;
      buf.reserve(row_bytes);
      for (int64_t t = 0; t < gt; ++t)
        for (int64_t bh = 0; bh < bh_n; ++bh)
          for (int64_t bw = 0; bw < bw_n; ++bw)
            for (int64_t mh = 0; mh < m_; ++mh)
              for (int64_t mw = 0; mw < m_; ++mw) {  // one row: channel, time, patch row, patch col
                buf.clear();
                for (int64_t ch = 0; ch < C; ++ch)
                  for (int64_t tt = 0; tt < tp_; ++tt) {
                    const Frame& fr = *clip.frames[std::min(t * tp_ + tt, T0 - 1)];  // §6.3 padding
                    for (int64_t py = 0; py < p_; ++py) {
                      const uint8_t* row = fr.row(static_cast<int>((bh * m_ + mh) * p_ + py));
                      const int64_t x0 = (bw * m_ + mw) * p_;
                      for (int64_t px = 0; px < p_; ++px) put(buf, type_, lut.lut[ch][row[(x0 + px) * C + ch]]);
                    }
                  }
                f.write(buf.data(), buf.size());
              }
    };

    auto next = std::make_shared<Clip>(clip);
    if (container_ != "npy") {
      const std::string name = file_ + ".safetensors";
      json h = json::object();
      h["__metadata__"] = {{"format", "pt"}, {"writer", "vidpipe format.hf"}};
      h["pixel_values_videos"] = {{"dtype", safetensors_dtype(type_)}, {"shape", {rows, cols}}, {"data_offsets", {0, data_bytes}}};
      h["video_grid_thw"] = {{"dtype", "I64"}, {"shape", {1, 3}}, {"data_offsets", {data_bytes, data_bytes + 24}}};
      std::string text = h.dump();
      text.append((8 - text.size() % 8) % 8, ' ');
      const uint64_t len = text.size();
      uint8_t le[8];
      for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(len >> (8 * i));
      OutputFile f(job.video().out_dir, name);
      f.write(le, 8);
      f.write_header(text);
      write_rows(f);
      f.write(grid, sizeof grid);
      next->artifacts.push_back({name, "tensor", f.commit()});
    }
    if (container_ != "safetensors") {
      const std::string pv = file_ + ".pixel_values_videos.npy", gn = file_ + ".video_grid_thw.npy";
      OutputFile f(job.video().out_dir, pv);
      f.write_header(npy_header(npy_descr(type_), {rows, cols}));
      write_rows(f);
      next->artifacts.push_back({pv, "tensor", f.commit()});
      OutputFile g(job.video().out_dir, gn);
      g.write_header(npy_header("<i8", {1, 3}));
      g.write(grid, sizeof grid);
      next->artifacts.push_back({gn, "tensor", g.commit()});
    }
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  std::string file_, container_;
  ElemType type_;
  int64_t p_, tp_, m_;
  std::vector<double> mean_, std_;
  double rescale_;
};

}  // namespace

void register_format_hf(Registry& r) { r.add<FormatHf>(); }

}  // namespace vidpipe::nodes
