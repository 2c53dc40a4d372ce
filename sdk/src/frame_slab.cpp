// FrameSlab: one buffer for a clip's final frames (frame_slab.hpp).
#include "vidpipe/sdk/frame_slab.hpp"

#include <algorithm>

namespace vidpipe {
namespace {

struct ScopedSlot {
  std::shared_ptr<FrameSlab> slab;
  std::size_t position = 0;
};
// The innermost FrameSlabScope of this thread (a stack: scopes nest).
thread_local std::vector<ScopedSlot> t_slots;

}  // namespace

std::shared_ptr<uint8_t> FrameSlab::take(std::size_t position, int width, int height, int stride, PixelFormat format) {
  std::lock_guard lock(mu_);
  if (position >= taken_.size() || taken_[position]) return nullptr;
  if (!buffer_) {
    // Each slot as make_frame() promises (data.hpp): aligned start, kFrameAlign bytes after
    // the last row.
    pitch_ = (static_cast<std::size_t>(stride) * height + 2 * kFrameAlign - 1) / kFrameAlign * kFrameAlign;
    uint8_t* raw = new uint8_t[pitch_ * taken_.size() + kFrameAlign - 1];
    uint8_t* aligned = raw + (-reinterpret_cast<std::uintptr_t>(raw) & (kFrameAlign - 1));
    buffer_ = std::shared_ptr<uint8_t>(aligned, [raw](uint8_t*) { delete[] raw; });
    width_ = width, height_ = height, stride_ = stride, format_ = format;
  } else if (width != width_ || height != height_ || stride != stride_ || format != format_) {
    return nullptr;
  }
  taken_[position] = true;
  return std::shared_ptr<uint8_t>(buffer_, buffer_.get() + position * pitch_);
}

bool FrameSlab::complete() const {
  std::lock_guard lock(mu_);
  return std::all_of(taken_.begin(), taken_.end(), [](bool t) { return t; });
}

const uint8_t* FrameSlab::slot(std::size_t position) const {
  std::lock_guard lock(mu_);
  return buffer_ ? buffer_.get() + position * pitch_ : nullptr;
}

FrameSlabScope::FrameSlabScope(std::shared_ptr<FrameSlab> slab, std::size_t position) : active_(slab != nullptr) {
  if (active_) t_slots.push_back({std::move(slab), position});
}

FrameSlabScope::~FrameSlabScope() {
  if (active_) t_slots.pop_back();
}

namespace detail {

// make_frame()'s buffer from this thread's slot, once; null when there is none or it does not fit.
std::shared_ptr<uint8_t> take_scoped_slot(int width, int height, int stride, PixelFormat format) {
  if (t_slots.empty() || !t_slots.back().slab) return nullptr;
  ScopedSlot& s = t_slots.back();
  auto buffer = s.slab->take(s.position, width, height, stride, format);
  if (buffer) s.slab.reset();  // one frame per scope
  return buffer;
}

}  // namespace detail
}  // namespace vidpipe
