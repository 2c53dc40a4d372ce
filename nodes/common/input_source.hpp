// Where a job's `video` string points, and how FFmpeg is allowed to read it.
//
// Kinds of input (classify()):
//   File      a local path or a file:// URL (read with only the `file` protocol);
//   Http      http:// or https:// (FFmpeg's own http/tls/tcp, whitelisted per scheme,
//             connect/read timeouts, no redirects, download size capped);
//   Base64    `data:video/...;base64,...` or a long raw base64 string (decoded into memory);
//   Stdin     "-" (read once per process into memory);
//   Sequence  a frame folder, a glob or a JSON list of image files (see image_sequence.hpp:
//             FFmpeg never opens these).
//
// Every opened context reads through a custom AVIOContext that vidpipe owns (memory inputs
// never touch a temp file), the detected container is checked against a whitelist of real
// containers before the demuxer is opened (playlists such as hls, dash, concat can make FFmpeg
// fetch other URLs or files named inside the media: users-and-security.md §2), and nested
// opens are restricted to the input's own protocol.
#pragma once

#include <cstdint>
#include <string>

#include "common/ffmpeg_reader.hpp"

namespace vidpipe::av {

enum class InputKind : uint8_t { File, Http, Base64, Stdin, Sequence };
const char* to_string(InputKind k);

// Settings for reading inputs. The process defaults come from the environment:
//   VIDPIPE_NET_TIMEOUT      seconds, connect and read timeout of http(s) inputs (default 5)
//   VIDPIPE_MAX_INPUT_BYTES  max bytes downloaded or held in memory per input (default 1 GiB)
//   VIDPIPE_ALLOW_PLAYLISTS  1 = allow hls/dash playlists (default 0: refused)
struct InputOptions {
  double timeout_s = 5.0;
  int64_t max_input_bytes = int64_t{1} << 30;
  bool allow_playlists = false;
  int64_t max_pixels = kDefaultMaxPixels;  // for headers checked before FFmpeg allocates
  static const InputOptions& defaults();
};

InputKind classify(const std::string& input);

// A short name for messages: paths and URLs as given (shortened when long), "stdin",
// "base64 input (N chars)". Never the whole base64 text.
std::string display_name(const std::string& input);

// Opens any non-sequence input with the rules above and reads the stream headers
// (avformat_find_stream_info). Throws vidpipe::Error naming the input, the problem and the fix.
FormatPtr open_format(const std::string& input, const InputOptions& opt = InputOptions::defaults());

// Frees the custom I/O that open_format() attached to `fmt`; call after avformat_close_input
// (FormatCloser does). `opaque` is fmt->opaque as it was before closing.
void release_custom_io(void* opaque);

// The bytes of a memory input (base64 or stdin), checked against max_input_bytes before
// decoding. Exposed for tests.
std::string decode_base64_input(const std::string& input, int64_t max_bytes);

}  // namespace vidpipe::av
