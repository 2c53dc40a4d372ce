// One buffer for all the frames of a clip, so a caller can view the clip as a single
// T x H x W x C array without copying it (README.md: Python).
//
// The runtime, not the node, decides where frames go: when a caller asks for it, the runtime
// gives each call of the node that makes a clip's final frames (the one feeding the gather) a
// FrameSlabScope naming the frame's position in the plan; make_frame() made on that thread
// during the call takes its buffer from that slot of the slab. Nodes need no change, and a frame
// the node does not make (a pass-through) simply lands outside the slab. Since ABI 3.0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "vidpipe/sdk/data.hpp"

namespace vidpipe {

class VIDPIPE_API FrameSlab {
 public:
  explicit FrameSlab(std::size_t frames) : taken_(frames, false) {}
  // Memory for the frame at `position`, laid out as make_frame() lays it out; the first call
  // fixes the size and format of every slot (the slab is allocated then). Null when the size or
  // format differs from the first, the position is out of range or already taken.
  std::shared_ptr<uint8_t> take(std::size_t position, int width, int height, int stride, PixelFormat format);

  std::size_t frames() const { return taken_.size(); }
  bool complete() const;                 // every slot was taken
  const uint8_t* slot(std::size_t position) const;  // null before the first take()
  std::size_t pitch() const { return pitch_; }       // bytes from one slot to the next
  int width() const { return width_; }
  int height() const { return height_; }
  int stride() const { return stride_; }
  PixelFormat format() const { return format_; }

 private:
  mutable std::mutex mu_;
  std::vector<bool> taken_;
  std::shared_ptr<uint8_t> buffer_;  // aligned start; owns the allocation
  std::size_t pitch_ = 0;
  int width_ = 0, height_ = 0, stride_ = 0;
  PixelFormat format_ = PixelFormat::RGB24;
};

// While alive, the first make_frame() on this thread takes slot `position` of `slab` (when it
// fits). Scopes nest; the innermost wins.
class VIDPIPE_API FrameSlabScope {
 public:
  FrameSlabScope() = default;  // no slab: make_frame() allocates as usual
  FrameSlabScope(std::shared_ptr<FrameSlab> slab, std::size_t position);
  ~FrameSlabScope();
  FrameSlabScope(const FrameSlabScope&) = delete;
  FrameSlabScope& operator=(const FrameSlabScope&) = delete;

 private:
  bool active_ = false;
};

}  // namespace vidpipe
