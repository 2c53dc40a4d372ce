// The resize kernels' internal equivalences: AVX2 == portable passes, planar == interleaved
// input, and the fused YUV path (yuv_resize.hpp) against convert-then-resize. Agreement with
// torchvision itself is tested end to end (tests/e2e/test_processing.py, test_pipeline.py).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include <vidpipe/imaging/fast_resize.hpp>
#include <vidpipe/imaging/resize.hpp>
#include <vidpipe/imaging/yuv_resize.hpp>

using namespace vidpipe::ref;

namespace {

std::vector<uint8_t> noise(std::size_t n, unsigned seed, int lo = 0, int hi = 255) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = static_cast<uint8_t>(d(rng));
  return v;
}

struct Case { int sw, sh, dw, dh; };
const Case kCases[] = {{1920, 1080, 644, 336}, {641, 359, 97, 55}, {33, 17, 100, 70}, {17, 5, 3, 2}, {64, 48, 64, 20}};

}  // namespace

TEST_CASE("AVX2 and portable passes give the same bytes") {
  for (const Case& c : kCases)
    for (int ch : {1, 3})
      for (Filter f : {Filter::Bicubic, Filter::Bilinear, Filter::Area}) {
        const int filter = static_cast<int>(f);
        CAPTURE(c.sw);
        CAPTURE(c.dw);
        CAPTURE(c.dh);
        CAPTURE(ch);
        CAPTURE(filter);
        const auto src = noise(static_cast<std::size_t>(c.sw) * c.sh * ch, 7);
        std::vector<uint8_t> fast(static_cast<std::size_t>(c.dw) * c.dh * ch), portable(fast.size());
        SeparableResizer r(c.sw, c.sh, c.dw, c.dh, f);
        r.run(src.data(), c.sw * ch, fast.data(), ch);
        use_portable_kernels(true);
        r.run(src.data(), c.sw * ch, portable.data(), ch);
        use_portable_kernels(false);
        CHECK(fast == portable);
      }
}

TEST_CASE("a padded destination stride gets the packed result's rows and nothing past them") {
  // Frames from make_frame have padded rows; every pass (copy, horizontal or vertical only,
  // both; fast's box pre-reduction) must honour dst_stride and leave the padding alone.
  const Case cases[] = {{33, 17, 33, 17}, {33, 17, 20, 17}, {33, 17, 33, 9}, {641, 359, 97, 55}, {64, 48, 22, 10}};
  for (const Case& c : cases)
    for (int ch : {1, 3})
      for (bool fast : {false, true}) {
        CAPTURE(c.sw);
        CAPTURE(c.dw);
        CAPTURE(c.dh);
        CAPTURE(ch);
        CAPTURE(fast);
        const auto src = noise(static_cast<std::size_t>(c.sw) * c.sh * ch, 5);
        const int row = c.dw * ch, stride = row + 37;
        std::vector<uint8_t> packed(static_cast<std::size_t>(row) * c.dh);
        std::vector<uint8_t> padded(static_cast<std::size_t>(stride) * c.dh, 0xA5);
        const SeparableResizer exact(c.sw, c.sh, c.dw, c.dh);
        const FastResizer reduced(c.sw, c.sh, c.dw, c.dh);
        auto run = [&](uint8_t* dst, int dst_stride) {
          if (fast) reduced.run(src.data(), c.sw * ch, dst, ch, dst_stride);
          else exact.run(src.data(), c.sw * ch, dst, ch, dst_stride);
        };
        run(packed.data(), 0);
        run(padded.data(), stride);
        bool rows_equal = true, padding_kept = true;
        for (int y = 0; y < c.dh; ++y) {
          const auto packed_row = packed.begin() + y * row;
          rows_equal &= std::equal(packed_row, packed_row + row, padded.begin() + y * stride);
          for (int x = row; x < stride; ++x) padding_kept &= padded[static_cast<std::size_t>(y) * stride + x] == 0xA5;
        }
        CHECK(rows_equal);
        CHECK(padding_kept);
      }
}

TEST_CASE("planar input gives the same values as the interleaved image (row-planar out)") {
  for (const Case& c : kCases) {
    CAPTURE(c.sw);
    CAPTURE(c.dw);
    const std::size_t n = static_cast<std::size_t>(c.sw) * c.sh;
    const auto packed = noise(n * 3, 11);
    std::vector<uint8_t> p0(n), p1(n), p2(n);
    for (std::size_t i = 0; i < n; ++i) p0[i] = packed[3 * i], p1[i] = packed[3 * i + 1], p2[i] = packed[3 * i + 2];
    const uint8_t* planes[3] = {p0.data(), p1.data(), p2.data()};
    const int strides[3] = {c.sw, c.sw, c.sw};
    SeparableResizer r(c.sw, c.sh, c.dw, c.dh);
    std::vector<uint8_t> a(static_cast<std::size_t>(c.dw) * c.dh * 3), b(a.size());
    r.run(packed.data(), c.sw * 3, a.data(), 3);
    r.run_planar(planes, strides, b.data());
    std::vector<uint8_t> rows(a.size());  // a, row-planar
    for (int y = 0; y < c.dh; ++y)
      for (int x = 0; x < c.dw; ++x)
        for (int k = 0; k < 3; ++k) rows[(y * 3 + k) * c.dw + x] = a[(y * c.dw + x) * 3 + k];
    CHECK(rows == b);
  }
}

