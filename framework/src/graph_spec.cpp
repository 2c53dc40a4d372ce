// YAML → GraphSpec, keeping a location for everything so errors point at the right line.
//
// yaml-cpp pitfalls handled here: marks are 0-based (we add 1); operator[] on a non-const
// node inserts keys (we only iterate const nodes); a quoted scalar has tag "!" (stays a string).
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

std::string Loc::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, col);
}

std::string Diagnostic::str() const { return with_fix(fmt::format("{}: error: {}", loc.str(), message), hint); }

static std::string join_diagnostics(const std::vector<Diagnostic>& d) {
  std::string s;
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? "\n" : "") + d[i].str();
  return s;
}

GraphError::GraphError(std::vector<Diagnostic> diags)
    : Error(join_diagnostics(diags), "", ErrorKind::Configuration), diags_(std::move(diags)) {}

namespace {

// A graph file is small, but aliases can make a small file expand without bound (a "billion
// laughs": each alias repeats an anchor that repeats other aliases; or one alias of a long
// string, repeated), so every walk over a YAML tree charges each value it visits, and the text
// of each scalar and key, to a budget and stops once it is spent.
constexpr std::size_t kMaxYamlValues = 100000;
constexpr std::size_t kMaxYamlBytes = 16 << 20;

const char* const kTooLargeHint =
    "aliases (*name) repeat what they name, and aliases of aliases multiply; write the values out";

class YamlBudget {
 public:
  // Charges one value, with its text if it is a scalar; false once the budget is spent.
  bool charge_value(const YAML::Node& n) {
    if (values_ == 0) return false;
    --values_;
    return n.IsScalar() ? charge_text(n.Scalar()) : true;
  }
  bool charge_text(const std::string& text) {
    if (text.size() > bytes_) {
      bytes_ = 0, out_of_bytes_ = true;
      return false;
    }
    bytes_ -= text.size();
    return true;
  }
  std::string spent_message() const {
    return out_of_bytes_ ? fmt::format("the YAML expands to more than {} MiB of text", kMaxYamlBytes >> 20)
                         : fmt::format("the YAML expands to more than {} values", kMaxYamlValues);
  }

 private:
  std::size_t values_ = kMaxYamlValues, bytes_ = kMaxYamlBytes;
  bool out_of_bytes_ = false;
};

// YAML scalar or sequence → JSON value. Plain scalars become bool/int/float when they parse
// as such; quoted scalars stay strings; `null`/`~` become null.
json to_json(const YAML::Node& n, YamlBudget& budget) {
  if (!budget.charge_value(n)) throw Error(budget.spent_message(), kTooLargeHint);
  if (n.IsNull()) return nullptr;
  if (n.IsSequence()) {
    json arr = json::array();
    for (const auto& e : n) arr.push_back(to_json(e, budget));
    return arr;
  }
  if (n.IsMap()) {
    json obj = json::object();
    for (const auto& kv : n) {
      if (!budget.charge_text(kv.first.Scalar())) throw Error(budget.spent_message(), kTooLargeHint);
      obj[kv.first.Scalar()] = to_json(kv.second, budget);
    }
    return obj;
  }
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;
  if (s == "true" || s == "True" || s == "yes") return true;
  if (s == "false" || s == "False" || s == "no") return false;
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  try {
    std::size_t pos = 0;
    long long v = std::stoll(s, &pos, 10);
    if (pos == s.size()) return v;
  } catch (...) {}
  try {
    std::size_t pos = 0;
    double v = std::stod(s, &pos);
    if (pos == s.size()) return v;
  } catch (...) {}
  return s;
}

}  // namespace

json yaml_to_json(const YAML::Node& n) {
  YamlBudget budget;
  return to_json(n, budget);
}

namespace {

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  Loc at(const YAML::Mark& m) const { return Loc{file_, m.line + 1, m.column + 1}; }
  Loc at(const YAML::Node& n) const { return at(n.Mark()); }
  void error(const Loc& l, std::string msg, std::string hint = "") {
    diags_.push_back({l, std::move(msg), std::move(hint)});
  }

