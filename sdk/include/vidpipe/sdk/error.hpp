// The exception types nodes throw for bad input or bad configuration.
//
// The runtime catches everything a node throws, attaches the input, node id and stage, and
// turns it into that job's error (the batch goes on). `hint` is the fix to suggest; `kind` says
// whose fix it is, so callers branch on it instead of reading messages (README "Errors").
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

// Since ABI 3.0. What went wrong, by who can fix it:
enum class ErrorKind : uint8_t {
  Configuration,  // the graph, a parameter, a profile, a plugin: fix the command or the YAML
  Input,          // this input is unreadable, damaged beyond use or not a video: fix the input
  Resource,       // a safety limit, the deadline, memory, disk or the network: raise the limit
                  // or retry; the input itself may be fine (every LimitError)
  Internal,       // a bug (an exception that is not a vidpipe::Error): report it
};
VIDPIPE_API const char* to_string(ErrorKind k);

class VIDPIPE_API Error : public std::runtime_error {
 public:
  // A node's error is about the input it was given unless it says otherwise.
  explicit Error(const std::string& what, std::string hint = "", ErrorKind kind = ErrorKind::Input)
      : std::runtime_error(what), hint_(std::move(hint)), kind_(kind) {}
  ~Error() override;
  const std::string& hint() const { return hint_; }
  ErrorKind kind() const { return kind_; }

 private:
  std::string hint_;
  ErrorKind kind_;
};

// A frame size as every message prints it: width x height, e.g. "1920x1080".
inline std::string size_text(int64_t width, int64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// A safety limit was reached (max_decoded_frames, max_input_pixels, max_duration, deadline,
// max_input_bytes, a stalled network input...). Final for the input: every backend enforces
// the same limits, so decode.auto does not try another one. Its kind is Resource: the limit is
// the user's budget, and raising it (the hint names the parameter) lets the input through.
// Since ABI 2.0.
class VIDPIPE_API LimitError : public Error {
 public:
  explicit LimitError(const std::string& what, std::string hint = "")
      : Error(what, std::move(hint), ErrorKind::Resource) {}
  ~LimitError() override;
};

}  // namespace vidpipe
