// One frame -> the bytes of its slice of a T×C×H×W or T×H×W×C tensor, shared by the writers that
// stream frames into one array (format.npy, format.safetensors): channel order, layout, dtype and
// normalisation (tensor_util.hpp) applied the same way in every file format.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "tensor_util.hpp"
#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {

struct TensorOptions {
  ElemType type = ElemType::U8;
  bool tchw = true, bgr = false;
  std::string normalize = "none";  // none | rescale | mean_std
  std::vector<double> mean, std_;
};

// The parameters of TensorOptions, declared alike by every writer of one array: dtype, layout,
// channel order, normalisation and the model-settable mean/std. `normalize_default` "auto" adds
// that choice: none for uint8, mean_std for floats.
inline NodeSpec& declare_tensor_params(NodeSpec& spec, const std::string& dtype_doc, const std::string& normalize_default) {
  std::vector<std::string> normalize = {"none", "rescale", "mean_std"};
  if (normalize_default == "auto") normalize.insert(normalize.begin(), "auto");
  return spec.choice("dtype", "uint8", {"uint8", "float32", "float16", "bfloat16"}, dtype_doc)
      .choice("layout", "TCHW", {"TCHW", "THWC"}, "TCHW (torch) or THWC (channels last)")
      .choice("channel_order", "rgb", {"rgb", "bgr"}, "channel order of the array (bgr for OpenCV-style models)")
      .choice("normalize", normalize_default, normalize,
              std::string(normalize_default == "auto" ? "auto: none for uint8, mean_std for floats (like format.hf); " : "") +
                  "none: 0..255; rescale: v/255; mean_std: (v/255 - mean)/std (needs a float dtype)")
      .list("norm_mean", ParamType::FloatList, json::array({0.48145466, 0.4578275, 0.40821073}), "per-channel mean (mean_std)")
      .list("norm_std", ParamType::FloatList, json::array({0.26862954, 0.26130258, 0.27577711}), "per-channel std (mean_std)")
      .model_settable({"norm_mean", "norm_std"});
}

// TensorOptions from those parameters; a normalisation without a float dtype is one error naming `node`.
inline TensorOptions tensor_options(const Params& p, const std::string& node) {
  TensorOptions o{parse_elem(p.get<std::string>("dtype")), p.get<std::string>("layout") == "TCHW",
                  p.get<std::string>("channel_order") == "bgr", p.get<std::string>("normalize"),
                  p.get<std::vector<double>>("norm_mean"), p.get<std::vector<double>>("norm_std")};
  if (o.normalize == "auto") o.normalize = o.type == ElemType::U8 ? "none" : "mean_std";
  if (o.normalize != "none" && o.type == ElemType::U8)
    throw Error(node + ": normalize=" + o.normalize + " needs a float dtype", "set dtype to float32, float16 or bfloat16");
  return o;
}

class FrameEncoder {
 public:
  // Takes the size and format every later frame must have from `first`.
  FrameEncoder(const TensorOptions& o, const Frame& first) : o_(o) {
    h_ = first.height, w_ = first.width, c_ = channels(first.format), format_ = first.format;
    // Channel k of the array comes from channel src_[k] of the frame.
    swap_ = c_ == 3 && (o.bgr != (first.format == PixelFormat::BGR24));
    src_[0] = swap_ ? 2 : 0, src_[2] = swap_ ? 0 : 2;
    planar_.resize(static_cast<std::size_t>(c_) * h_ * w_);
    const bool ms = o.normalize == "mean_std";
    lut_ = std::make_unique<NormLut>(o.normalize != "none", ms ? o.mean : std::vector<double>{},
                                     ms ? o.std_ : std::vector<double>{}, c_);
  }
  int height() const { return h_; }
  int width() const { return w_; }
  int channels_() const { return c_; }
  bool same_shape(const Frame& f) const { return f.width == w_ && f.height == h_ && f.format == format_; }
  std::size_t frame_bytes() const { return planar_.size() * elem_size(o_.type); }

  // The frame's bytes (valid until the next call).
  std::pair<const uint8_t*, std::size_t> encode(const Frame& f) {
    const int h = h_, w = w_, c = c_;
    if (o_.tchw) {  // interleaved rows → one plane per channel
      for (int y = 0; y < h; ++y) {
        const uint8_t* row = f.row(y);
        for (int x = 0; x < w; ++x)
          for (int ch = 0; ch < c; ++ch) planar_[(static_cast<std::size_t>(ch) * h + y) * w + x] = row[x * c + (c == 3 ? src_[ch] : ch)];
      }
    } else if (swap_) {
      for (int y = 0; y < h; ++y) {
        const uint8_t* row = f.row(y);
        uint8_t* dst = &planar_[static_cast<std::size_t>(y) * w * c];
        for (int x = 0; x < w; ++x)
          for (int ch = 0; ch < 3; ++ch) dst[x * 3 + ch] = row[x * 3 + src_[ch]];
      }
    } else {
      for (int y = 0; y < h; ++y) std::memcpy(&planar_[static_cast<std::size_t>(y) * w * c], f.row(y), static_cast<std::size_t>(w) * c);
    }
    const std::size_t n = planar_.size();
    if (o_.type == ElemType::U8) return {planar_.data(), n};
    bytes_.clear();
    bytes_.reserve(n * elem_size(o_.type));
    for (std::size_t i = 0; i < n; ++i) {
      const int ch = o_.tchw ? static_cast<int>(i / (static_cast<std::size_t>(h) * w)) : static_cast<int>(i % c);
      put(bytes_, o_.type, lut_->lut[ch][planar_[i]]);
    }
    return {bytes_.data(), bytes_.size()};
  }

 private:
  const TensorOptions& o_;
  int h_ = 0, w_ = 0, c_ = 0, src_[3] = {0, 1, 2};
  PixelFormat format_ = PixelFormat::RGB24;
  bool swap_ = false;
  std::vector<uint8_t> planar_, bytes_;
  std::unique_ptr<NormLut> lut_;
};

// What metadata.json records for a tensor a writer wrote (Artifact::info).
inline json tensor_info(const std::string& tensor, ElemType t, const std::vector<int64_t>& shape, const std::string& layout) {
  static const char* names[] = {"uint8", "float32", "float16", "bfloat16"};
  return {{"tensor", tensor}, {"dtype", names[static_cast<int>(t)]}, {"shape", shape}, {"layout", layout}};
}

}  // namespace vidpipe::nodes
