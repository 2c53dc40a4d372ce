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

enum class PixelFormat : uint8_t { RGB24, BGR24, GRAY8 };
VIDPIPE_API int channels(PixelFormat f);
VIDPIPE_API const char* to_string(PixelFormat f);

// One picture. Pixels are 8-bit interleaved rows; `data` owns them (it may be a decoder's
// buffer kept alive by its deleter, so no copy is needed to hand a frame on). Rows are `stride`
// bytes apart and only their first width * channels bytes are pixels: read them through row(y),
// never as one packed block. A frame whose `data` is null is a descriptor: a clip's frame whose
// pixels were streamed to the writers and freed (node.hpp: FrameUse); only nodes that declare
// FrameUse::Descriptors or Stream are handed one.
struct Frame {
  int64_t index = -1;     // presentation index in the video
  double timestamp = 0;   // seconds, from the stream's pts
  int width = 0, height = 0, stride = 0;  // stride in bytes
  PixelFormat format = PixelFormat::RGB24;
  std::shared_ptr<const uint8_t> data;
  std::shared_ptr<const SamplePlan> plan;  // the plan the frame was decoded for

  const uint8_t* row(int y) const { return data.get() + static_cast<std::size_t>(y) * stride; }
  std::size_t bytes() const { return static_cast<std::size_t>(stride) * height; }
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
