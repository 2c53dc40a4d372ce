// Safety limits every decoder is held to (docs/input-safety.md §2.5): every loop over packets,
// frames or images is bounded by them, so hostile or broken input ends in a clear error, never a
// hang. Each check throws vidpipe::LimitError (error.hpp), which is final for the input:
// decode.auto does not fall back to another backend, since every backend enforces the same
// limits under the same names. (In libvidpipe_sdk since ABI 3.0, for backends of any plugin.)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "vidpipe/sdk/node.hpp"
#include "vidpipe/sdk/params.hpp"
#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

inline constexpr int64_t kDefaultMaxPixels = 8192LL * 8192;

struct DecodeLimits {
  using Clock = std::chrono::steady_clock;
  double max_duration = 3600;              // seconds of video (header and packets), 0 = none
  int64_t max_pixels = kDefaultMaxPixels;  // per frame
  int64_t max_frames = 500000;             // frames decoded per input (decode only)
  Clock::time_point deadline{};            // wall-clock end for this input; epoch = none
  double deadline_s = 0;                   // the same, as configured (for messages)
};

// The decoders' limit parameters: max_decoded_frames, max_duration, max_input_pixels, deadline.
// Safety caps on inputs are named max_input_*, never like a model's parameter (a profile's
// max_pixels is a resize budget): the old name is refused with this reason.
inline constexpr const char* kRenamedMaxPixels = "the per-frame safety limit; max_pixels is the resize budget";
VIDPIPE_API NodeSpec& declare_decode_limits(NodeSpec& s);
// Limits from those parameters; the deadline is not started (see start_deadline).
VIDPIPE_API DecodeLimits decode_limits(const Params& p);
// Sets lim.deadline to now + lim.deadline_s (none when deadline_s is 0).
VIDPIPE_API void start_deadline(DecodeLimits& lim);

// Each throws LimitError naming `input`, the limit and the parameter that raises it.
// Once `lim.deadline` has passed: "<input>: deadline of N s exceeded".
VIDPIPE_API void check_deadline(const DecodeLimits& lim, const std::string& input);
// A frame of w×h pixels (from a header, before anything of that size is allocated).
VIDPIPE_API void check_frame_size(int64_t width, int64_t height, int64_t max_pixels, const std::string& input);
// `decoded` frames decoded so far for this input.
VIDPIPE_API void check_decoded_frames(int64_t decoded, const DecodeLimits& lim, const std::string& input);
// `seconds` of video, known `how` ("by its header", "by its packets").
VIDPIPE_API void check_duration(double seconds, double max_duration, const std::string& how, const std::string& input);

}  // namespace vidpipe
