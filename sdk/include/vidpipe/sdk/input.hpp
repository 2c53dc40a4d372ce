// What a job's `video` string names: one classification for the runtime (output names, input
// keys) and for every node that opens inputs (libvidpipe_media, third-party probes and decoders).
//
//   File      a local path or a file:// URL;
//   Http      http:// or https://;
//   Base64    `data:video/...;base64,...` or a long raw base64 string (not an existing file);
//   Stdin     "-";
//   Sequence  frame images: an existing folder, a glob that is not an existing file, or a JSON
//             list of image files ('["a.jpg", "b.jpg"]').
// Other URL schemes classify as File (opening them fails: "unsupported URL scheme").
// Touches only the file system, never the network.
#pragma once

#include <cstdint>
#include <string>

#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

enum class InputKind : uint8_t { File, Http, Base64, Stdin, Sequence };
VIDPIPE_API const char* to_string(InputKind k);  // "file", "http", "base64", "stdin", "image_sequence"

VIDPIPE_API InputKind classify_input(const std::string& input);

// A short name for messages: paths and URLs as given (shortened when long), "stdin",
// "base64 input (N chars)". Never the whole base64 text.
VIDPIPE_API std::string input_display_name(const std::string& input);

// "file:///a/b%20c" -> "/a/b c" (percent-decoded, "localhost" dropped); anything else unchanged.
VIDPIPE_API std::string file_url_path(const std::string& input);

}  // namespace vidpipe
