// Chat messages through a session (README.md: Chat messages): every vision element of a Qwen
// messages list processed with its own settings (video_request.hpp), and the messages given
// back with each element resolved. What `vidpipe run --messages` and Session.process_messages
// (Python) share.
//
//   auto jobs = submit_messages(session, messages, options);   // all queued, in element order
//   for (auto& j : jobs) j.wait();
//   json resolved = resolve_messages(messages, jobs);
//
// Element i's output folder (with an output folder) is named element_<i>: never a name taken
// from the input. An element that cannot be parsed or submitted fails alone; the others go on.
#pragma once

#include <future>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/runtime/session.hpp"
#include "vidpipe/runtime/video_request.hpp"

namespace vidpipe::runtime {

struct ElementJob {
  std::size_t index = 0;  // the element's place among the vision elements
  VisionElement at;       // and in the messages
  VideoRequest request;
  std::optional<std::shared_future<Result>> result;  // none when refused before it started
  std::string error, hint;                           // why it was refused
  ErrorKind kind = ErrorKind::Input;
  void wait() const {
    if (result) result->wait();
  }
  bool ok() const { return result && result->get().usable(); }
};

// Parses and submits every vision element (Session::submit with `options`, named element_<i>).
// options.overrides are defaults for video elements, below the element's own keys.
// Throws vidpipe::Error only when `messages` is not a messages list.
std::vector<ElementJob> submit_messages(Session& session, const json& messages, const SubmitOptions& options);

// What an element became, after it finished: {"output", "frames", "resized_height",
// "resized_width", "grid_thw", "tokens", "sample_fps", "prompt", "status"}, or {"status":
// "failed", "error", "hint", "kind" (sdk/error.hpp's ErrorKind name)}. "prompt" is the model's text for the element: Qwen2/2.5
// <|vision_start|><|video_pad|>×tokens<|vision_end|> (<|image_pad|> for images), Qwen3 one
// such block per temporal group after its "<t seconds>" (docs/qwen-reference.md §6.5, §6.6).
json element_summary(const ElementJob& job);

// `messages` with each vision element's summary under the key "vidpipe".
json resolve_messages(json messages, const std::vector<ElementJob>& jobs);

}  // namespace vidpipe::runtime
