// The node contract: what a node declares before it runs (NodeSpec) and the three calls the
// runtime makes on it (constructor, process/collect, destructor).
//
// Shapes (cf. MediaPipe's GetContract, DALI's schema):
//   Source  0 → N  called once per run with no input; emits jobs. Runs on a blocking-work
//                  thread; emit() waits while `max_in_flight` of its items are alive.
//   Map     1 → ≤1 per output port (a Map without outputs is a sink). Runs on TBB workers.
//   Expand  1 → N  e.g. a decoder: one plan in, many frames out. Runs on a blocking-work thread
//                  and emit() waits while `max_in_flight` of its items are in flight, so memory
//                  does not grow with video length.
//   Gather  N → 1  receives, once per Expand call upstream, that call's input (`parent`) and all
//                  its items in emission order. The runtime does the buffering and ordering.
//
// Streaming (since ABI 3.0; GStreamer's caps / buffers / EOS): nodes that take a Clip declare
// how they use its frames' pixels (FrameUse). Below a gather that hands its frames on unchanged,
// a writer that streams gets each frame as soon as it and all before it were decoded, and the
// clip itself (whose frames are then descriptors: no pixels) last. The gather holds pixels only
// when some node downstream still reads them, or the caller keeps the clip in memory, so a run
// whose writers stream holds a few frames, not the clip (README.md: Writers stream).
//
// Concurrency: 1 = serial (never called concurrently), 0 = unlimited, N = at most N at once.
// A node that is not serial must be reentrant: keep per-call state on the stack.
//
// Errors: throw vidpipe::Error (or anything derived from std::exception). The runtime catches
// it, marks the job failed with the node id and the message, and the batch goes on. A damaged
// input whose output is still usable is not an error: report it with Job::mark_partial().
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/error.hpp"
#include "vidpipe/sdk/params.hpp"

namespace vidpipe {

enum class Shape : uint8_t { Source, Map, Expand, Gather };
VIDPIPE_API const char* to_string(Shape s);

// What a node is for in a pipeline (since ABI 3.0). Tools rely on it, never on type names:
// `vidpipe plan` runs a graph up to its planners and stops before the first decoder.
enum class Role : uint8_t {
  Source,     // starts jobs (source.inputs)
  Prober,     // learns a video's facts without decoding pixels (Job -> Info)
  Sampler,    // picks the frames (Info -> Plan)
  Planner,    // a model's planning: sizes, tokens and memory before decoding (Plan -> Plan)
  Decoder,    // turns a plan into frames (Plan -> Frame)
  Processor,  // transforms items (resize, convert ...); the default
  Gatherer,   // collects a decoder's items into one (Frame -> Clip)
  Tokenizer,  // a model's token accounting (Clip -> Clip)
  Formatter,  // writes outputs: files, metadata, messages
};
VIDPIPE_API const char* to_string(Role r);
VIDPIPE_API std::optional<Role> parse_role(const std::string& name);

// How a node uses the pixels of the frames it receives in clips (since ABI 3.0). The default is
// the safe one; the others let the runtime free pixels early (see Streaming above).
enum class FrameUse : uint8_t {
  Pixels,       // reads the pixels when the clip arrives (the default)
  Descriptors,  // reads only index, timestamp, size and format, and hands the same frames on
                // (a tokens node, metadata; gather.clip, whose clip is its items in order)
  Stream,       // takes the pixels one frame at a time (Node::open_frames), then hands the same
                // frames on; the clip arrives last, through FrameStream::close
};
VIDPIPE_API const char* to_string(FrameUse u);

struct PortSpec {
  std::string name;
  DataType type = DataType::None;
  std::string doc;
};

// A parameter that was renamed: the old name is refused with a message that names the new one.
struct RenamedParam {
  std::string old_name, new_name, why;
};

struct VIDPIPE_API NodeSpec {
  std::string type;  // "family.name", the YAML type
  std::string doc;   // one line
  Shape shape = Shape::Map;
  Role role = Role::Processor;
  FrameUse frame_use = FrameUse::Pixels;
  int concurrency = 1;
  std::vector<PortSpec> inputs, outputs;
  std::vector<ParamSpec> params;
  std::vector<RenamedParam> renamed;
  // The frame formats the node's frame input takes (since ABI 3.0); empty: packed host frames
  // (RGB24, BGR24, GRAY8), which every node before planar frames assumed. A node whose
  // parameter `pixel_format` is `native` emits the decoder's own formats (planar YUV, data.hpp):
  // the runtime refuses a graph that feeds them to a node that does not take them.
  std::vector<PixelFormat> frame_formats;

  NodeSpec() = default;
  NodeSpec(std::string type_name, std::string one_line_doc)
      : type(std::move(type_name)), doc(std::move(one_line_doc)) {}

