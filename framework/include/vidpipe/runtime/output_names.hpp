// Output folder names: derived from inputs, which are data, never paths (docs/outputs.md).
//
// A name is the input's stem made safe (no path separators, no leading dots, no control or
// invisible characters, at most 80 bytes). It is stable: it depends only on the input and on
// the other inputs of the run that share its stem, never on argument order — when distinct
// inputs share a stem, every one of them gets `stem-<hash>`, the hash being of the input's key.
#pragma once

#include <string>
#include <vector>

namespace vidpipe::runtime {

// What identifies an input across runs and shards: the absolute, normalised path of a local
// file, the URL as given, "stdin", or a digest of inline (base64 / JSON list) data; always
// valid UTF-8 (other bytes are spelled in hex), as it is stored in JSON markers.
std::string input_key(const std::string& input);

// 12 hex digits (48 bits) of a 64-bit FNV-1a hash of `text`.
std::string short_hash(const std::string& text);

// `text` as a safe folder name: separators and control / invisible characters become '_',
// invalid UTF-8 too; leading dots, dashes and spaces and trailing dots and spaces are removed;
// at most 80 bytes. May return "".
std::string sanitize_name(const std::string& text);

// The safe stem of an input ("" when nothing usable is left, e.g. `..` or `...mkv`).
std::string input_stem(const std::string& input);

// `stem-<hash of key>`, or `input-<hash>` for an empty stem.
std::string hashed_name(const std::string& stem, const std::string& key);

// Same folder name on a case-insensitive file system.
std::string name_fold(const std::string& name);

struct AssignedName {
  std::string name;
  std::string key;
};

// Names for a whole run's inputs, independent of their order.
std::vector<AssignedName> assign_names(const std::vector<std::string>& inputs);

}  // namespace vidpipe::runtime
