// Contracts of the runtime's decode node types (decode_contract.hpp): the walk's parameters
// (decode_frames), then the backends' own.
#include "decode/decode_contract.hpp"

#include <fmt/format.h>

#include "decode/decode_node.hpp"
#include "vidpipe/sdk/input.hpp"

namespace vidpipe::runtime {
namespace {

constexpr const char* kOutputDoc = "one RGB24 frame per planned index, in order";

// What the decode node itself reads (WalkOptions), whichever backend decodes.
NodeSpec walk_contract(std::string type, std::string doc) {
  NodeSpec s(std::move(type), std::move(doc));
  s.with_shape(Shape::Expand)
      .with_role(Role::Decoder)
      .parallel()
      .input("plan", DataType::Plan, "which frames to decode")
      .output("frames", DataType::Frame, kOutputDoc)
      .flag("autorotate", true, "turn frames upright by the display matrix, as the ffmpeg CLI does")
      .integer("threads", 0, 0, 64, "decoder threads per video, 0 = the backend's choice (one per core)")
      .choice("seek_mode", "exact", {"exact", "approximate"},
              "exact: frame i is the i-th presented frame; approximate: each planned frame is "
              "answered by the keyframe at or before it (much faster on long GOPs; the frame's "
              "index says which frame it is)")
      .choice("on_decode_error", "skip", {"skip", "fail"},
              "skip: keep the frames that decode, answer lost ones by a neighbour and report the "
              "damage; fail: the first decode error fails the job")
      .number("max_corrupt_ratio", 0.5, 0, 1,
              "skip mode: fail when damaged frames/packets exceed this share of those decoded");
  return declare_decode_limits(s);
}

// Adds `b`'s parameters and renames to `s`, a parameter already declared (same type) counting
// once. Returns why it cannot ("" when it can).
std::string add_backend_params(NodeSpec& s, const DecoderBackendSpec& b) {
  for (const ParamSpec& p : b.contract.params) {
    if (const ParamSpec* have = s.find_param(p.name)) {
      if (have->type != p.type)
        return fmt::format("its parameter '{}' has another type than {}'s parameter of that name", p.name, s.type);
      continue;
    }
    s.params.push_back(p);
  }
  for (const RenamedParam& r : b.contract.renamed)
    if (!s.find_renamed(r.old_name) && !s.find_param(r.old_name)) s.renamed.push_back(r);
  return "";
}

bool takes_sequences(const DecoderBackendSpec& b) {
  for (const auto& c : b.containers)
    if (c == to_string(InputKind::Sequence)) return true;
  return false;
}

}  // namespace

std::optional<NodeSpec> pinned_decode_spec(const DecoderBackendSpec& b, std::string& why) {
  const std::string& type = b.contract.type;
  if (type.rfind("decode.", 0) != 0 || type.size() == 7 || type.find('.', 7) != std::string::npos) {
    why = "its contract's type must be 'decode.<name>'";
    return std::nullopt;
  }
  if (b.name() == "auto") {
    why = "'auto' is the runtime's decode.auto";
    return std::nullopt;
  }
  NodeSpec s = walk_contract(type, b.contract.doc);
  why = add_backend_params(s, b);
  if (!why.empty() || b.name() == kSequenceNode) return std::nullopt;
  return s;
}

NodeFactory pinned_decode_factory(const BackendEntry& b) {
  auto table = std::make_shared<BackendTable>(BackendTable{{b}});
  return [table](const Params& p) { return make_decode_node(table, DecodeMode::Pinned, p); };
}

std::vector<NodeSpec> runtime_decode_specs(const BackendTable& table) {
  std::vector<NodeSpec> out;
  if (table.by_rank.empty()) return out;
  NodeSpec all = walk_contract("decode.auto",
                               "Decodes the planned frames with the first backend that takes the input, highest "
                               "rank first (`vidpipe plugins` lists them); frame sequences with the sequence backends");
  all.list("backends", ParamType::StringList, json::array(),
           "backends to try in this order (e.g. [ffmpeg, opencv]); [] = every backend that takes the input, by "
           "rank. Falls back only before the first frame is sent, never on a limit error");
  NodeSpec sequences = walk_contract("decode.images", "Decodes the planned images of a frame sequence to RGB24");
  bool any_sequence = false;
  for (const BackendEntry& e : table.by_rank) {
    add_backend_params(all, e.spec);  // a clash was refused when the backend registered
    if (takes_sequences(e.spec)) add_backend_params(sequences, e.spec), any_sequence = true;
  }
  out.push_back(std::move(all));
  if (any_sequence) out.push_back(std::move(sequences));
  return out;
}

NodeFactory runtime_decode_factory(BackendTablePtr table, const std::string& type) {
  const DecodeMode mode = type == "decode.auto" ? DecodeMode::Auto : DecodeMode::Sequences;
  if (mode == DecodeMode::Sequences) {  // only the backends that take frame sequences
    auto only = std::make_shared<BackendTable>();
    for (const BackendEntry& e : table->by_rank)
      if (takes_sequences(e.spec)) only->by_rank.push_back(e);
    table = std::move(only);
  }
  return [table, mode](const Params& p) { return make_decode_node(table, mode, p); };
}

}  // namespace vidpipe::runtime
