// A small stand-in registry and graph for the YAML graph tests (test_graph_spec.cpp,
// test_graph_checks.cpp): probe → sample → decode → resize → gather → sink, with helpers that
// collect the diagnostics of a graph text. Each test binary includes it once.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/registry.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace {

struct Dummy final : Node {
  explicit Dummy(const Params&) {}
};

void add(Registry& r, NodeSpec spec) {
  r.add_node(std::move(spec), [](const Params& p) -> std::unique_ptr<Node> { return std::make_unique<Dummy>(p); });
}

// A small stand-in for the real pipeline: probe → sample → decode → resize → gather → sink.
void register_test_nodes(Registry& r) {
  add(r, NodeSpec("probe.fake", "job → info").parallel().input("job", DataType::Job).output("info", DataType::Info));
  add(r, NodeSpec("sample.fake", "info → plan")
             .input("info", DataType::Info)
             .output("plan", DataType::Plan)
             .number("fps", 2.0, 0.1, 60, "frames per second")
             .integer("nframes", nullptr, 1, 10000, "fixed frame count")
             .choice("mode", "uniform", {"uniform", "random"}, "how to pick")
             .text("label", "", "free text")
             .flag("exact", false, "a flag")
             .list("indices", ParamType::IntList, json::array(), "explicit indices")
             .model_settable({"fps"}));
  add(r, NodeSpec("sample.other", "info → plan, another sampler (--set sample.type)")
             .input("info", DataType::Info)
             .output("plan", DataType::Plan)
             .number("fps", 2.0, 0.1, 60, "frames per second")
             .model_settable({"fps"}));
  add(r, NodeSpec("decode.fake", "plan → frames (serial)")
             .with_shape(Shape::Expand)
             .with_role(Role::Decoder)
             .serial()
             .input("plan", DataType::Plan)
             .output("frames", DataType::Frame)
             .integer("max_input_pixels", 1000000, 1, 1e12, "a safety cap")
             .integer("max_decoded", 500, 1, 1e12, "a safety cap a profile cannot set")
             .rename("max_pixels", "max_input_pixels", "the safety cap"));
  add(r, NodeSpec("resize.fake", "frame → frame")
             .parallel()
             .input("frames", DataType::Frame)
             .output("frames", DataType::Frame)
             .integer("factor", 28, 1, 1000, "")
             .integer("min_pixels", 10, 1, 1e9, "")
             .integer("max_pixels", 100, 1, 1e9, "")
             .integer("quality", 90, 0, 100, "")
             .model_settable({"factor", "min_pixels", "max_pixels"}));
  add(r, NodeSpec("frames.fake", "job → frames, one per job (a map, not an expander)")
             .parallel()
             .input("job", DataType::Job)
             .output("frames", DataType::Frame));
  add(r, NodeSpec("encode.fake", "frame → frame, at most 2 calls at once")
             .parallel(2)
             .input("frames", DataType::Frame)
             .output("frames", DataType::Frame));
  add(r, NodeSpec("gather.fake", "frames → clip").with_shape(Shape::Gather).input("frames", DataType::Frame).output("clip", DataType::Clip));
  add(r, NodeSpec("sink.fake", "clip → nothing").input("clip", DataType::Clip));
  ModelProfile m;
  m.name = "fake_model";
  m.params = {{"factor", 14}, {"min_pixels", 50}, {"max_pixels", 5000}, {"fps", 1}};
  r.add_profile(m);
}

// One registry for the whole file: a ResolvedGraph points into it, so it must outlive them.
const NodeRegistry& registry() {
  static const auto reg = [] {
    auto r = std::make_unique<NodeRegistry>();
    r->add_builtin("testing", register_test_nodes);
    return r;
  }();
  return *reg;
}

// The graph every test starts from (locations below refer to these lines).
const char* const kGood =
    "vidpipe: 1\n"                                        // 1
    "name: fake\n"                                        // 2
    "model: fake_model\n"                                 // 3
    "nodes:\n"                                            // 4
    "  probe: {type: probe.fake, in: input}\n"            // 5
    "  sample: {type: sample.fake, in: probe.info}\n"     // 6
    "  decode: {type: decode.fake, in: sample.plan}\n"    // 7
    "  resize:\n"                                         // 8
    "    type: resize.fake\n"                             // 9
    "    in: decode.frames\n"                             // 10
    "    params: {min_pixels: 60, max_pixels: 6000}\n"    // 11
    "  gather: {type: gather.fake, in: resize.frames}\n"  // 12
    "  sink: {type: sink.fake, in: gather.clip}\n";       // 13

ResolvedGraph resolve(const std::string& text, const Overrides& ov = {}) {
  return resolve_graph(parse_graph_text(text, "g.yaml"), registry(), ov);
}

// The diagnostics of parsing and resolving `text`; fails the test if it is accepted.
std::vector<Diagnostic> errors(const std::string& text, const Overrides& ov = {}, const NodeRegistry& reg = registry()) {
  try {
    resolve_graph(parse_graph_text(text, "g.yaml"), reg, ov);
  } catch (const GraphError& e) {
    CHECK(!e.diagnostics().empty());
    return e.diagnostics();
  }
  FAIL("the graph was accepted:\n" << text);
  return {};
}

std::string dump(const std::vector<Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += x.str() + "\n";
  return s;
}

// True when one diagnostic is at `where` ("g.yaml:5:3" or "command line") and mentions `text`.
bool has(const std::vector<Diagnostic>& d, const std::string& where, const std::string& text) {
  return std::any_of(d.begin(), d.end(), [&](const Diagnostic& x) {
    return x.loc.str() == where && x.message.find(text) != std::string::npos;
  });
}

#define CHECK_DIAG(diags, where, text) CHECK_MESSAGE(has(diags, where, text), dump(diags))

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE_MESSAGE(pos != std::string::npos, from);
  return s.replace(pos, from.size(), to);
}

}  // namespace
