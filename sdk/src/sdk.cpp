// Out-of-line parts of the SDK. They live in libvidpipe_sdk.so, which the runtime and every
// plugin link, so vtables and type info of the SDK classes exist exactly once.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "vidpipe/sdk.hpp"

namespace vidpipe {
namespace detail {
std::shared_ptr<uint8_t> take_scoped_slot(int width, int height, int stride, PixelFormat format);  // frame_slab.cpp
}

Error::~Error() = default;
LimitError::~LimitError() = default;
Node::~Node() = default;

void Node::process(const Data&, Emitter&, Job&) {
  throw Error("this node does not implement process()", "the node's shape says it should; fix the plugin");
}
void Node::collect(const Data&, std::vector<Data>, Emitter&, Job&) {
  throw Error("this node does not implement collect()", "only Gather nodes are called with collect()");
}
std::unique_ptr<FrameStream> Node::open_frames(const PlanPtr&, Job&) {
  throw Error("this node declares FrameUse::Stream but does not implement open_frames()", "fix the plugin");
}
FrameStream::~FrameStream() = default;

const char* to_string(FrameUse u) {
  switch (u) {
    case FrameUse::Pixels: return "pixels";
    case FrameUse::Descriptors: return "descriptors";
    case FrameUse::Stream: return "stream";
  }
  return "?";
}

const char* to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::Configuration: return "configuration";
    case ErrorKind::Input: return "input";
    case ErrorKind::Resource: return "resource";
    case ErrorKind::Internal: return "internal";
  }
  return "?";
}

int channels(PixelFormat f) {
  if (!is_packed(f))
    throw Error(std::string("pixel format ") + to_string(f) + " is planar: it has no channel count",
                "read it plane by plane (Frame::plane), or put process.convert_scale after the decoder to get "
                "packed RGB frames",
                ErrorKind::Internal);
  return f == PixelFormat::GRAY8 ? 1 : 3;
}

const char* to_string(PixelFormat f) {
  switch (f) {
    case PixelFormat::RGB24: return "rgb24";
    case PixelFormat::BGR24: return "bgr24";
    case PixelFormat::GRAY8: return "gray8";
    case PixelFormat::I420: return "i420";
    case PixelFormat::I422: return "i422";
    case PixelFormat::I444: return "i444";
    case PixelFormat::NV12: return "nv12";
    case PixelFormat::I420P10: return "i420p10";
    case PixelFormat::P010: return "p010";
  }
  return "?";
}

int bytes_per_sample(PixelFormat f) { return f == PixelFormat::I420P10 || f == PixelFormat::P010 ? 2 : 1; }

FrameMapper::~FrameMapper() = default;

namespace {

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Chroma subsampling of a planar format, as shifts: 4:2:0 (1, 1), 4:2:2 (1, 0), 4:4:4 (0, 0).
std::pair<int, int> chroma_shift(PixelFormat f) {
  switch (f) {
    case PixelFormat::I422: return {1, 0};
    case PixelFormat::I444: return {0, 0};
    default: return is_packed(f) ? std::pair{0, 0} : std::pair{1, 1};
  }
}

// Samples per pixel in plane p's rows: 2 for the interleaved UV plane of NV12 and P010.
int interleave(PixelFormat f, int p) {
  return p == 1 && (f == PixelFormat::NV12 || f == PixelFormat::P010) ? 2 : is_packed(f) ? channels(f) : 1;
}

// make_frame's row rule: whole 16-sample blocks, then a multiple of kFrameAlign bytes.
int64_t aligned_stride(int64_t samples, int interleaved, int sample_bytes) {
  return round_up(round_up(samples, kFrameBlock) * interleaved * sample_bytes, kFrameAlign);
}

// One allocation aligned by hand: aligned operator new asks malloc for more than it keeps, so a
// freed frame would not fit the next one of its size (one 4K frame more peak RSS).
std::shared_ptr<uint8_t> aligned_buffer(std::size_t bytes) {
  uint8_t* raw = new uint8_t[bytes + (kFrameAlign - 1)];
  uint8_t* aligned = raw + (-reinterpret_cast<std::uintptr_t>(raw) & (kFrameAlign - 1));
  return std::shared_ptr<uint8_t>(aligned, [raw](uint8_t*) { delete[] raw; });
}

}  // namespace

