// The closed set of types that travel on graph edges.
//
// Every item is created once by the node that produces it and is then immutable: edges carry
// std::shared_ptr<const T>, so fan-out and buffering never copy pixels. A node that "changes"
// an item makes a new one that shares what it did not change (a Clip shares its Frames).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "vidpipe/sdk/packet_index.hpp"
#include "vidpipe/sdk/version.hpp"

namespace vidpipe {

using json = nlohmann::ordered_json;

// JSON text that never throws: input names and paths are bytes, not always UTF-8 (a Latin-1
// file name); invalid bytes are written as U+FFFD. Use it for anything holding input-derived text.
inline std::string json_text(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// One input of a run: what the user named, and where its outputs go.
struct VideoJob {
  std::string input;    // path, file:// or http(s) URL, "-", base64, frame folder ...
  std::string name;     // output folder name (the input's stem, made unique in a batch)
  std::size_t index = 0;  // position in the batch
  std::string out_dir;  // folder this job's writers write into; empty when the run has no -o
};

// What a prober learned about a video without decoding pixels.
// The bytes of an input that is not a local file (http(s), base64, stdin), as its prober read
// them (since ABI 3.0). [data, data + size) stays valid while `owner` lives.
struct InputBytes {
  const uint8_t* data = nullptr;
  std::size_t size = 0;
  std::shared_ptr<const void> owner;
};

struct VideoInfo {
  std::string input;
  std::string container, codec, pixel_format;
  int width = 0, height = 0;  // coded size, before rotation
  int rotation = 0;           // display rotation, clockwise degrees: 0, 90, 180 or 270
  double fps = 0;             // average frame rate (frames / second)
  double duration = 0;        // seconds
  int64_t frame_count = 0;    // number of presented frames
  std::string frame_count_source;  // "header", "packets" or "decoded": how it was counted
  // Packet index, when the prober demuxed the stream (no decoding); empty when it did not:
  std::vector<int64_t> keyframes;   // presentation indices of keyframes, ascending
  std::vector<double> frame_times;  // presentation time of every frame, seconds (exact for VFR)
  json extra = json::object();      // anything else the prober knows (colour, audio ...)
  // Since ABI 3.0: the prober's packet index (null when it did not demux), cut to the frames
  // that decode; a decoder of `input` uses it instead of demuxing again. frame_count, keyframes
  // and frame_times agree with it.
  std::shared_ptr<const PacketIndex> index;
  // Since ABI 3.0: the input's bytes when it is not a local file (null for files and frame
  // sequences): a decoder of `input` reads them instead of fetching or decoding it again, so an
  // input is opened once per job. Held as long as this VideoInfo is.
  std::shared_ptr<const InputBytes> bytes;

  bool sideways() const { return rotation == 90 || rotation == 270; }
};

// A size a planning node decided for every frame (process.resize / smart_resize honour it).
struct PlannedSize {
  int height = 0, width = 0;
  std::string decided_by;  // node type, e.g. "qwen2_5_vl.plan"
};

// Which frames to take: a sampler's answer, computed from VideoInfo alone. The sampler owns the
// picks; planning nodes only narrow them (plan.hpp: narrow) and add what they decide.
struct SamplePlan {
  std::shared_ptr<const VideoInfo> info;
  std::vector<int64_t> indices;    // presentation indices into the whole video, ascending
  std::vector<double> timestamps;  // seconds, one per index (plan.hpp: set_timestamps)
  std::vector<std::string> reasons;  // why each index was picked ("uniform", "scene 3 middle"), one per index
  int64_t total_frames = 0;        // N the sampler used (after a time range restricted it)
  double sample_fps = 0;           // frames per second of video time the plan represents
  std::string sampler;             // node type that made the plan
  int64_t range_start = 0, range_end = -1;  // frames the sampler chose from, inclusive (-1: none set)
  std::string timestamps_from;     // "frame_times" or "index / fps" (set_timestamps)
  int64_t repeated_frames = 0;     // picks equal to the one before (a short video padded)
  std::string repeated_why;        // the sampler's reason for repeating, when repeated_frames > 0
  std::optional<PlannedSize> resize;  // set by a planning node
  json tokens_plan;                // a planning node's token/memory plan (what `vidpipe plan` prints)
  json extra = json::object();     // model- or sampler-specific leftovers only
};

// Packed formats hold interleaved 8-bit pixels in one plane; planar formats (since ABI 3.0) are
// what decoders produce: Y, U, V planes (I4xx) or Y and interleaved UV (NV12, P010), chroma
// subsampled 2x2 (4:2:0), 2x1 (4:2:2) or not at all (4:4:4). 10-bit formats store each sample in
// 16 bits, little-endian: I420P10 in the low bits (FFmpeg yuv420p10le), P010 in the high bits.
enum class PixelFormat : uint8_t { RGB24, BGR24, GRAY8, I420, I422, I444, NV12, I420P10, P010 };
// Bytes per pixel of a packed format; for a planar format it throws an Error that names the fix
// (read it plane by plane, or put process.convert_scale after the decoder).
VIDPIPE_API int channels(PixelFormat f);
VIDPIPE_API const char* to_string(PixelFormat f);
VIDPIPE_API int bytes_per_sample(PixelFormat f);  // 1, or 2 for I420P10 and P010
inline bool is_packed(PixelFormat f) { return f <= PixelFormat::GRAY8; }

// Where a frame's pixels are (since ABI 3.0). Device pixels (a GPU decoder's) are not
// addressable from the host: planes/data hold the device's handles, and host_frame() copies them.
enum class MemoryKind : uint8_t { Host, Device };

// How a planar frame's Y'CbCr becomes R'G'B', as the stream tags it (FFmpeg's numbering:
// AVColorSpace = ITU-T H.273 matrix coefficients, AVColorRange, AVChromaLocation). Converters
// treat unspecified as the ffmpeg CLI does (docs/qwen-reference.md, colour). Unused for packed frames.
struct ColorInfo {
  uint8_t matrix = 2;           // 1 BT.709, 2 unspecified, 5/6 BT.601, 9 BT.2020 ...
  uint8_t range = 0;            // 0 unspecified, 1 limited (MPEG: Y 16..235), 2 full (JPEG)
  uint8_t chroma_location = 0;  // 0 unspecified, 1 left (MPEG-2), 2 center, 3 top-left ...
};

// The operation that turns a picture upright, as the ffmpeg CLI's autorotate does from the
// stream's display matrix (transpose=clock ... ; since ABI 3.0). Decoders turn packed frames
// upright themselves (None); planar frames come as decoded and carry the operation still to apply.
enum class Orient : uint8_t { None, Clock, CClock, ClockFlip, CClockFlip, HFlip, VFlip, Rot180 };
inline bool swaps_axes(Orient o) {
  return o == Orient::Clock || o == Orient::CClock || o == Orient::ClockFlip || o == Orient::CClockFlip;
}

struct Frame;
// Makes a host copy of a device frame (a GPU decoder hands one with each frame it makes).
class VIDPIPE_API FrameMapper {
 public:
  virtual ~FrameMapper();
  virtual std::shared_ptr<const Frame> to_host(const Frame& device_frame) const = 0;
};

// One picture. `data` owns the pixels (it may be a decoder's buffer kept alive by its deleter,
// so no copy is needed to hand a frame on). A packed frame's rows are `stride` bytes apart and
// only their first width * channels bytes are pixels: read them through row(y), never as one
// packed block (planes/strides stay empty). A planar frame's plane p starts at planes[p] with
// rows strides[p] bytes apart, inside the buffer `data` owns (data.get() is plane 0 and
// stride == strides[0], so row(y) reads luma); read it through plane(p) and plane_stride(p).
// A frame whose `data` is null is a descriptor: a clip's frame whose pixels were streamed to the
// writers and freed (node.hpp: FrameUse; drop_pixels()); only nodes that declare
// FrameUse::Descriptors or Stream are handed one. Nodes are handed planar or device frames only
// when their contract takes them (NodeSpec::frame_formats).
struct VIDPIPE_API Frame {
  int64_t index = -1;     // presentation index in the video
  double timestamp = 0;   // seconds, from the stream's pts
  int width = 0, height = 0, stride = 0;  // stride in bytes
  PixelFormat format = PixelFormat::RGB24;
  std::shared_ptr<const uint8_t> data;
  std::shared_ptr<const SamplePlan> plan;  // the plan the frame was decoded for
  // Since ABI 3.0:
  std::array<const uint8_t*, 4> planes{};  // planar: each plane's first row (inside data's buffer)
  std::array<int, 4> strides{};            // planar: bytes between rows of each plane
  MemoryKind memory = MemoryKind::Host;
  ColorInfo color;
  std::shared_ptr<const FrameMapper> mapper;  // device frames: how to get a host copy
  Orient orient = Orient::None;               // still to apply to make the picture upright

  const uint8_t* row(int y) const { return data.get() + static_cast<std::size_t>(y) * stride; }
  bool packed() const { return is_packed(format); }
  int plane_count() const;          // 1 packed, 2 NV12/P010, 3 I420/I422/I444/I420P10
  int plane_width(int p) const;     // samples (NV12/P010 plane 1: UV pairs); chroma rounded up
  int plane_height(int p) const;    // rows; chroma rounded up
  const uint8_t* plane(int p) const { return packed() ? (p == 0 ? data.get() : nullptr) : planes[p]; }
  int plane_stride(int p) const { return packed() ? (p == 0 ? stride : 0) : strides[p]; }
  // Host bytes the pixels take (every plane's stride * rows); 0 for device frames.
  std::size_t bytes() const;
  // Makes this a descriptor: releases the pixels (data, planes, mapper), keeps everything else.
  void drop_pixels();
};

// A new frame to fill through `pixels` (rows `frame->stride` apart), then publish as const.
// Its buffer is laid out for the libraries frames are handed to (since ABI 2.0): swscale's
// YUV->RGB converters write rows in whole blocks of 16 pixels, SIMD kernels load 16 to 64 bytes
// at a time. The buffer starts on a kFrameAlign-byte boundary; the stride is width * channels
// rounded up to whole kFrameBlock-pixel blocks, then to a multiple of kFrameAlign; kFrameAlign
// bytes of padding follow the last row. So any row can be written to the end of its last
// 16-pixel block, and read kFrameAlign bytes past its end, without leaving the buffer. Bytes
// past width * channels are not pixels and are not initialised.
inline constexpr int kFrameAlign = 64;  // bytes
inline constexpr int kFrameBlock = 16;  // pixels
struct FrameBuffer {
  std::shared_ptr<Frame> frame;
  uint8_t* pixels = nullptr;
};
VIDPIPE_API FrameBuffer make_frame(int width, int height, PixelFormat format = PixelFormat::RGB24);
// A planar host frame (since ABI 3.0), each plane laid out by make_frame's rules: it starts on a
// kFrameAlign boundary, its stride is its row of samples rounded up to whole kFrameBlock-sample
// blocks and to a multiple of kFrameAlign, and kFrameAlign bytes of padding follow its last row.
// Fill it through frame->planes (const_cast: the buffer is the caller's until published).
// `pixels` is plane 0. A packed format gives make_frame's frame.
VIDPIPE_API FrameBuffer make_planar_frame(int width, int height, PixelFormat format);
// f itself when its pixels are on the host, else its mapper's host copy (an Error when it has none).
VIDPIPE_API std::shared_ptr<const Frame> host_frame(const std::shared_ptr<const Frame>& f);

// Token accounting of a clip, filled in by a model's tokens node.
struct TokenInfo {
  std::array<int64_t, 3> grid_thw{0, 0, 0};  // temporal groups, patch rows, patch columns
  int64_t total_tokens = 0;                  // visual tokens after spatial merging
  int64_t padded_frames = 0;                 // frames repeated to fill the last temporal group
  json extra = json::object();               // model specifics (second_per_grid_ts, prompt ...)
};

// A file a formatter wrote for a job (its final path once the job completes).
struct Artifact {
  std::string name;  // file name inside the job's folder, e.g. "frames.npy"
  std::string kind;  // "tensor", "metadata", "images" ...
  uint64_t bytes = 0;
  // Since ABI 3.0: what the file holds, for metadata.json; writers of tensors set
  // {"tensors": [{"tensor", "dtype", "shape", "layout", ...}]} (docs/outputs.md).
  json info = json::object();
};

// The frames of one video in presentation order, plus everything known about them.
struct Clip {
  std::shared_ptr<const SamplePlan> plan;
  std::vector<std::shared_ptr<const Frame>> frames;
  std::optional<TokenInfo> tokens;
  std::vector<Artifact> artifacts;
  json extra = json::object();
};

using JobPtr = std::shared_ptr<const VideoJob>;
using InfoPtr = std::shared_ptr<const VideoInfo>;
using PlanPtr = std::shared_ptr<const SamplePlan>;
using FramePtr = std::shared_ptr<const Frame>;
using ClipPtr = std::shared_ptr<const Clip>;

// What an edge carries. The alternative index is the DataType, so ports are checked and items
// dispatched on a plain enum, never on typeid across library boundaries.
using Data = std::variant<std::monostate, JobPtr, InfoPtr, PlanPtr, FramePtr, ClipPtr>;
enum class DataType : uint8_t { None = 0, Job, Info, Plan, Frame, Clip };

inline DataType type_of(const Data& d) { return static_cast<DataType>(d.index()); }
VIDPIPE_API const char* to_string(DataType t);
VIDPIPE_API std::optional<DataType> parse_data_type(const std::string& name);

}  // namespace vidpipe
