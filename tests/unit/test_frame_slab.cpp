// FrameSlab / FrameSlabScope (sdk frame_slab.hpp): make_frame() inside a scope takes its slot,
// laid out as make_frame lays out any frame; everything else allocates as before.
#include <doctest/doctest.h>

#include <cstring>

#include "vidpipe/sdk/frame_slab.hpp"

using namespace vidpipe;

TEST_CASE("frame slab: each scope's first fitting frame takes its slot, in one buffer") {
  auto slab = std::make_shared<FrameSlab>(3);
  const FrameBuffer plain = make_frame(50, 20);
  std::vector<FramePtr> frames(3);
  for (std::size_t k : {2u, 0u, 1u}) {  // any order: the slot is the position
    FrameSlabScope scope(slab, k);
    FrameBuffer fb = make_frame(50, 20);
    std::memset(fb.pixels, static_cast<int>(k), fb.frame->bytes());
    CHECK(fb.frame->stride == plain.frame->stride);
    CHECK(fb.pixels == slab->slot(k));
    frames[k] = fb.frame;
    FrameBuffer second = make_frame(50, 20);  // one frame per scope
    CHECK(second.pixels != slab->slot(k));
  }
  CHECK(slab->complete());
  CHECK(slab->pitch() % kFrameAlign == 0);
  CHECK(slab->pitch() >= static_cast<std::size_t>(plain.frame->stride) * 20 + kFrameAlign);
  CHECK(reinterpret_cast<std::uintptr_t>(slab->slot(0)) % kFrameAlign == 0);
  CHECK(slab->slot(1) == slab->slot(0) + slab->pitch());
  const uint8_t* first = frames[0]->data.get();
  slab.reset();  // the frames keep the buffer
  CHECK(first[0] == 0);
  CHECK(frames[2]->row(19)[149] == 2);
}

TEST_CASE("frame slab: other sizes, taken or missing slots and no scope allocate as usual") {
  auto slab = std::make_shared<FrameSlab>(2);
  {
    FrameSlabScope scope(slab, 0);
    const uint8_t* pixels = make_frame(8, 8).pixels;  // the slab is allocated by this first take
    CHECK(pixels == slab->slot(0));
  }
  {
    FrameSlabScope scope(slab, 1);
    CHECK(make_frame(9, 8).pixels != slab->slot(1));           // another size
    CHECK(make_frame(8, 8, PixelFormat::GRAY8).pixels != slab->slot(1));  // another format
  }
  {
    FrameSlabScope scope(slab, 0);
    CHECK(make_frame(8, 8).pixels != slab->slot(0));  // taken
  }
  {
    FrameSlabScope scope(slab, 5);
    CHECK(make_frame(8, 8).pixels != nullptr);  // out of range: a plain frame
  }
  CHECK_FALSE(slab->complete());
  {
    FrameSlabScope none;
    CHECK(make_frame(8, 8).pixels != slab->slot(1));
  }
  auto inner = std::make_shared<FrameSlab>(1);
  {
    FrameSlabScope outer(slab, 1);
    {
      FrameSlabScope scope(inner, 0);
      const uint8_t* pixels = make_frame(8, 8).pixels;
      CHECK(pixels == inner->slot(0));  // the innermost scope
    }
    CHECK(make_frame(8, 8).pixels == slab->slot(1));
  }
  CHECK(slab->complete());
}
