// The runtime's decode node over decoder backends (vidpipe/sdk/decoder_backend.hpp): its
// contracts and factories. Three kinds of node type share one implementation (decode_node.cpp):
//   decode.X       pinned to backend X (one per registered backend, attributed to X's plugin);
//   decode.auto    every backend that takes the input, by rank (param `backends` narrows it);
//   decode.images  the frame-sequence backends (containers list "image_sequence"), by rank.
// A backend named "images" has no pinned node: decode.images is the sequence node.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::runtime {

// The backends a decode node may use: by rank, highest first, then by name. A snapshot taken
// while plugins register; entries hold their library slots and factories.
struct BackendTable {
  std::vector<BackendEntry> by_rank;
};
using BackendTablePtr = std::shared_ptr<const BackendTable>;

// decode.<name> for backend `b`: the decode node's contract with b's parameters, or nullopt for
// the backend named "images". Sets `why` (and returns nullopt) when b's spec cannot be a node:
// a bad type, a reserved name, a parameter that clashes with a decode node parameter.
std::optional<NodeSpec> pinned_decode_spec(const DecoderBackendSpec& b, std::string& why);
NodeFactory pinned_decode_factory(const BackendEntry& b);

// decode.auto (when there is any backend) and decode.images (when a backend takes sequences).
std::vector<NodeSpec> runtime_decode_specs(const BackendTable& table);
NodeFactory runtime_decode_factory(BackendTablePtr table, const std::string& type);

}  // namespace vidpipe::runtime
