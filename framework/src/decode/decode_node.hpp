// The runtime's decode node (decode_node.cpp): a sampling plan in, its frames out, decoded by
// decode_frames (the walk) over the first backend that works. Notes: decode_notes.cpp.
#pragma once

#include <memory>
#include <string>

#include "decode/decode_contract.hpp"
#include "vidpipe/sdk/limits.hpp"

namespace vidpipe::runtime {

// The backend named like this is served by decode.images, not by a pinned decode.images.
inline constexpr const char* kSequenceNode = "images";

enum class DecodeMode {
  Pinned,     // decode.X: the table's one backend
  Auto,       // decode.auto: every backend that takes the input, by rank, or the `backends` list
  Sequences,  // decode.images: the table's frame-sequence backends, by rank
};

std::unique_ptr<Node> make_decode_node(BackendTablePtr table, DecodeMode mode, const Params& p);

// decode_notes.cpp
// The decode note: the backend's facts first, then the walk's (seek_mode, strategy, counts ...).
json decode_note(const json& backend_note, const WalkStats& stats, const WalkOptions& opt);
// Reports the walk's damage on `job` (Job::mark_partial and the note "damage"); frame sequences
// say it per image, with the first damaged image's warning (backend note "warnings").
void report_damage(Job& job, const WalkStats& stats, const WalkOptions& opt, const json& backend_note,
                   bool frame_sequence);
}  // namespace vidpipe::runtime
