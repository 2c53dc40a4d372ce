// Where a job's `video` string points, and how FFmpeg is allowed to read it.
//
// Kinds of input (vidpipe/sdk/input.hpp: classify_input, the runtime's classification too) and
// how each is read:
//   File      only with the `file` protocol;
//   Http      FFmpeg's own http/tls/tcp, whitelisted per scheme, connect/read timeouts and a
//             stall rule, no redirects, download size capped;
//   Base64    decoded into memory;
//   Stdin     read once per process into memory;
//   Sequence  see image_sequence.hpp: FFmpeg never opens these.
//
// Every opened context reads through a custom AVIOContext that vidpipe owns (memory inputs
// never touch a temp file), the detected container is checked against a whitelist of real
// containers before the demuxer is opened (playlists such as hls, dash, concat can make FFmpeg
// fetch other URLs or files named inside the media: docs/input-safety.md §2), and nested
// opens are restricted to the input's own protocol.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <vidpipe/sdk/input.hpp>
#include <vidpipe/sdk/node.hpp>
#include <vidpipe/sdk/params.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>

namespace vidpipe::av {

class InputData;

// Settings for reading inputs: InputOptions (ffmpeg_reader.hpp), from node parameters.
// The parameters every node that opens inputs with FFmpeg declares (probe.ffmpeg,
// decode.ffmpeg; decode.auto forwards them): net_timeout, max_input_bytes, allow_playlists,
// tls_verify. There are no environment overrides: what applies is in --dry-run and metadata.
inline NodeSpec& declare_input_params(NodeSpec& s) {
  const InputOptions d;
  return s.number("net_timeout", d.net_timeout, 0.1, 3600,
                  "seconds: connect and read timeout of http(s) inputs; a server that sends less "
                  "than 64 KiB in this time is stalled")
      .integer("max_input_bytes", d.max_input_bytes, 1, 1LL << 50,
               "most bytes downloaded (http) or held in memory (base64, stdin) per input")
      .flag("allow_playlists", d.allow_playlists,
            "accept hls/dash playlists (they make FFmpeg fetch the URLs they name): trusted inputs only")
      .flag("tls_verify", d.tls_verify, "https: verify the server certificate against the system CA store");
}
inline InputOptions input_options(const Params& p) {
  InputOptions o;
  o.net_timeout = p.get<double>("net_timeout");
  o.max_input_bytes = p.get<int64_t>("max_input_bytes");
  o.allow_playlists = p.get<bool>("allow_playlists");
  o.tls_verify = p.get<bool>("tls_verify");
  return o;
}

// Opens any non-sequence input with the rules above and reads the stream headers
// (avformat_find_stream_info). Throws vidpipe::Error naming the input, the problem and the fix.
// `data`: the input's bytes, read once per job (input_data.hpp); null: loaded here.
FormatPtr open_format(const std::string& input, const InputOptions& opt = {},
                      std::shared_ptr<InputData> data = nullptr);

// After a read of `fmt` (opened by open_format) failed: throws LimitError when vidpipe's rules
// stopped it (download over max_input_bytes, a server stalled for net_timeout, the deadline;
// see input_io.hpp), Error when the job was cancelled; returns for the input's own errors.
void check_read_stop(const AVFormatContext* fmt);

// Frees the custom I/O that open_format() attached to `fmt`; call after avformat_close_input
// (FormatCloser does). `opaque` is fmt->opaque as it was before closing.
void release_custom_io(void* opaque);

// The bytes of a memory input (base64 or stdin), checked against max_input_bytes before
// decoding. Exposed for tests.
std::string decode_base64_input(const std::string& input, int64_t max_bytes);

}  // namespace vidpipe::av
