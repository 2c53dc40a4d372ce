// Safety limits (limits.hpp).
#include "vidpipe/sdk/limits.hpp"

#include <cstdio>

#include "vidpipe/sdk/error.hpp"

namespace vidpipe {

namespace {
std::string number(double v, const char* format = "%g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}
}  // namespace

NodeSpec& declare_decode_limits(NodeSpec& s) {
  const DecodeLimits d;
  return s.integer("max_decoded_frames", d.max_frames, 1, 1e12, "most frames decoded per input (a safety limit)")
      .number("max_duration", d.max_duration, 0, 1e9, "longest video accepted, seconds (0 = no limit)")
      .integer("max_input_pixels", d.max_pixels, 1, 1LL << 40, "most pixels per frame (a safety limit)")
      .number("deadline", 600, 0, 1e9, "seconds allowed per input (0 = no limit)")
      .rename("max_pixels", "max_input_pixels", kRenamedMaxPixels);
}

DecodeLimits decode_limits(const Params& p) {
  DecodeLimits lim;
  lim.max_frames = p.get<int64_t>("max_decoded_frames");
  lim.max_duration = p.get<double>("max_duration");
  lim.max_pixels = p.get<int64_t>("max_input_pixels");
  lim.deadline_s = p.get<double>("deadline");
  return lim;
}

void start_deadline(DecodeLimits& lim) {
  lim.deadline = lim.deadline_s > 0 ? DecodeLimits::Clock::now() + std::chrono::duration_cast<DecodeLimits::Clock::duration>(
                                                         std::chrono::duration<double>(lim.deadline_s))
                                    : DecodeLimits::Clock::time_point{};
}

void check_deadline(const DecodeLimits& lim, const std::string& input) {
  if (lim.deadline != DecodeLimits::Clock::time_point{} && DecodeLimits::Clock::now() > lim.deadline)
    throw LimitError(input + ": deadline of " + number(lim.deadline_s) + " s exceeded",
                     "raise the node's deadline parameter, or check that the input is not hostile");
}

void check_frame_size(int64_t width, int64_t height, int64_t max_pixels, const std::string& input) {
  if (width * height > max_pixels)
    throw LimitError(input + ": frame size " + size_text(width, height) +
                         " exceeds max_input_pixels " + std::to_string(max_pixels),
                     "raise max_input_pixels if this size is intended");
}

void check_decoded_frames(int64_t decoded, const DecodeLimits& lim, const std::string& input) {
  if (decoded > lim.max_frames)
    throw LimitError(input + ": more than max_decoded_frames (" + std::to_string(lim.max_frames) +
                         ") frames decoded", "raise decode.max_decoded_frames if this is intended");
}

void check_duration(double seconds, double max_duration, const std::string& how, const std::string& input) {
  if (max_duration > 0 && seconds > max_duration + 1e-6)
    throw LimitError(input + ": the video lasts " + number(seconds, "%.3f") + " s (" + how +
                         "), more than max_duration " + number(max_duration, "%.3f") + " s",
                     "raise max_duration if such long videos are intended");
}

}  // namespace vidpipe
