// The exception types nodes throw for bad input or bad configuration.
//
// The runtime catches everything a node throws, attaches the input, node id and stage, and
// turns it into that job's error (the batch goes on). `hint` is the fix to suggest.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

class VIDPIPE_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, std::string hint = "")
      : std::runtime_error(what), hint_(std::move(hint)) {}
  ~Error() override;
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

// A frame size as every message prints it: width x height, e.g. "1920x1080".
inline std::string size_text(int64_t width, int64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// A safety limit was reached (max_decoded_frames, max_pixels, max_duration, deadline,
// max_input_bytes, a stalled network input...). Final for the input: every backend enforces
// the same limits, so decode.auto does not try another one. Since ABI 2.0.
class VIDPIPE_API LimitError : public Error {
 public:
  using Error::Error;
  ~LimitError() override;
};

}  // namespace vidpipe
