// Per-frame scores of the analysis pass (frame_scores.hpp).
#include "frame_scores.hpp"

#include <algorithm>
#include <cmath>

#include <vidpipe/sdk/error.hpp>

extern "C" {
#include <libswscale/swscale.h>
}

namespace vidpipe::analyze {
namespace {

constexpr int kHashSide = 8, kHashLowpass = 2, kHashIn = kHashSide * kHashLowpass;

// OpenCV's fixed-point reciprocals for the 8-bit HSV conversion (12 fractional bits, rounded to
// nearest even as its saturate_cast does).
struct HsvTables {
  static constexpr int kShift = 12;
  std::array<int, 256> saturation{}, hue{};  // 255 / v and 180 / (6 diff), scaled
  HsvTables() {
    for (int i = 1; i < 256; ++i) {
      saturation[i] = static_cast<int>(std::lrint((255 << kShift) / (1.0 * i)));
      hue[i] = static_cast<int>(std::lrint((180 << kShift) / (6.0 * i)));
    }
  }
};

// FFmpeg scdet's MAFD, the mean absolute difference of the luma planes as a percentage of the
// 8-bit range (1 << 8); scdet reads plane 0 only (checked against the CLI, docs/sampling.md §7).
double mafd(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  const std::size_t samples = a.size();
  return static_cast<double>(sad(a.data(), b.data(), samples)) * 100.0 /
         static_cast<double>(std::max<std::size_t>(1, samples)) / 256.0;
}

}  // namespace

void bgr_to_hsv(const uint8_t* bgr, std::size_t pixels, uint8_t* hsv) {
  static const HsvTables tables;
  constexpr int round = 1 << (HsvTables::kShift - 1);
  uint8_t *hue = hsv, *sat = hsv + pixels, *val = hsv + 2 * pixels;
  for (std::size_t i = 0; i < pixels; ++i) {
    const int b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
    const int v = std::max({b, g, r}), diff = v - std::min({b, g, r});
    int h = v == r ? g - b : v == g ? b - r + 2 * diff : r - g + 4 * diff;  // sixths of the hue circle
    h = (h * tables.hue[diff] + round) >> HsvTables::kShift;
    hue[i] = static_cast<uint8_t>(h < 0 ? h + 180 : h);
    sat[i] = static_cast<uint8_t>((diff * tables.saturation[v] + round) >> HsvTables::kShift);
    val[i] = static_cast<uint8_t>(v);
  }
}

uint64_t phash(const uint8_t* bgr, int w, int h) {
  // Cell (i, j) averages the pixels with y * 16 / h == i and x * 16 / w == j: the x of cell j are
  // [ceil(j w / 16), ceil((j + 1) w / 16)).
  auto first = [](int cell, int n) { return (cell * n + kHashIn - 1) / kHashIn; };
  std::array<std::array<double, kHashIn>, kHashIn> grid{};
  std::array<std::array<int, kHashIn>, kHashIn> count{};
  for (int i = 0; i < kHashIn; ++i)
    for (int y = first(i, h); y < first(i + 1, h); ++y) {
      const uint8_t* p = bgr + 3 * static_cast<std::size_t>(y) * w;
      for (int j = 0; j < kHashIn; ++j) {
        double sum = 0;
        const int x0 = first(j, w), x1 = first(j + 1, w);
        for (int x = x0; x < x1; ++x, p += 3) sum += 0.114 * p[0] + 0.587 * p[1] + 0.299 * p[2];
        grid[i][j] += sum;
        count[i][j] += x1 - x0;
      }
    }
  for (int y = 0; y < kHashIn; ++y)
    for (int x = 0; x < kHashIn; ++x) grid[y][x] /= std::max(1, count[y][x]);
  static const auto basis = [] {  // DCT-II basis: cos(pi (2y + 1) u / 2N)
    std::array<std::array<double, kHashIn>, kHashSide> b{};
    for (int u = 0; u < kHashSide; ++u)
      for (int y = 0; y < kHashIn; ++y) b[u][y] = std::cos(M_PI * (2 * y + 1) * u / (2.0 * kHashIn));
    return b;
  }();
  std::array<double, kHashSide * kHashSide> coef{};
  for (int u = 0; u < kHashSide; ++u)
    for (int v = 0; v < kHashSide; ++v) {
      double sum = 0;
      for (int y = 0; y < kHashIn; ++y)
        for (int x = 0; x < kHashIn; ++x) sum += grid[y][x] * basis[u][y] * basis[v][x];
      coef[u * kHashSide + v] = sum;
    }
  std::array<double, kHashSide * kHashSide> sorted = coef;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  uint64_t bits = 0;
  for (double c : coef) bits = (bits << 1) | (c > median ? 1u : 0u);
  return bits;
}

uint64_t sad(const uint8_t* a, const uint8_t* b, std::size_t n) {
  uint64_t total = 0;
  for (std::size_t start = 0; start < n; start += 1 << 16) {  // 2^16 * 255 fits the 32-bit sum
    const std::size_t end = std::min(n, start + (1 << 16));
    uint32_t part = 0;
    for (std::size_t i = start; i < end; ++i) part += static_cast<uint32_t>(std::abs(a[i] - b[i]));
    total += part;
  }
  return total;
}

void FrameScorer::add(const SmallPicture& pic, Signals& sig) {
  const std::size_t pixels = static_cast<std::size_t>(pic.width) * pic.height;
  if (!to_bgr_) {
    to_bgr_.reset(sws_getContext(pic.width, pic.height, pic.format, pic.width, pic.height, AV_PIX_FMT_BGR24,
                                 SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!to_bgr_) throw Error("analyze.scenes: " + input_ + ": cannot convert its pixel format", av::kHint);
    bgr_.resize(3 * pixels);
    for (auto& planes : hsv_) planes.resize(3 * pixels);
  }
  const uint8_t* src[4] = {pic.planes[0].data(), pic.planes[1].data(), pic.planes[2].data(), nullptr};
  const int src_stride[4] = {pic.plane_width[0], pic.plane_width[1], pic.plane_width[2], 0};
  uint8_t* dst[4] = {bgr_.data(), nullptr, nullptr, nullptr};
  const int dst_stride[4] = {3 * pic.width, 0, 0, 0};
  sws_scale(to_bgr_.get(), src, src_stride, 0, pic.height, dst, dst_stride);

  const int64_t t = sig.frames();
  std::vector<uint8_t>& hsv = hsv_[t % kKept];
  bgr_to_hsv(bgr_.data(), pixels, hsv.data());
  hash_[t % kKept] = phash(bgr_.data(), pic.width, pic.height);
  uint64_t sum = 0;
  for (uint8_t c : bgr_) sum += c;

  auto content = [&](int64_t back) {  // PySceneDetect's content score against frame t - back
    return static_cast<float>(static_cast<double>(sad(hsv.data(), hsv_[(t - back) % kKept].data(), hsv.size())) /
                              static_cast<double>(hsv.size()));
  };
  std::array<float, 3> back{255.f, 255.f, 255.f};
  for (int k = 0; k < 3 && t >= 2 + k; ++k) back[k] = content(2 + k);
  sig.content.push_back(t > 0 ? content(1) : 0.f);
  sig.back.push_back(back);
  sig.hash.push_back(t > 0 ? __builtin_popcountll(hash_[t % kKept] ^ hash_[(t - 1) % kKept]) / 64.f : 0.f);
  sig.intensity.push_back(pixels ? static_cast<float>(static_cast<double>(sum) / (3.0 * pixels)) : 0.f);

  // FFmpeg scdet: min(MAFD, |MAFD - the previous frame's MAFD|), the first frame 0.
  double score = 0;
  if (t > 0) {
    const double m = mafd(pic.planes[0], previous_luma_);
    score = std::clamp(std::min(m, std::abs(m - previous_mafd_)), 0.0, 100.0);
    previous_mafd_ = m;
  }
  sig.scdet.push_back(static_cast<float>(score));
  previous_luma_ = pic.planes[0];  // same size every frame: the copy reuses the buffer
}

}  // namespace vidpipe::analyze