namespace {
// BT.601/709 Y'CbCr -> R'G'B' in double (the textbook formula), clamped and rounded.
void to_rgb(double y, double u, double v, const YuvMatrix& m, double out[3]) {
  const double l = m.full_range ? y : (y - 16) * 255 / 219;
  const double s = m.full_range ? 1 : 255.0 / 224;
  const double cb = (u - 128) * s, cr = (v - 128) * s, kg = 1 - m.kr - m.kb;
  out[0] = l + 2 * (1 - m.kr) * cr;
  out[1] = l - (2 * m.kb * (1 - m.kb) * cb + 2 * m.kr * (1 - m.kr) * cr) / kg;
  out[2] = l + 2 * (1 - m.kb) * cb;
  for (int k = 0; k < 3; ++k) out[k] = std::round(std::fmin(255, std::fmax(0, out[k])));
}
}  // namespace

TEST_CASE("fused YUV resize: AVX2 and portable paths give the same bytes") {
  // 4:2:0 reduced (packed planes), 4:2:0 upscaled, 4:4:4 reduced (plane by plane), odd sizes
  struct Yuv { int w, h, sx, sy, dw, dh; };
  for (const Yuv& c : {Yuv{1920, 1080, 1, 1, 644, 336}, Yuv{639, 359, 1, 1, 1001, 563}, Yuv{200, 120, 0, 0, 60, 36},
                       Yuv{101, 67, 1, 0, 37, 29}}) {
    CAPTURE(c.w);
    const int cw = (c.w + (1 << c.sx) - 1) >> c.sx, chh = (c.h + (1 << c.sy) - 1) >> c.sy;
    const auto Y = noise(static_cast<std::size_t>(c.w) * c.h, 21), U = noise(static_cast<std::size_t>(cw) * chh, 22),
               V = noise(static_cast<std::size_t>(cw) * chh, 23);
    const uint8_t* planes[3] = {Y.data(), U.data(), V.data()};
    const int strides[3] = {c.w, cw, cw};
    YuvResizer r(c.w, c.h, c.sx, c.sy, c.dw, c.dh);
    std::vector<uint8_t> a(static_cast<std::size_t>(c.dw) * c.dh * 3), b(a.size());
    r.run(planes, strides, YuvMatrix::bt709(false), a.data(), c.dw * 3);
    use_portable_kernels(true);
    r.run(planes, strides, YuvMatrix::bt709(false), b.data(), c.dw * 3);
    use_portable_kernels(false);
    CHECK(a == b);
  }
}

TEST_CASE("fused YUV resize: flat colours convert by the textbook matrices") {
  // BT.601 limited-range red, BT.709 full-range teal, BT.601 full-range grey
  struct Flat { int y, u, v; YuvMatrix m; };
  const Flat flats[] = {{81, 90, 240, YuvMatrix::bt601(false)}, {140, 170, 60, YuvMatrix::bt709(true)},
                        {128, 128, 128, YuvMatrix::bt601(true)}};
  for (const Flat& f : flats) {
    const int w = 64, h = 36;  // 4:2:0, downscaled by more than 2 (packed path)
    std::vector<uint8_t> Y(w * h, f.y), U(w * h / 4, f.u), V(w * h / 4, f.v), out(20 * 10 * 3);
    const uint8_t* planes[3] = {Y.data(), U.data(), V.data()};
    const int strides[3] = {w, w / 2, w / 2};
    YuvResizer(w, h, 1, 1, 20, 10).run(planes, strides, f.m, out.data(), 20 * 3);
    double want[3];
    to_rgb(f.y, f.u, f.v, f.m, want);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(std::abs(out[i] - want[i % 3]) <= 1);
  }
}

TEST_CASE("fused YUV resize = convert then resize, up to rounding (4:4:4, every path)") {
  // Mid-range random YUV: RGB stays within 52..213, so neither path clamps (bicubic overshoot
  // included) and the affine conversion commutes with the resize up to rounding.
  for (const Case& c : {Case{96, 64, 40, 26}, Case{96, 64, 30, 20}, Case{50, 30, 80, 44}}) {
    CAPTURE(c.dw);
    const int n = c.sw * c.sh;
    auto Y = noise(n, 3, 90, 170), U = noise(n, 4, 112, 144), V = noise(n, 5, 112, 144);
    std::vector<uint8_t> rgb(n * 3);
    const YuvMatrix m = YuvMatrix::bt709(false);
    for (int i = 0; i < n; ++i) {
      double px[3];
      to_rgb(Y[i], U[i], V[i], m, px);
      for (int k = 0; k < 3; ++k) rgb[3 * i + k] = static_cast<uint8_t>(px[k]);
    }
    std::vector<uint8_t> want(c.dw * c.dh * 3), got(want.size());
    SeparableResizer(c.sw, c.sh, c.dw, c.dh).run(rgb.data(), c.sw * 3, want.data(), 3);
    const uint8_t* planes[3] = {Y.data(), U.data(), V.data()};
    const int strides[3] = {c.sw, c.sw, c.sw};
    YuvResizer(c.sw, c.sh, 0, 0, c.dw, c.dh).run(planes, strides, m, got.data(), c.dw * 3);
    const bool reduced = c.sw >= 2 * c.dw;  // luma box pre-reduction changes the luma filter
    int worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    CHECK(worst <= (reduced ? 20 : 3));  // measured 14 / 9 reduced, 2 otherwise
    if (!reduced) continue;
    double sum = 0;
    for (std::size_t i = 0; i < got.size(); ++i) sum += std::abs(got[i] - want[i]);
    CHECK(sum / got.size() < 4.5);  // measured 3.5 / 2.1: pure noise is a box pre-filter's worst case
  }
}