int Frame::plane_count() const {
  return packed() ? 1 : format == PixelFormat::NV12 || format == PixelFormat::P010 ? 2 : 3;
}

int Frame::plane_width(int p) const {
  if (p < 0 || p >= plane_count()) return 0;
  return p == 0 ? width : -((-width) >> chroma_shift(format).first);
}

int Frame::plane_height(int p) const {
  if (p < 0 || p >= plane_count()) return 0;
  return p == 0 ? height : -((-height) >> chroma_shift(format).second);
}

std::size_t Frame::bytes() const {
  if (memory != MemoryKind::Host) return 0;
  if (packed()) return static_cast<std::size_t>(stride) * height;
  std::size_t n = 0;
  for (int p = 0; p < plane_count(); ++p) n += static_cast<std::size_t>(strides[p]) * plane_height(p);
  return n;
}

void Frame::drop_pixels() {
  data.reset();
  planes = {};
  mapper.reset();
}

FrameBuffer make_frame(int width, int height, PixelFormat format) {
  if (!is_packed(format)) return make_planar_frame(width, height, format);
  if (width <= 0 || height <= 0) throw Error("frame size must be positive");
  // The layout data.hpp promises: whole 16-pixel blocks per row, aligned rows, padding after.
  const int64_t stride = aligned_stride(width, channels(format), 1);
  if (stride > std::numeric_limits<int>::max()) throw Error("frame size " + size_text(width, height) + " is too large");
  FrameBuffer fb;
  fb.frame = std::make_shared<Frame>();
  fb.frame->width = width;
  fb.frame->height = height;
  fb.frame->format = format;
  fb.frame->stride = static_cast<int>(stride);
  if (auto slot = detail::take_scoped_slot(width, height, fb.frame->stride, format)) {  // frame_slab.hpp
    fb.pixels = slot.get();
    fb.frame->data = std::move(slot);
    return fb;
  }
  std::shared_ptr<uint8_t> buffer = aligned_buffer(fb.frame->bytes() + kFrameAlign);
  fb.pixels = buffer.get();
  fb.frame->data = std::move(buffer);
  return fb;
}

FrameBuffer make_planar_frame(int width, int height, PixelFormat format) {
  if (is_packed(format)) return make_frame(width, height, format);
  if (width <= 0 || height <= 0) throw Error("frame size must be positive");
  FrameBuffer fb;
  fb.frame = std::make_shared<Frame>();
  Frame& f = *fb.frame;
  f.width = width;
  f.height = height;
  f.format = format;
  std::array<std::size_t, 4> offset{};
  std::size_t total = 0;
  for (int p = 0; p < f.plane_count(); ++p) {
    const int64_t stride = aligned_stride(f.plane_width(p), interleave(format, p), bytes_per_sample(format));
    if (stride > std::numeric_limits<int>::max() / 2)
      throw Error("frame size " + size_text(width, height) + " is too large");
    f.strides[p] = static_cast<int>(stride);
    offset[p] = total;  // a multiple of kFrameAlign: strides are, and so is the padding
    total += static_cast<std::size_t>(stride) * f.plane_height(p) + kFrameAlign;
  }
  std::shared_ptr<uint8_t> buffer = aligned_buffer(total);
  for (int p = 0; p < f.plane_count(); ++p) f.planes[p] = buffer.get() + offset[p];
  f.stride = f.strides[0];
  fb.pixels = buffer.get();
  f.data = std::move(buffer);
  return fb;
}

std::shared_ptr<const Frame> host_frame(const std::shared_ptr<const Frame>& f) {
  if (!f || f->memory == MemoryKind::Host) return f;
  if (!f->mapper)
    throw Error("frame " + std::to_string(f->index) + " is in device memory and has no mapper to copy it to the host",
                "the decoder that made it must set Frame::mapper (sdk/include/vidpipe/sdk/data.hpp)",
                ErrorKind::Internal);
  return f->mapper->to_host(*f);
}

static const char* kTypeNames[] = {"none", "job", "info", "plan", "frame", "clip"};

const char* to_string(DataType t) { return kTypeNames[static_cast<int>(t)]; }

std::optional<DataType> parse_data_type(const std::string& name) {
  for (int i = 0; i < 6; ++i)
    if (name == kTypeNames[i]) return static_cast<DataType>(i);
  return std::nullopt;
}

