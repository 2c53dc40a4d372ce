// format.npy: writes a clip's frames as one NumPy array (T×3×H×W or T×H×W×3).
//
// Frames are already integers 0..255 (the reference resize rounds to uint8), so uint8 loses
// nothing and is 4× smaller; float32 matches the reference tensor's dtype byte for byte.
// Optional: float16 / bfloat16 (bfloat16 as raw bits '<u2': torch.from_numpy(a).view(torch.bfloat16)),
// normalisation (rescale 1/255 and/or mean/std, docs/qwen-reference.md §6.1) and temporal padding to a
// multiple of `pad_to_multiple` frames by repeating the last frame (§6.3).
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "tensor_util.hpp"
#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
namespace {

class FormatNpy final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.npy", "Writes the clip's frames as a .npy array (T×C×H×W by default)")
        .with_role(Role::Formatter)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the file listed in its artifacts")
        .text("file", "frames.npy", "file name inside the input's output folder")
        .choice("dtype", "uint8", {"uint8", "float32", "float16", "bfloat16"},
                "uint8 (exact, compact), float32 (the reference tensor's dtype), float16, bfloat16 (raw bits as <u2)")
        .choice("layout", "TCHW", {"TCHW", "THWC"}, "TCHW (torch) or THWC (channels last)")
        .choice("channel_order", "rgb", {"rgb", "bgr"}, "channel order of the array (bgr for OpenCV-style models)")
        .choice("normalize", "none", {"none", "rescale", "mean_std"},
                "none: 0..255; rescale: v/255; mean_std: (v/255 - mean)/std (needs a float dtype)")
        .list("norm_mean", ParamType::FloatList, json::array({0.48145466, 0.4578275, 0.40821073}), "per-channel mean (mean_std)")
        .list("norm_std", ParamType::FloatList, json::array({0.26862954, 0.26130258, 0.27577711}), "per-channel std (mean_std)")
        .integer("pad_to_multiple", 1, 1, 64, "repeat the last frame until T is a multiple of this (2 = temporal patch)")
        .model_settable({"norm_mean", "norm_std"});
  }
  explicit FormatNpy(const Params& p)
      : file_(p.get<std::string>("file")), type_(parse_elem(p.get<std::string>("dtype"))),
        tchw_(p.get<std::string>("layout") == "TCHW"), norm_(p.get<std::string>("normalize")),
        mean_(p.get<std::vector<double>>("norm_mean")), std_(p.get<std::vector<double>>("norm_std")),
        pad_(p.get<int64_t>("pad_to_multiple")), bgr_(p.get<std::string>("channel_order") == "bgr") {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
    if (norm_ != "none" && type_ == ElemType::U8)
      throw Error("format.npy: normalize=" + norm_ + " needs a float dtype", "set dtype to float32, float16 or bfloat16");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const Clip& clip = *std::get<ClipPtr>(in);
    if (job.video().out_dir.empty()) return (void)out.emit(in);  // no -o: nothing to write
    const Frame& first = *clip.frames.at(0);
    const int h = first.height, w = first.width, c = channels(first.format);
    for (const auto& f : clip.frames)
      if (f->width != w || f->height != h || f->format != first.format)
        throw Error(fmt::format("frames differ in size ({} vs {}); one array needs one size",
                                size_text(f->width, f->height), size_text(w, h)),
                    "resize all frames to one size before format.npy");
    const std::size_t T0 = clip.frames.size();
    const std::size_t T = (T0 + pad_ - 1) / pad_ * pad_;
    const NormLut lut(norm_ != "none", norm_ == "mean_std" ? mean_ : std::vector<double>{},
                      norm_ == "mean_std" ? std_ : std::vector<double>{}, c);

    OutputFile file(job.video().out_dir, file_);
    file.write_header(header(T, c, h, w));
    const std::size_t n = static_cast<std::size_t>(c) * h * w;
    std::vector<uint8_t> planar(n);
    std::vector<uint8_t> bytes;
    // Channel k of the array comes from channel src[k] of the frame.
    const bool swap = c == 3 && (bgr_ != (first.format == PixelFormat::BGR24));
    const int src[3] = {swap ? 2 : 0, 1, swap ? 0 : 2};
    for (std::size_t t = 0; t < T; ++t) {
      const Frame& f = *clip.frames[std::min(t, T0 - 1)];  // padding repeats the last frame
      if (tchw_) {  // interleaved rows → one plane per channel
        for (int y = 0; y < h; ++y) {
          const uint8_t* row = f.row(y);
          for (int x = 0; x < w; ++x)
            for (int ch = 0; ch < c; ++ch) planar[(static_cast<std::size_t>(ch) * h + y) * w + x] = row[x * c + (c == 3 ? src[ch] : ch)];
        }
      } else if (swap) {
        for (int y = 0; y < h; ++y) {
          const uint8_t* row = f.row(y);
          uint8_t* dst = &planar[static_cast<std::size_t>(y) * w * c];
          for (int x = 0; x < w; ++x)
            for (int ch = 0; ch < 3; ++ch) dst[x * 3 + ch] = row[x * 3 + src[ch]];
        }
      } else {
        for (int y = 0; y < h; ++y) std::memcpy(&planar[static_cast<std::size_t>(y) * w * c], f.row(y), static_cast<std::size_t>(w) * c);
      }
      if (type_ == ElemType::U8) {
        file.write(planar.data(), n);
        continue;
      }
      bytes.clear();
      bytes.reserve(n * elem_size(type_));
      for (std::size_t i = 0; i < n; ++i) {
        const int ch = tchw_ ? static_cast<int>(i / (static_cast<std::size_t>(h) * w)) : static_cast<int>(i % c);
        put(bytes, type_, lut.lut[ch][planar[i]]);
      }
      file.write(bytes.data(), bytes.size());
    }
    auto next = std::make_shared<Clip>(clip);
    next->artifacts.push_back({file_, "tensor", file.commit()});
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  // NPY format 1.0: magic, version, little-endian header length, a Python dict literal padded
  // with spaces so that the data starts at a multiple of 64 bytes.
  std::string header(std::size_t t, int c, int h, int w) const {
    std::string shape = tchw_ ? fmt::format("({}, {}, {}, {})", t, c, h, w) : fmt::format("({}, {}, {}, {})", t, h, w, c);
    std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", npy_descr(type_), shape);
    std::size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string h10 = std::string("\x93NUMPY\x01\x00", 8);
    h10 += static_cast<char>(dict.size() & 0xff);
    h10 += static_cast<char>(dict.size() >> 8);
    return h10 + dict;
  }

  std::string file_;
  ElemType type_;
  bool tchw_;
  std::string norm_;
  std::vector<double> mean_, std_;
  int64_t pad_;
  bool bgr_;
};

}  // namespace

void register_format_npy(Registry& r) { r.add<FormatNpy>(); }

}  // namespace vidpipe::nodes