  GraphSpec parse(const std::string& text, const fs::path& base_dir) {
    GraphSpec spec;
    spec.file = file_;
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      error(at(e.mark), "YAML syntax: " + e.msg, "check indentation and quoting around that position");
      throw GraphError(diags_);
    }
    const YAML::Node& r = root;
    YamlBudget budget;
    check_tree(r, budget);
    if (!r.IsMap()) {
      error(Loc{file_, 1, 1}, r.IsNull() ? "the graph is empty" : "a graph must be a YAML mapping",
            "start with `vidpipe: 1` and a `nodes:` mapping");
      throw GraphError(diags_);
    }
    static const std::vector<std::string> keys = {"vidpipe", "name", "doc", "model", "plugins", "settings", "nodes"};
    bool has_version = false;
    for (const auto& kv : r) {
      std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "vidpipe") {
        has_version = true;
        if (!v.IsScalar() || v.Scalar() != "1")
          error(at(v), "unsupported graph schema version '" + (v.IsScalar() ? v.Scalar() : "?") + "'",
                "this vidpipe reads `vidpipe: 1`");
      } else if (key == "name" || key == "doc" || key == "model") {
        if (!v.IsScalar()) { error(at(v), "'" + key + "' must be a string"); continue; }
        (key == "name" ? spec.name : key == "doc" ? spec.doc : spec.model) = v.Scalar();
        if (key == "model") spec.model_loc = at(v);
      } else if (key == "plugins") {
        if (!v.IsSequence()) { error(at(v), "'plugins' must be a list of directories"); continue; }
        for (const auto& d : v) spec.plugin_dirs.push_back((base_dir / d.Scalar()).lexically_normal().string());
      } else if (key == "settings") {
        parse_settings(v, spec.settings);
      } else if (key == "nodes") {
        parse_nodes(v, spec);
      } else {
        error(at(kv.first), "unknown top-level key '" + key + "'" + did_you_mean(key, keys),
              "allowed: " + join(keys, ", "));
      }
    }
    if (!has_version) error(Loc{file_, 1, 1}, "missing schema version", "add `vidpipe: 1` at the top");
    if (spec.nodes.empty() && diags_.empty())
      error(Loc{file_, 1, 1}, "the graph has no nodes", "declare at least one node under `nodes:`");
    if (!diags_.empty()) throw GraphError(diags_);
    return spec;
  }

 private:
  // Walks every value as often as converting it will (once per alias use): stops a file that
  // expands past the YamlBudget before anything expands it, and reports duplicate keys, which
  // yaml-cpp accepts and the rest of the parser would resolve silently to the last one.
  void check_tree(const YAML::Node& n, YamlBudget& budget) {
    if (!budget.charge_value(n)) too_large(n, budget);
    if (n.IsSequence())
      for (const auto& e : n) check_tree(e, budget);
    if (!n.IsMap()) return;
    std::map<std::string, Loc> seen;
    for (const auto& kv : n) {
      if (!budget.charge_text(kv.first.Scalar())) too_large(kv.first, budget);
      if (kv.first.IsScalar()) {
        auto [first, fresh] = seen.emplace(kv.first.Scalar(), at(kv.first));
        if (!fresh) duplicate_key(kv.first, first->second);
      }
      check_tree(kv.second, budget);
    }
  }

  [[noreturn]] void too_large(const YAML::Node& n, const YamlBudget& budget) {
    error(at(n), budget.spent_message(), kTooLargeHint);
    throw GraphError(diags_);
  }

  void duplicate_key(const YAML::Node& key, const Loc& first) {
    const Loc loc = at(key);
    // A map reached again through an alias reports its duplicates once.
    if (!reported_duplicates_.emplace(loc.line, loc.col).second) return;
    error(loc, fmt::format("duplicate key '{}' (first at line {})", key.Scalar(), first.line),
          "remove one of them: YAML would keep only the last");
  }

  bool get_int(const YAML::Node& v, int& out, int min, int max, const std::string& what) {
    json j = yaml_to_json(v);
    if (!j.is_number_integer() || j.get<long long>() < min || j.get<long long>() > max) {
      error(at(v), fmt::format("'{}' must be an integer in [{}, {}], got '{}'", what, min, max,
                               v.IsScalar() ? v.Scalar() : "?"));
      return false;
    }
    out = j.get<int>();
    return true;
  }

  void parse_settings(const YAML::Node& v, Settings& s) {
    static const std::vector<std::string> keys = {"threads", "max_jobs_in_flight", "max_frames_in_flight", "profile"};
    if (!v.IsMap()) { error(at(v), "'settings' must be a mapping"); return; }
    for (const auto& kv : v) {
      std::string key = kv.first.Scalar();
      if (key == "threads") get_int(kv.second, s.threads, 0, 1024, key);
      else if (key == "max_jobs_in_flight") get_int(kv.second, s.max_jobs_in_flight, 1, 4096, key);
      else if (key == "max_frames_in_flight") get_int(kv.second, s.max_frames_in_flight, 1, 1 << 20, key);
      else if (key == "profile") {
        json j = yaml_to_json(kv.second);
        if (!j.is_boolean()) error(at(kv.second), "'profile' must be true or false");
        else s.profile = j.get<bool>();
      } else {
        error(at(kv.first), "unknown setting '" + key + "'" + did_you_mean(key, keys), "allowed: " + join(keys, ", "));
      }
    }
  }

  void parse_nodes(const YAML::Node& v, GraphSpec& spec) {
    if (!v.IsMap()) {
      error(at(v), "'nodes' must be a mapping from node id to its declaration", "e.g. `decode: {type: decode.ffmpeg, in: sample.plan}`");
      return;
    }
    static const std::vector<std::string> keys = {"type", "in", "params", "concurrency", "max_in_flight"};
    for (const auto& kv : v) {
      NodeDecl n;
      n.id = kv.first.Scalar();
      n.loc = at(kv.first);
      if (n.id.empty() || n.id.find('.') != std::string::npos) {
        error(n.loc, "node id '" + n.id + "' must be non-empty and contain no '.'", "ids are names like `decode`");
        continue;
      }
      const YAML::Node& body = kv.second;
      if (!body.IsMap()) {
        error(at(body), "node '" + n.id + "' must be a mapping with at least `type:`");
        continue;
      }
      for (const auto& f : body) {
        std::string key = f.first.Scalar();
        const YAML::Node& val = f.second;
        if (key == "type") { n.type = val.Scalar(); n.type_loc = at(val); }
        else if (key == "in") { n.in = val.IsScalar() ? val.Scalar() : ""; n.in_loc = at(val);
          if (!val.IsScalar()) error(at(val), "'in' must be a string `node.port` (or `input`)"); }
        else if (key == "concurrency") {
          json j = yaml_to_json(val);
          if (j.is_string() && j == "serial") n.concurrency = 1;
          else if (j.is_string() && j == "parallel") n.concurrency = 0;
          else if (j.is_number_integer() && j.get<long long>() >= 1 && j.get<long long>() <= 1024) n.concurrency = j.get<int>();
          else error(at(val), "'concurrency' must be serial, parallel or a number from 1 to 1024");
        } else if (key == "max_in_flight") {
          int x = 0;
          if (get_int(val, x, 1, 1 << 20, key)) n.max_in_flight = x;
        } else if (key == "params") {
          if (!val.IsMap() && !val.IsNull()) { error(at(val), "'params' must be a mapping"); continue; }
          for (const auto& p : val) n.params.push_back({p.first.Scalar(), yaml_to_json(p.second), at(p.first)});
        } else {
          error(at(f.first), "node '" + n.id + "': unknown key '" + key + "'" + did_you_mean(key, keys),
                "allowed: " + join(keys, ", "));
        }
      }
      if (n.type.empty()) error(n.loc, "node '" + n.id + "' has no `type:`", "e.g. `type: decode.ffmpeg`; `vidpipe plugins` lists the types");
      spec.nodes.push_back(std::move(n));
    }
  }

  std::string file_;
  std::vector<Diagnostic> diags_;
  std::set<std::pair<int, int>> reported_duplicates_;  // line, column
};

}  // namespace

GraphSpec parse_graph_text(const std::string& text, const std::string& name) {
  return Parser(name).parse(text, fs::current_path());
}

GraphSpec parse_graph_file(const std::string& path) {
  std::ifstream in(path);
  if (!in || fs::is_directory(path))
    throw GraphError({{Loc{path}, "cannot read the graph file", "check the path; shipped graphs are in " + graphs_dir()}});
  std::stringstream ss;
  ss << in.rdbuf();
  return Parser(path).parse(ss.str(), fs::absolute(path).parent_path());
}

}  // namespace vidpipe::runtime
