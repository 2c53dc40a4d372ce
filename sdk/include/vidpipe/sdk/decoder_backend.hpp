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
// The walk (decode_frames) calls a backend in this order: open, index, want, then next/frame
// with seek, rewind and new_decoder as its policy decides. A backend object decodes one input at
// a time on one thread; the factory makes one per decode call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/limits.hpp"  // DecodeLimits
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

// What the walk hands DecoderBackend::open.
struct BackendOpen {
  InfoPtr info;                     // the input (info->input) as probed: its index, bytes, rotation
  int threads = 0;                  // decoder threads, 0 = the backend's choice
  bool autorotate = true;           // frame(): turn pictures upright by the input's rotation
  bool strict = false;              // throw on the first decode error (on_decode_error=fail); a
                                    // frame-threaded decoder ignores it (the walk restarts)
  DecodeLimits limits;              // the deadline already started
  std::function<bool()> cancelled;  // true: next() returns -1 soon
};

struct BackendCaps {
  // Several pictures decode at once and damage can make the output vary from run to run: the
  // walk then polls troubled() and goes on single-threaded from a checkpoint when it says so.
  bool frame_threaded = false;
};

// The picture next() just produced.
struct Picture {
  static constexpr int64_t kNoPts = std::numeric_limits<int64_t>::min();
  int64_t pts = kNoPts;  // in the units of index()->pts (how the walk finds its frame index)
  double seconds = 0;    // the backend's own time for it, used when neither the probe nor the index has one
  bool damaged = false;  // the decoder concealed errors in it (pixels guessed)
};

// What a backend counts; the walk takes a snapshot at each checkpoint and restores it when it
// decodes again from there, so counts are those of one single-threaded pass.
struct DecoderCounters {
  int64_t packets_sent = 0, packets_skipped = 0, seeks = 0;
  int64_t corrupt_packets = 0;  // packets the decoder rejected
  int64_t corrupt_frames = 0;   // pictures that failed to decode (next() gave none for them)
};

// seek(): the input cannot seek there at all.
inline constexpr int64_t kSeekFailed = -2;

// The codec work of decoding one input. Throws vidpipe::Error naming the input (LimitError for
// a limit). Frame indices are presentation indices: frame i is the i-th picture presented.
class VIDPIPE_API DecoderBackend {
 public:
  virtual ~DecoderBackend();
  // Opens how.info->input (again, if it was open) at its start, checking the limits it can
  // check before decoding (frame size from headers).
  virtual BackendCaps open(const BackendOpen& how) = 0;
  // The frame index (after open): presentation order, pts and keyframes of every frame, so
  // the walk can map pictures to frames by pts and seek. An FFmpeg-like backend gives the
  // prober's (VideoInfo::index); one whose frames are all keyframes a synthetic one. Null: frame
  // i is the i-th picture next() gives from the start, and the walk never seeks.
  virtual std::shared_ptr<const PacketIndex> index() const { return nullptr; }
  // The frames the walk will ask for (ascending, may repeat). keyframes_only: approximate mode,
  // the targets are keyframes and nothing else is needed. A backend may skip work it knows is
  // safe to skip (unwanted non-reference frames, unwanted frames of an intra-only codec).
  virtual void want(const std::vector<int64_t>& targets, bool keyframes_only) { (void)targets, (void)keyframes_only; }
  // With an index only: positions the input so the next picture decodes from keyframe `key`
  // (a position in index()->keyframes), dropping what the decoder holds. Returns the frame index
  // of the key picture it landed on; -1 when it landed elsewhere (not on a keyframe of the
  // index, or at the end); kSeekFailed when the input cannot seek.
  virtual int64_t seek(int64_t key) { (void)key; return kSeekFailed; }
  // Back to the start of the input, dropping what the decoder holds (the walk gives up seeking,
  // or decodes again from the start).
  virtual void rewind() = 0;
  // Replaces the decoder by a fresh one with `threads` threads, at the input's current position.
  virtual BackendCaps new_decoder(int threads) = 0;
  // Decodes the next picture into `out`: 1 a picture, 0 the end of the stream, -1 cancelled.
  virtual int next(Picture& out) = 0;
  // The current picture (the last next() gave) as a new upright frame (RGB24 today); the walk
  // sets its index, timestamp and plan.
  virtual std::shared_ptr<Frame> frame() = 0;
  // frame_threaded only: damage may have reached a picture it let out (the walk restarts).
  virtual bool troubled() const { return false; }
  virtual DecoderCounters counters() const { return {}; }
  virtual void restore(const DecoderCounters& c) { (void)c; }
  // Why the input gave no (more) pictures, appended to the walk's end-of-stream errors
  // (" (reading stopped: ...)"); "" when nothing is known.
  virtual std::string stop_reason() const { return ""; }
  // The backend's facts for the decode note (notes.decode): color_matrix, rotation, warnings ...
  virtual json note() const { return json::object(); }
};

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