  // Builder helpers, so a contract reads as a short declaration.
  NodeSpec& with_shape(Shape s) { shape = s; return *this; }
  NodeSpec& with_role(Role r) { role = r; return *this; }
  NodeSpec& uses_frames(FrameUse u) { frame_use = u; return *this; }
  NodeSpec& takes_formats(std::vector<PixelFormat> f) { frame_formats = std::move(f); return *this; }
  NodeSpec& serial() { concurrency = 1; return *this; }
  NodeSpec& parallel(int n = 0) { concurrency = n; return *this; }
  NodeSpec& input(std::string name, DataType t, std::string d = "") {
    inputs.push_back({std::move(name), t, std::move(d)}); return *this;
  }
  NodeSpec& output(std::string name, DataType t, std::string d = "") {
    outputs.push_back({std::move(name), t, std::move(d)}); return *this;
  }
  NodeSpec& flag(std::string name, bool def, std::string d);
  NodeSpec& integer(std::string name, json def, double min, double max, std::string d);
  NodeSpec& number(std::string name, json def, double min, double max, std::string d);
  // A text parameter named "file" is the node's output file name in each input's folder: the
  // runtime refuses a graph where two nodes would write the same one.
  NodeSpec& text(std::string name, json def, std::string d);
  NodeSpec& choice(std::string name, std::string def, std::vector<std::string> choices, std::string d);
  NodeSpec& list(std::string name, ParamType t, json def, std::string d);
  // Marks declared parameters as ones a model profile may set (ParamSpec::model_settable).
  NodeSpec& model_settable(const std::vector<std::string>& names);
  // `old_name` is no longer a parameter: setting it is an error naming `new_name` (and why).
  NodeSpec& rename(std::string old_name, std::string new_name, std::string why = "");

  const ParamSpec* find_param(const std::string& name) const;
  const RenamedParam* find_renamed(const std::string& old_name) const;
  const PortSpec* find_output(const std::string& name) const;
  bool takes_format(PixelFormat f) const;  // f is in frame_formats (or packed, when it is empty)
};

// Per-job services a node may use. Thread-safe.
class VIDPIPE_API Job {
 public:
  virtual const VideoJob& video() const = 0;
  // Records a fact in this job's metadata under `key` (e.g. "backend_used"). Last write wins.
  virtual void note(const std::string& key, json value) = 0;
  virtual json notes() const = 0;
  // The effective configuration of the whole graph, as `vidpipe run --dry-run` prints it.
  virtual const json& config() const = 0;
  // Busy seconds per node spent on this job so far, and wall seconds since the job started.
  virtual json timing() const = 0;
  // True once the run is interrupted or this job already failed: stop early.
  virtual bool cancelled() const = 0;
  // The output is usable but the input is damaged (truncated, frames that do not decode and
  // were answered by a neighbour, fewer frames than its header lists): unless it fails, the job
  // ends with status "partial" and this description, one line; several reports are joined
  // with "; ". Since ABI 2.0.
  virtual void mark_partial(const std::string& damage) = 0;
  // What mark_partial() recorded so far, "" when nothing (e.g. for metadata.json).
  virtual std::string damage() const = 0;

 protected:
  ~Job() = default;
};

class VIDPIPE_API Emitter {
 public:
  // Sends an item to output `port`. Returns false when the receiver side is gone (run
  // interrupted, job failed): stop producing and return.
  virtual bool emit(Data item, int port = 0) = 0;

 protected:
  ~Emitter() = default;
};

// A writer's frames of one clip, as they are decoded (FrameUse::Stream). The runtime calls
// write() once per frame of the clip, in order, from one thread at a time, then close() with
// the clip when it reaches the node (instead of process()). A stream destroyed without close()
// (the job failed or was cancelled) must leave nothing behind: OutputFile does that.
class VIDPIPE_API FrameStream {
 public:
  virtual ~FrameStream();
  virtual void write(const FramePtr& frame) = 0;  // may keep the frame (e.g. a temporal group)
  // The clip: the same frames, as descriptors when no node needs their pixels any more.
  virtual void close(const ClipPtr& clip, Emitter& out, Job& job) = 0;
};

// process() of a writer that streams, for a clip that arrives whole (a graph run node by node, or
// no decoder upstream): the clip's frames through `stream`, then close(). Without a stream
// (nothing to write for this job) the clip passes on unchanged.
inline void write_whole_clip(std::unique_ptr<FrameStream> stream, const Data& in, Emitter& out, Job& job) {
  const ClipPtr& clip = std::get<ClipPtr>(in);
  if (!stream) return (void)out.emit(in);
  for (const auto& f : clip->frames) stream->write(f);
  stream->close(clip, out, job);
}

class VIDPIPE_API Node {
 public:
  virtual ~Node();
  // Source, Map, Expand: one call per input item (Source: once, with an empty `in`).
  virtual void process(const Data& in, Emitter& out, Job& job);
  // Gather: one call per group, items in emission order.
  virtual void collect(const Data& parent, std::vector<Data> items, Emitter& out, Job& job);
  // FrameUse::Stream: a stream for the frames decoded for `plan`, opened before the first one
  // arrives (the frame count is plan.indices.size(), their size comes with the first).
  // nullptr: nothing to write for this job; process() then gets the clip, whose frames may be
  // descriptors.
  virtual std::unique_ptr<FrameStream> open_frames(const PlanPtr& plan, Job& job);
};

using NodeFactory = std::function<std::unique_ptr<Node>(const Params&)>;

}  // namespace vidpipe