const char* to_string(Shape s) {
  switch (s) {
    case Shape::Source: return "source";
    case Shape::Map: return "map";
    case Shape::Expand: return "expand";
    case Shape::Gather: return "gather";
  }
  return "?";
}

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::Enum: return "enum";
    case ParamType::IntList: return "int list";
    case ParamType::FloatList: return "float list";
    case ParamType::StringList: return "string list";
  }
  return "?";
}

const char* to_string(Origin o) {
  switch (o) {
    case Origin::Default: return "default";
    case Origin::Profile: return "profile";
    case Origin::Graph: return "graph";
    case Origin::CommandLine: return "command line";
  }
  return "?";
}

static const char* kRoleNames[] = {"source",    "prober",   "sampler",   "planner",  "decoder",
                                   "processor", "gatherer", "tokenizer", "formatter"};

const char* to_string(Role r) { return kRoleNames[static_cast<int>(r)]; }

std::optional<Role> parse_role(const std::string& name) {
  for (int i = 0; i < 9; ++i)
    if (name == kRoleNames[i]) return static_cast<Role>(i);
  return std::nullopt;
}

// ---- NodeSpec builders ----
NodeSpec& NodeSpec::flag(std::string name, bool def, std::string d) {
  params.push_back({std::move(name), ParamType::Bool, json(def), {}, {}, {}, std::move(d)});
  return *this;
}
NodeSpec& NodeSpec::integer(std::string name, json def, double min, double max, std::string d) {
  params.push_back({std::move(name), ParamType::Int, std::move(def), min, max, {}, std::move(d)});
  return *this;
}
NodeSpec& NodeSpec::number(std::string name, json def, double min, double max, std::string d) {
  params.push_back({std::move(name), ParamType::Float, std::move(def), min, max, {}, std::move(d)});
  return *this;
}
NodeSpec& NodeSpec::text(std::string name, json def, std::string d) {
  params.push_back({std::move(name), ParamType::String, std::move(def), {}, {}, {}, std::move(d)});
  return *this;
}
NodeSpec& NodeSpec::choice(std::string name, std::string def, std::vector<std::string> choices, std::string d) {
  params.push_back({std::move(name), ParamType::Enum, json(def), {}, {}, std::move(choices), std::move(d)});
  return *this;
}
NodeSpec& NodeSpec::list(std::string name, ParamType t, json def, std::string d) {
  params.push_back({std::move(name), t, std::move(def), {}, {}, {}, std::move(d)});
  return *this;
}
NodeSpec& NodeSpec::model_settable(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto it = std::find_if(params.begin(), params.end(), [&](const ParamSpec& p) { return p.name == name; });
    if (it == params.end())
      throw Error(type + ": model_settable names '" + name + "', which is not declared", "declare it first",
                  ErrorKind::Configuration);
    it->model_settable = true;
  }
  return *this;
}
NodeSpec& NodeSpec::rename(std::string old_name, std::string new_name, std::string why) {
  renamed.push_back({std::move(old_name), std::move(new_name), std::move(why)});
  return *this;
}
const RenamedParam* NodeSpec::find_renamed(const std::string& old_name) const {
  auto it = std::find_if(renamed.begin(), renamed.end(), [&](const RenamedParam& r) { return r.old_name == old_name; });
  return it == renamed.end() ? nullptr : &*it;
}
const ParamSpec* NodeSpec::find_param(const std::string& name) const {
  auto it = std::find_if(params.begin(), params.end(), [&](const ParamSpec& p) { return p.name == name; });
  return it == params.end() ? nullptr : &*it;
}
const PortSpec* NodeSpec::find_output(const std::string& name) const {
  auto it = std::find_if(outputs.begin(), outputs.end(), [&](const PortSpec& p) { return p.name == name; });
  return it == outputs.end() ? nullptr : &*it;
}

bool NodeSpec::takes_format(PixelFormat f) const {
  if (frame_formats.empty()) return is_packed(f);
  return std::find(frame_formats.begin(), frame_formats.end(), f) != frame_formats.end();
}

// ---- Params ----
Params::Params(json values, std::vector<std::pair<std::string, Origin>> origins)
    : values_(std::move(values)), origins_(std::move(origins)) {}

bool Params::has(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->is_null();
}

Origin Params::origin(const std::string& name) const {
  for (const auto& [n, o] : origins_)
    if (n == name) return o;
  return Origin::Default;
}

}  // namespace vidpipe
