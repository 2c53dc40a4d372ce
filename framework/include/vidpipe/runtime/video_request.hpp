// Per-video settings as Qwen's tooling writes them in a chat message's vision element, turned
// into what a Session takes (README.md: Chat messages; docs/qwen-reference.md §2):
//
//   {"type": "video", "video": "file:///a.mp4", "fps": 1.0, "max_pixels": 200704}
//     → input "file:///a.mp4", overrides {"fps": 1.0, "max_pixels": 200704}
//
// The one parser for `vidpipe run --messages`, Session.process_messages (Python) and manifest
// lines (one such object per line). Keys of qwen-vl-utils: fps, nframes, min_frames, max_frames,
// min_pixels, max_pixels, total_pixels, resized_height, resized_width, video_start, video_end.
// Other bare keys ("type", "text", keys of newer qwen-vl-utils) are ignored, as qwen-vl-utils
// ignores them; "node.param" keys are vidpipe's own per-video overrides and pass through (the
// session checks them). A value of the wrong type is one error naming the element and the key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/error.hpp"

namespace vidpipe::runtime {

struct ResolvedGraph;

struct VideoRequest {
  enum class Kind { Video, Image };
  Kind kind = Kind::Video;
  std::string input;                // what Session::submit takes: a path, URL, or a JSON list of frame images
  json overrides = json::object();  // SubmitOptions::overrides
};

// One vision element or manifest line. `where` names it in errors ("element 2"). Throws
// vidpipe::Error (kind Input) for a missing or unusable "video"/"image" and for a bad key.
VideoRequest parse_video_request(const json& element, const std::string& where);

// One line of a manifest (JSON Lines: one such object per line, e.g.
// {"video": "/data/a.mp4", "nframes": 16}); `line_no` (1-based) names it in errors. A blank line
// gives nullopt. Text that is not JSON is an error naming the line.
std::optional<VideoRequest> parse_manifest_line(const std::string& text, std::size_t line_no);

// An image goes through the video graph as a frame list of the image twice (Qwen's processor
// tiles an image to temporal_patch_size frames: grid_t 1), sized by the image rule
// (docs/qwen-reference.md §3: smart_resize with the image bounds). Returns the overrides that
// make the graph's video rule compute exactly that: the graph's image_min/max_pixels (or the
// element's min_pixels/max_pixels) as the per-frame bounds, no total budget, 2 frames.
json image_overrides(const ResolvedGraph& graph, const json& element_overrides);

// Where a vision element sits in a messages list.
struct VisionElement {
  std::size_t message = 0, content = 0;
};

// The vision elements of a Qwen messages list ([{"role", "content": [...]}, ...]) in order:
// content items with a "video", "image" or "image_url" key, or such a "type". A message whose
// content is a string has none. Throws vidpipe::Error when `messages` is not a list of messages.
std::vector<VisionElement> vision_elements(const json& messages);

}  // namespace vidpipe::runtime
