// format.npy: writes a clip's frames as one NumPy array (T×3×H×W or T×H×W×3).
//
// Frames are already integers 0..255 (the reference resize rounds to uint8), so uint8 loses
// nothing and is 4× smaller; float32 matches the reference tensor's dtype byte for byte.
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "output_file.hpp"

namespace vidpipe::nodes {
namespace {

class FormatNpy final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.npy", "Writes the clip's frames as a .npy array (T×C×H×W by default)")
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the file listed in its artifacts")
        .text("file", "frames.npy", "file name inside the input's output folder")
        .choice("dtype", "uint8", {"uint8", "float32"}, "uint8 (exact, compact) or float32 (the reference tensor's dtype)")
        .choice("layout", "TCHW", {"TCHW", "THWC"}, "TCHW (torch) or THWC (channels last)");
  }
  explicit FormatNpy(const Params& p)
      : file_(p.get<std::string>("file")), float32_(p.get<std::string>("dtype") == "float32"),
        tchw_(p.get<std::string>("layout") == "TCHW") {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const Clip& clip = *std::get<ClipPtr>(in);
    if (job.video().out_dir.empty()) return (void)out.emit(in);  // no -o: nothing to write
    const Frame& first = *clip.frames.at(0);
    const int h = first.height, w = first.width, c = channels(first.format);
    for (const auto& f : clip.frames)
      if (f->width != w || f->height != h || f->format != first.format)
        throw Error(fmt::format("frames differ in size ({}x{} vs {}x{}); one array needs one size", f->width, f->height, w, h),
                    "resize all frames to one size before format.npy");

    OutputFile file(job.video().out_dir, file_);
    file.write_header(header(clip.frames.size(), c, h, w));
    std::vector<uint8_t> planar(tchw_ ? static_cast<std::size_t>(c) * h * w : 0);
    std::vector<float> floats;
    for (const auto& f : clip.frames) {
      const uint8_t* src = f->data.get();
      std::size_t n = static_cast<std::size_t>(c) * h * w;
      if (tchw_) {  // interleaved rows → one plane per channel
        for (int y = 0; y < h; ++y) {
          const uint8_t* row = f->row(y);
          for (int x = 0; x < w; ++x)
            for (int ch = 0; ch < c; ++ch) planar[(static_cast<std::size_t>(ch) * h + y) * w + x] = row[x * c + ch];
        }
        src = planar.data();
      } else if (f->stride != w * c) {
        planar.resize(n);
        for (int y = 0; y < h; ++y) std::memcpy(&planar[static_cast<std::size_t>(y) * w * c], f->row(y), static_cast<std::size_t>(w) * c);
        src = planar.data();
      }
      if (float32_) {
        floats.assign(src, src + n);
        file.write(floats.data(), n * sizeof(float));
      } else {
        file.write(src, n);
      }
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
    std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", float32_ ? "<f4" : "|u1", shape);
    std::size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string h10 = std::string("\x93NUMPY\x01\x00", 8);
    h10 += static_cast<char>(dict.size() & 0xff);
    h10 += static_cast<char>(dict.size() >> 8);
    return h10 + dict;
  }

  std::string file_;
  bool float32_, tchw_;
};

}  // namespace

void register_format_npy(Registry& r) { r.add<FormatNpy>(); }

}  // namespace vidpipe::nodes
