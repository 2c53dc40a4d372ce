// ABI and SDK version of vidpipe. A plugin records the numbers it was built with in its
// descriptor; the runtime accepts it when the major is equal and the plugin's minor is not
// newer than the runtime's (the GStreamer rule).
#pragma once

// 2.0: make_frame pads rows (data.hpp: a plugin that assumed packed rows would write wrong
// pixels, so 1.x plugins are refused); Job::mark_partial; LimitError; OutputFile.
// 3.0: Error carries a kind; NodeSpec declares a role and renamed parameters; ParamSpec says
// whether a model profile may set it; VideoInfo::index (the prober's packet index, for the
// decoder); VideoInfo::bytes (a fetched input's bytes, for the decoder); SamplePlan's typed
// fields (reasons, range, resize, tokens_plan ...; plan.hpp); NodeSpec::frame_use,
// Node::open_frames and FrameStream (writers that stream, node.hpp); a Frame without pixels is
// a descriptor; OutputFile::rewrite_head; decoder backends (DecoderBackend, decode_frames,
// DecodeLimits: decoder_backend.hpp); Registry::add_decoder_backend (plugin.hpp); planar and device
// frames (Frame::planes/strides, memory, color, mapper, orient; make_planar_frame, host_frame,
// drop_pixels) and NodeSpec::frame_formats.
#define VIDPIPE_ABI_MAJOR 3
#define VIDPIPE_ABI_MINOR 0
#define VIDPIPE_VERSION "0.1.0"

#if defined(__GNUC__)
#define VIDPIPE_API __attribute__((visibility("default")))
#else
#define VIDPIPE_API
#endif

// Compiler identity: host and plugins must agree (same C++ ABI, same standard library).
#if defined(__clang__)
#define VIDPIPE_COMPILER "clang-" __clang_version__
#elif defined(__GNUC__)
#define VIDPIPE_STR2(x) #x
#define VIDPIPE_STR(x) VIDPIPE_STR2(x)
#define VIDPIPE_COMPILER "gcc-" VIDPIPE_STR(__GNUC__)
#else
#define VIDPIPE_COMPILER "unknown"
#endif
