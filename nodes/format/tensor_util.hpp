// Element conversions shared by the tensor writers: normalisation lookup tables (docs/qwen-reference.md §6.1:
// (v * rescale - mean_c) / std_c in float32, as transformers' slow image processors compute it)
// and float32 -> float16 / bfloat16 (round to nearest even, like torch's .to()).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vidpipe::nodes {

enum class ElemType { U8, F32, F16, BF16 };

inline ElemType parse_elem(const std::string& s) {
  if (s == "float32") return ElemType::F32;
  if (s == "float16") return ElemType::F16;
  if (s == "bfloat16") return ElemType::BF16;
  return ElemType::U8;
}
inline std::size_t elem_size(ElemType t) { return t == ElemType::U8 ? 1 : t == ElemType::F32 ? 4 : 2; }
// NumPy descr; bfloat16 has none in NumPy: raw bf16 bits as '<u2' (torch: .view(torch.bfloat16)).
inline const char* npy_descr(ElemType t) {
  switch (t) {
    case ElemType::U8: return "|u1";
    case ElemType::F32: return "<f4";
    case ElemType::F16: return "<f2";
    default: return "<u2";
  }
}
inline const char* safetensors_dtype(ElemType t) {
  switch (t) {
    case ElemType::U8: return "U8";
    case ElemType::F32: return "F32";
    case ElemType::F16: return "F16";
    default: return "BF16";
  }
}

inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
inline uint16_t to_f16(float f) {
  _Float16 h = static_cast<_Float16>(f);
  uint16_t u;
  std::memcpy(&u, &h, 2);
  return u;
}

// Appends one value of type t to out.
inline void put(std::vector<uint8_t>& out, ElemType t, float v) {
  switch (t) {
    case ElemType::U8: out.push_back(static_cast<uint8_t>(v)); break;
    case ElemType::F32: { uint8_t b[4]; std::memcpy(b, &v, 4); out.insert(out.end(), b, b + 4); break; }
    case ElemType::F16: { uint16_t h = to_f16(v); out.push_back(h & 0xff); out.push_back(h >> 8); break; }
    case ElemType::BF16: { uint16_t h = to_bf16(v); out.push_back(h & 0xff); out.push_back(h >> 8); break; }
  }
}

// lut[c][v]: the value written for byte v of channel c.
struct NormLut {
  std::array<std::array<float, 256>, 4> lut{};
  NormLut(bool rescale, const std::vector<double>& mean, const std::vector<double>& std_, int channels,
          double rescale_factor = 1.0 / 255.0) {
    const float r = static_cast<float>(rescale_factor);
    for (int c = 0; c < channels && c < 4; ++c) {
      const float m = mean.empty() ? 0.0f : static_cast<float>(mean[c % mean.size()]);
      const float s = std_.empty() ? 1.0f : static_cast<float>(std_[c % std_.size()]);
      for (int v = 0; v < 256; ++v) {
        float x = static_cast<float>(v);
        if (rescale) x = x * r;
        if (!mean.empty() || !std_.empty()) x = (x - m) / s;
        lut[c][v] = x;
      }
    }
  }
};

}  // namespace vidpipe::nodes
