// Node parameters: how a node declares them (ParamSpec) and how it reads the validated,
// layered values (Params).
//
// Values are JSON scalars or lists. A null default means "unset": the node decides what
// absence means (e.g. `nframes` unset selects fps mode). The runtime checks type, range and
// choices before any node is built, so a node's constructor can trust what it gets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vidpipe/sdk/data.hpp"

namespace vidpipe {

enum class ParamType : uint8_t { Bool, Int, Float, String, Enum, IntList, FloatList, StringList };
VIDPIPE_API const char* to_string(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::String;
  json default_value;               // null: unset unless a layer sets it
  std::optional<double> min, max;   // inclusive range for Int/Float (and list elements)
  std::vector<std::string> choices; // for Enum
  std::string doc;
  // A model profile may set it (ABI 3.0). Only such parameters take profile values, so a
  // profile's number meant for one rule (a resize budget) never reaches another of the same
  // name (a safety cap). Mark model constants and reference defaults; never a safety limit.
  bool model_settable = false;
};

// Where an effective value came from, lowest layer first.
enum class Origin : uint8_t { Default, Profile, Graph, CommandLine };
VIDPIPE_API const char* to_string(Origin o);

class VIDPIPE_API Params {
 public:
  Params() = default;
  Params(json values, std::vector<std::pair<std::string, Origin>> origins);

  bool has(const std::string& name) const;  // set and not null
  template <class T> T get(const std::string& name) const;  // throws vidpipe::Error if unset
  template <class T> T get_or(const std::string& name, T fallback) const {
    return has(name) ? get<T>(name) : fallback;
  }
  Origin origin(const std::string& name) const;
  const json& values() const { return values_; }

 private:
  json values_ = json::object();
  std::vector<std::pair<std::string, Origin>> origins_;
};

}  // namespace vidpipe

#include "vidpipe/sdk/error.hpp"

namespace vidpipe {
template <class T> T Params::get(const std::string& name) const {
  if (!has(name)) throw Error("parameter '" + name + "' is not set", "set it in the graph or with --set");
  return values_.at(name).get<T>();
}
}  // namespace vidpipe
