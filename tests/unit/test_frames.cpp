// The Frame layout of sdk/include/vidpipe/sdk/data.hpp: make_frame's packed layout is what it
// was before planar frames existed (stride, alignment, padding: plugins built for ABI 2.0 rely
// on it), planar frames follow the same rules per plane, and the helpers around them.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include <vidpipe/sdk.hpp>

using namespace vidpipe;

namespace {

bool aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kFrameAlign == 0; }

}  // namespace

TEST_CASE("make_frame: the ABI 2.0 layout (16-pixel blocks, 64-byte rows, 64 bytes of padding)") {
  // Widths around the block and alignment edges, each format: the stride formula written out.
  struct Case { int w; PixelFormat f; int stride; };
  for (const Case c : {Case{1, PixelFormat::RGB24, 64}, Case{16, PixelFormat::RGB24, 64}, Case{17, PixelFormat::RGB24, 128},
                       Case{21, PixelFormat::RGB24, 128}, Case{644, PixelFormat::RGB24, 1984},
                       Case{1920, PixelFormat::BGR24, 5760}, Case{1, PixelFormat::GRAY8, 64},
                       Case{65, PixelFormat::GRAY8, 128}, Case{644, PixelFormat::GRAY8, 704}}) {
    CAPTURE(c.w);
    FrameBuffer fb = make_frame(c.w, 7, c.f);
    const Frame& f = *fb.frame;
    CHECK(f.stride == c.stride);
    CHECK(f.width == c.w);
    CHECK(f.height == 7);
    CHECK(f.format == c.f);
    CHECK(aligned(fb.pixels));
    CHECK(fb.pixels == f.data.get());
    CHECK(f.row(3) == fb.pixels + 3 * c.stride);
    CHECK(f.bytes() == static_cast<std::size_t>(c.stride) * 7);
    // The packed frame leaves the planar fields alone; plane(0) is its rows.
    CHECK(f.planes[0] == nullptr);
    CHECK(f.strides[0] == 0);
    CHECK(f.plane_count() == 1);
    CHECK(f.plane(0) == fb.pixels);
    CHECK(f.plane_stride(0) == c.stride);
    CHECK(f.plane(1) == nullptr);
    CHECK(f.memory == MemoryKind::Host);
    // Every byte up to kFrameAlign past the last row is writable (ASan would say otherwise).
    std::memset(fb.pixels, 1, f.bytes() + kFrameAlign);
  }
  CHECK_THROWS_AS(make_frame(0, 4), Error);
  CHECK_THROWS_AS(make_frame(4, -1), Error);
}

TEST_CASE("make_planar_frame: each plane laid out by make_frame's rules, chroma rounded up") {
  struct Case { PixelFormat f; int planes, cw, ch, stride0, stride1; };
  // 1919x1079: odd sizes, chroma rounded up (960x540 for 4:2:0).
  for (const Case c : {Case{PixelFormat::I420, 3, 960, 540, 1920, 960}, Case{PixelFormat::I422, 3, 960, 1079, 1920, 960},
                       Case{PixelFormat::I444, 3, 1919, 1079, 1920, 1920}, Case{PixelFormat::NV12, 2, 960, 540, 1920, 1920},
                       Case{PixelFormat::I420P10, 3, 960, 540, 3840, 1920}, Case{PixelFormat::P010, 2, 960, 540, 3840, 3840}}) {
    CAPTURE(to_string(c.f));
    FrameBuffer fb = make_planar_frame(1919, 1079, c.f);
    const Frame& f = *fb.frame;
    REQUIRE(f.plane_count() == c.planes);
    CHECK(!f.packed());
    CHECK(f.plane_width(0) == 1919);
    CHECK(f.plane_height(0) == 1079);
    CHECK(f.plane_width(1) == c.cw);
    CHECK(f.plane_height(1) == c.ch);
    CHECK(f.plane_width(c.planes) == 0);
    CHECK(f.strides[0] == c.stride0);
    CHECK(f.strides[1] == c.stride1);
    CHECK(f.stride == f.strides[0]);
    CHECK(f.data.get() == f.planes[0]);
    CHECK(fb.pixels == f.planes[0]);
    std::size_t sum = 0;
    for (int p = 0; p < f.plane_count(); ++p) {
      CHECK(aligned(f.plane(p)));
      CHECK(f.plane_stride(p) == f.strides[p]);
      sum += static_cast<std::size_t>(f.strides[p]) * f.plane_height(p);
      if (p + 1 < f.plane_count())  // kFrameAlign bytes of padding between planes
        CHECK(f.planes[p + 1] == f.planes[p] + static_cast<std::size_t>(f.strides[p]) * f.plane_height(p) + kFrameAlign);
    }
    CHECK(f.bytes() == sum);
    const int last = f.plane_count() - 1;
    std::memset(const_cast<uint8_t*>(f.planes[0]), 2,
                f.planes[last] - f.planes[0] + static_cast<std::size_t>(f.strides[last]) * f.plane_height(last) + kFrameAlign);
  }
  CHECK(make_planar_frame(5, 5, PixelFormat::RGB24).frame->stride == make_frame(5, 5).frame->stride);
}

TEST_CASE("channels() of a planar format is an error naming the fix; names and sample sizes") {
  CHECK(channels(PixelFormat::RGB24) == 3);
  CHECK(channels(PixelFormat::GRAY8) == 1);
  try {
    channels(PixelFormat::NV12);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("nv12 is planar") != std::string::npos);
    CHECK(std::string(e.hint()).find("process.convert_scale") != std::string::npos);
  }
  CHECK(std::string(to_string(PixelFormat::I420P10)) == "i420p10");
  CHECK(bytes_per_sample(PixelFormat::P010) == 2);
  CHECK(bytes_per_sample(PixelFormat::I444) == 1);
}

TEST_CASE("drop_pixels makes a descriptor; host_frame maps device frames and passes host ones") {
  FrameBuffer fb = make_planar_frame(8, 8, PixelFormat::I420);
  fb.frame->index = 5;
  Frame d = *fb.frame;
  d.drop_pixels();
  CHECK(d.data == nullptr);
  CHECK(d.planes[1] == nullptr);
  CHECK(d.index == 5);
  CHECK(d.width == 8);
  CHECK(d.format == PixelFormat::I420);

  FramePtr host = fb.frame;
  CHECK(host_frame(host) == host);

  struct Copy : FrameMapper {
    FramePtr to_host(const Frame& f) const override {
      FrameBuffer out = make_planar_frame(f.width, f.height, f.format);
      out.frame->index = f.index;
      return out.frame;
    }
  };
  auto device = std::make_shared<Frame>(d);
  device->memory = MemoryKind::Device;
  CHECK(device->bytes() == 0);
  CHECK_THROWS_AS(host_frame(device), Error);  // no mapper
  device->mapper = std::make_shared<Copy>();
  FramePtr mapped = host_frame(device);
  CHECK(mapped != FramePtr(device));
  CHECK(mapped->memory == MemoryKind::Host);
  CHECK(mapped->index == 5);
  CHECK(mapped->plane(2) != nullptr);
}
