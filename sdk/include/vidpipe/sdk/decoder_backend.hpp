// Decoder backends (since ABI 3.0): the codec work of decoding, behind one decode node.
//
// The runtime's decode node owns everything that is policy: which frames to decode, seeking,
// restarts after damage, neighbours for frames that do not decode, the damage report, limits,
// cancellation and timestamps (decode_frames below). A backend only turns an input into
// pictures. Any plugin registers backends with a name and a rank:
//
//   static void register_nodes(vidpipe::Registry& r) { r.add_backend<MyBackend>(); }
//
// and the runtime then offers node type `decode.<name>` (the decode node pinned to that
// backend), and `decode.auto` tries every backend that takes the input, highest rank first,
// falling back only before the first frame went downstream and never on a LimitError.
//
// (Work in progress: the DecoderBackend virtuals are being moved here from media/; this file
// fixes the outer contract: spec, factory, walk options and statistics, decode_frames.)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/node.hpp"

namespace vidpipe {

// GStreamer's ranks: decode.auto tries higher ranks first; a backend of rank kRankNone is used
// only when named (decode.<name>, or decode.auto's `backends` list).
inline constexpr int kRankPrimary = 256, kRankSecondary = 128, kRankMarginal = 64, kRankNone = 0;

struct DecoderBackendSpec {
  // type "decode.<name>", doc, and the backend's own parameters (and renames) only: the shape,
  // role, ports and the decode node's parameters are added by the runtime.
  NodeSpec contract;
  int rank = kRankNone;
  // VideoInfo::container values it takes; empty = any video, but never a frame sequence
  // ("image_sequence") unless listed.
  std::vector<std::string> containers;
  bool local_files_only = false;  // skipped, with the reason recorded, for http/base64/stdin inputs
  VIDPIPE_API std::string name() const;  // contract.type after "decode."
};

// Safety limits every backend is held to (docs/input-safety.md): LimitError is final.
struct DecodeLimits {
  using Clock = std::chrono::steady_clock;
  double max_duration = 3600;             // seconds of video, 0 = none
  int64_t max_pixels = 8192LL * 8192;     // per frame
  int64_t max_frames = 500000;            // frames decoded per input
  Clock::time_point deadline{};           // wall-clock end for this input; epoch = none
  double deadline_s = 0;                  // the same, as configured (for messages)
};

class DecoderBackend;  // the virtuals: see below
using DecoderBackendFactory = std::function<std::unique_ptr<DecoderBackend>(const Params&)>;

// How the walk decodes a plan (the decode node's parameters).
struct WalkOptions {
  std::string seek_mode = "exact";        // "exact" | "approximate" (keyframe at or before)
  std::string on_decode_error = "skip";   // "skip" | "fail"
  double max_corrupt_ratio = 0.5;         // skip mode: fail above this share of damage
  int threads = 0;                        // decoder threads, 0 = backend's choice
  bool autorotate = true;
  DecodeLimits limits;                    // the deadline already started
  std::function<bool()> cancelled;        // polled often; true = stop without an error
};

// What the walk did (the decode node's note "decode", and its damage report).
struct WalkStats {
  int64_t decoded_frames = 0, returned_frames = 0, packets_sent = 0, packets_skipped = 0, seeks = 0;
  int64_t corrupt_packets = 0, corrupt_frames = 0, missing_frames = 0, unmapped_frames = 0;
  std::string strategy;                   // "seek", "sequential", "keyframes", "output order"
  std::vector<int64_t> approximate_from;  // approximate mode: requested index per frame
  int64_t restart_from = -1;              // damage under frame threads: went on single-threaded
  std::string restart_reason;
};

// Decodes plan->indices with `backend` (opening it on plan->info), calling on_frame for each
// planned index in order (stop when it returns false). Frames, counts and errors are those of a
// single-threaded decode at any thread count. Throws Error / LimitError.
VIDPIPE_API WalkStats decode_frames(DecoderBackend& backend, const PlanPtr& plan, const WalkOptions& opt,
                                    const std::function<bool(FramePtr)>& on_frame);

}  // namespace vidpipe
