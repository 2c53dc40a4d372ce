// Parameter checks shared by resolve_graph and the node test runner (params_check.hpp).
#include "vidpipe/runtime/params_check.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "vidpipe/runtime/text.hpp"

namespace vidpipe::runtime {
namespace {

std::string show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Checks `v` against the parameter's type, range and choices; converts ints to floats where a
// float is expected. Returns an error message, or "" when the value is fine.
std::string check_value(const ParamSpec& p, json& v) {
  if (v.is_null()) return "";
  auto in_range = [&](double x) -> std::string {
    if ((p.min && x < *p.min) || (p.max && x > *p.max))
      return fmt::format("parameter '{}' = {} is out of range [{}, {}]", p.name, show(v),
                         p.min ? fmt::format("{}", *p.min) : "-inf", p.max ? fmt::format("{}", *p.max) : "inf");
    return "";
  };
  auto scalar = [&](json& x, ParamType t) -> std::string {
    switch (t) {
      case ParamType::Bool:
        return x.is_boolean() ? "" : "must be true or false";
      case ParamType::Int:
        if (!x.is_number_integer()) return "must be an integer";
        return in_range(x.get<double>());
      case ParamType::Float:
        if (!x.is_number()) return "must be a number";
        x = x.get<double>();
        if (!std::isfinite(x.get<double>())) return "must be finite";
        return in_range(x.get<double>());
      case ParamType::String:
        return x.is_string() ? "" : "must be a string";
      case ParamType::Enum:
        if (!x.is_string() || std::find(p.choices.begin(), p.choices.end(), x.get<std::string>()) == p.choices.end())
          return "must be one of: " + join(p.choices, ", ") +
                 (x.is_string() ? did_you_mean(x.get<std::string>(), p.choices) : "");
        return "";
      default:
        return "";
    }
  };
  std::string err;
  switch (p.type) {
    case ParamType::IntList:
    case ParamType::FloatList:
    case ParamType::StringList: {
      if (v.is_string() || v.is_number()) v = json::array({v});  // a lone value is a list of one
      if (!v.is_array()) return fmt::format("parameter '{}' must be a list", p.name);
      ParamType et = p.type == ParamType::IntList ? ParamType::Int
                     : p.type == ParamType::FloatList ? ParamType::Float : ParamType::String;
      for (auto& e : v)
        if (!(err = scalar(e, et)).empty()) break;
      break;
    }
    default:
      err = scalar(v, p.type);
  }
  if (err.empty()) return "";
  if (err.rfind("parameter", 0) == 0) return err;
  return fmt::format("parameter '{}' ({}) {}, got '{}'", p.name, to_string(p.type), err, show(v));
}

}  // namespace

std::string ParamProblem::message(const std::string& id, const std::string& type) const {
  // A value's problem already names the parameter; a name's problem names the node type too.
  if (kind == BadValue) return fmt::format("node '{}': {}", id, what);
  return fmt::format("node '{}' ({}): {}", id, type, what);
}

std::optional<ParamProblem> check_param(const NodeSpec& spec, const std::string& name, json& value) {
  const ParamSpec* p = spec.find_param(name);
  if (const RenamedParam* r = p ? nullptr : spec.find_renamed(name))
    return ParamProblem{ParamProblem::Renamed,
                        fmt::format("parameter '{}' is now '{}'{}", name, r->new_name, r->why.empty() ? "" : " (" + r->why + ")"),
                        "write " + r->new_name + " instead"};
  if (!p) {
    std::vector<std::string> names;
    for (const auto& q : spec.params) names.push_back(q.name);
    return ParamProblem{ParamProblem::Unknown, fmt::format("unknown parameter '{}'{}", name, did_you_mean(name, names)),
                        names.empty() ? "this node takes no parameters" : "parameters: " + join(names, ", ")};
  }
  std::string err = check_value(*p, value);
  if (err.empty()) return std::nullopt;
  return ParamProblem{ParamProblem::BadValue, std::move(err), p->doc};
}

bool profile_sets(const NodeSpec& spec, const std::string& name) {
  const ParamSpec* p = spec.find_param(name);
  return p && p->model_settable;
}

}  // namespace vidpipe::runtime
