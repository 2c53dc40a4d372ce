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

int channels(PixelFormat f) { return f == PixelFormat::GRAY8 ? 1 : 3; }

const char* to_string(PixelFormat f) {
  switch (f) {
    case PixelFormat::RGB24: return "rgb24";
    case PixelFormat::BGR24: return "bgr24";
    case PixelFormat::GRAY8: return "gray8";
  }
  return "?";
}

FrameBuffer make_frame(int width, int height, PixelFormat format) {
  if (width <= 0 || height <= 0) throw Error("frame size must be positive");
  // The layout data.hpp promises: whole 16-pixel blocks per row, aligned rows, padding after.
  auto round_up = [](int64_t v, int64_t m) { return (v + m - 1) / m * m; };
  const int64_t stride = round_up(round_up(width, kFrameBlock) * channels(format), kFrameAlign);
  if (stride > std::numeric_limits<int>::max())
    throw Error("frame size " + std::to_string(width) + "x" + std::to_string(height) + " is too large");
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
  // Aligned by hand in a plain allocation: aligned operator new asks malloc for more than it
  // keeps, so a freed frame would not fit the next one of its size (one 4K frame more peak RSS).
  uint8_t* raw = new uint8_t[fb.frame->bytes() + kFrameAlign + (kFrameAlign - 1)];
  uint8_t* aligned = raw + (-reinterpret_cast<std::uintptr_t>(raw) & (kFrameAlign - 1));
  std::shared_ptr<uint8_t> buffer(aligned, [raw](uint8_t*) { delete[] raw; });
  fb.pixels = buffer.get();
  fb.frame->data = std::move(buffer);
  return fb;
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
