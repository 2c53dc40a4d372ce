// YAML graph checks beyond the schema: duplicate keys, alias bombs, and what validation
// learns by building every node (constructor refusals, two writers of one file, model profiles
// that do not fit the graph).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "graph_fixture.hpp"

TEST_CASE("duplicate keys are errors in every mapping, with both lines") {
  // Top level, a node's body and its params (the nodes mapping itself: "node structure" above).
  auto d = errors(replace(kGood, "name: fake\n", "name: fake\nname: other\n"));
  CHECK_DIAG(d, "g.yaml:3:1", "duplicate key 'name' (first at line 2)");
  d = errors(replace(kGood, "    in: decode.frames\n", "    in: decode.frames\n    type: resize.fake\n"));
  CHECK_DIAG(d, "g.yaml:11:5", "duplicate key 'type' (first at line 9)");
  d = errors(replace(kGood, "params: {min_pixels: 60, max_pixels: 6000}", "params: {min_pixels: 60, min_pixels: 70}"));
  CHECK_DIAG(d, "g.yaml:11:30", "duplicate key 'min_pixels' (first at line 11)");
  CHECK_MESSAGE(d.size() == 1, dump(d));
  CHECK(d[0].hint.find("keep only the last") != std::string::npos);
  // A mapping used again through aliases reports its duplicates once.
  d = errors(replace(kGood, "params: {min_pixels: 60, max_pixels: 6000}",
                     "params: &p {min_pixels: 60, min_pixels: 70}\n  r2: {type: resize.fake, in: decode.frames, params: *p}\n"
                     "  r3: {type: resize.fake, in: decode.frames, params: *p}"));
  CHECK_DIAG(d, "g.yaml:11:33", "duplicate key 'min_pixels' (first at line 11)");
  CHECK_MESSAGE(d.size() == 1, dump(d));
}

TEST_CASE("a YAML alias bomb is stopped with one error, before it expands") {
  // "Billion laughs": 6 levels of 9 aliases expand to 9^6 values from a few hundred bytes (few
  // enough that a regression fails this test instead of exhausting memory; more make it worse).
  std::string text = "vidpipe: 1\nnodes:\n  sample:\n    type: sample.fake\n    in: input\n    params:\n      indices:\n";
  text += "        - &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  for (int i = 1; i < 6; ++i) {
    std::string a = "*l" + std::to_string(i - 1);
    text += "        - &l" + std::to_string(i) + " [" + a + ", " + a + ", " + a + ", " + a + ", " + a + ", " + a + ", " + a +
            ", " + a + ", " + a + "]\n";
  }
  auto d = errors(text);
  REQUIRE_MESSAGE(d.size() == 1, dump(d));
  CHECK(d[0].message == "the YAML expands to more than 100000 values");
  CHECK(d[0].loc.file == "g.yaml");
  CHECK(d[0].loc.line >= 8);

  // A value given on the command line is bounded the same way.
  Overrides ov;
  ov.sets = {"sample.indices=[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b],"
             " &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]]"};
  d = errors(kGood, ov);
  CHECK_DIAG(d, "command line", "--set sample.indices: the YAML expands to more than 100000 values");

  // One alias of a long string, repeated: few values, but 20 MB of text once expanded (a 1 MB
  // string 99 999 times would be 100 GB); the same for a long key and on the command line.
  const std::string long_text(200000, 'x');
  std::string repeats;
  for (int i = 0; i < 100; ++i) repeats += ", *a";
  d = errors("vidpipe: 1\nnodes:\n  sample:\n    type: sample.fake\n    in: input\n    params:\n"
             "      label: &a " + long_text + "\n      indices: [" + repeats.substr(2) + "]\n");
  REQUIRE_MESSAGE(d.size() == 1, dump(d));
  CHECK(d[0].message == "the YAML expands to more than 16 MiB of text");
  CHECK(d[0].loc.line == 7);  // the anchored string
  CHECK(d[0].hint.find("aliases") != std::string::npos);
  d = errors("vidpipe: 1\nnodes:\n  sample:\n    type: sample.fake\n    in: input\n    params:\n"
             "      label: x\n      indices: [&a {? " + long_text + ": 1}" + repeats + "]\n");
  REQUIRE_MESSAGE(d.size() == 1, dump(d));
  CHECK(d[0].message == "the YAML expands to more than 16 MiB of text");
  CHECK(d[0].loc.line == 8);
  ov.sets = {"sample.indices=[&a " + long_text + repeats + "]"};
  d = errors(kGood, ov);
  CHECK_DIAG(d, "command line", "--set sample.indices: the YAML expands to more than 16 MiB of text");

  // Aliases that stay small are fine.
  auto g = resolve(replace(kGood, "params: {min_pixels: 60, max_pixels: 6000}",
                           "params: &sizes {min_pixels: 60, max_pixels: 6000}\n  other: {type: resize.fake, in: decode.frames, "
                           "params: *sizes}"));
  CHECK(g.nodes.size() == 8);
}

namespace {

// Refuses a combination of parameters in its constructor, as real nodes do (sample.uniform:
// fps and nframes).
struct Strict final : Node {
  explicit Strict(const Params& p) {
    if (p.has("a") && p.has("b")) throw Error("set a or b, not both", "remove one of them");
  }
};

void register_checked_nodes(Registry& r) {
  r.add_node(NodeSpec("strict.fake", "clip → clip")
                 .input("clip", DataType::Clip)
                 .output("clip", DataType::Clip)
                 .integer("a", nullptr, 0, 10, "")
                 .integer("b", nullptr, 0, 10, ""),
             [](const Params& p) -> std::unique_ptr<Node> { return std::make_unique<Strict>(p); });
  add(r, NodeSpec("write.fake", "clip → clip, writes a file")
             .input("clip", DataType::Clip)
             .output("clip", DataType::Clip)
             .text("file", "out.bin", "output file name"));
  add(r, NodeSpec("other.tokens", "clip → clip").with_role(Role::Tokenizer).input("clip", DataType::Clip).output("clip", DataType::Clip));
  add(r, NodeSpec("other.plan", "plan → plan").with_role(Role::Planner).input("plan", DataType::Plan).output("plan", DataType::Plan));
  // A decoder that can emit planar frames (as decode.* with pixel_format: native) and a
  // converter that takes them (as process.convert_scale).
  add(r, NodeSpec("decode.native", "plan → frames, packed or planar")
             .with_shape(Shape::Expand)
             .with_role(Role::Decoder)
             .input("plan", DataType::Plan)
             .output("frames", DataType::Frame)
             .choice("pixel_format", "rgb24", {"rgb24", "native"}, "frames as RGB, or as decoded"));
  add(r, NodeSpec("convert.fake", "frame (any format) → RGB frame")
             .parallel()
             .takes_formats({PixelFormat::RGB24, PixelFormat::I420, PixelFormat::NV12})
             .input("frames", DataType::Frame)
             .output("frames", DataType::Frame));
  ModelProfile other;
  other.name = "other_model";
  other.params = {{"factor", 16}};
  r.add_profile(other);
  ModelProfile typo;
  typo.name = "typo_model";
  typo.params = {{"factor", 16}, {"fsp", 3}};
  r.add_profile(typo);
  ModelProfile cap;
  cap.name = "cap_model";
  cap.params = {{"factor", 16}, {"max_decoded", 3}};
  r.add_profile(cap);
}

const NodeRegistry& checks_registry() {
  static const auto reg = [] {
    auto r = std::make_unique<NodeRegistry>();
    r->add_builtin("testing", register_test_nodes);
    r->add_builtin("other", register_checked_nodes);
    return r;
  }();
  return *reg;
}

std::vector<Diagnostic> check_errors(const std::string& text, const Overrides& ov = {}) {
  return errors(text, ov, checks_registry());
}

// kGood with `extra` nodes after the gather, the sink fed by the last of them.
std::string with_nodes(const std::string& extra, const std::string& last) {
  return replace(kGood, "  sink: {type: sink.fake, in: gather.clip}\n", extra + "  sink: {type: sink.fake, in: " + last + "}\n");
}

}  // namespace

TEST_CASE("validation builds every node once: a constructor's refusal is an error at the node") {
  const std::string g = with_nodes("  strict: {type: strict.fake, in: gather.clip, params: {a: 1, b: 2}}\n", "strict.clip");
  auto d = check_errors(g);
  CHECK_DIAG(d, "g.yaml:13:3", "node 'strict' (strict.fake): set a or b, not both");
  CHECK(d[0].hint == "remove one of them");
  resolve_graph(parse_graph_text(replace(g, ", b: 2", ""), "g.yaml"), checks_registry(), {});
}

TEST_CASE("two nodes writing the same file name are an error at the second one's `file`") {
  auto d = check_errors(with_nodes("  w1: {type: write.fake, in: gather.clip}\n"
                                   "  w2: {type: write.fake, in: w1.clip}\n",
                                   "w2.clip"));
  CHECK_DIAG(d, "g.yaml:14:3", "nodes 'w1' (write.fake) and 'w2' (write.fake) both write 'out.bin' in each input's folder");
  d = check_errors(with_nodes("  w1: {type: write.fake, in: gather.clip, params: {file: a.bin}}\n"
                              "  w2: {type: write.fake, in: w1.clip, params: {file: a.bin}}\n",
                              "w2.clip"));
  CHECK_DIAG(d, "g.yaml:14:48", "both write 'a.bin'");
  Overrides ov;
  ov.sets = {"w2.file=a.bin"};
  d = check_errors(with_nodes("  w1: {type: write.fake, in: gather.clip, params: {file: a.bin}}\n"
                              "  w2: {type: write.fake, in: w1.clip}\n",
                              "w2.clip"),
                   ov);
  CHECK_DIAG(d, "command line", "both write 'a.bin'");
  // Different names are fine.
  resolve_graph(parse_graph_text(with_nodes("  w1: {type: write.fake, in: gather.clip}\n"
                                            "  w2: {type: write.fake, in: w1.clip, params: {file: b.bin}}\n",
                                            "w2.clip"),
                                 "g.yaml"),
                checks_registry(), {});
}

TEST_CASE("a model profile key that no node type declares is an error at `model:`") {
  auto d = check_errors(replace(kGood, "model: fake_model", "model: typo_model"));
  CHECK_DIAG(d, "g.yaml:3:8", "model profile 'typo_model' (<builtin>) sets 'fsp', which no node type declares (did you mean 'fps'?)");
  CHECK_MESSAGE(d.size() == 1, dump(d));
  Overrides ov;
  ov.model = "typo_model";
  d = check_errors(kGood, ov);
  CHECK_DIAG(d, "command line", "sets 'fsp'");
}

TEST_CASE("a model profile key that only a safety cap declares is an error: profiles set model parameters") {
  auto d = check_errors(replace(kGood, "model: fake_model", "model: cap_model"));
  CHECK_DIAG(d, "g.yaml:3:8", "model profile 'cap_model' (<builtin>) sets 'max_decoded', which no node type lets a profile set");
  CHECK_MESSAGE(d.size() == 1, dump(d));
}

TEST_CASE("a model node from another model's plugin than the profile is an error at its type") {
  const std::string g = with_nodes("  tokens: {type: other.tokens, in: gather.clip}\n", "tokens.clip");
  auto d = check_errors(g);  // model: fake_model (plugin testing)
  CHECK_DIAG(d, "g.yaml:13:18",
             "node 'tokens' (other.tokens) belongs to model plugin 'other', but the model profile is 'fake_model' (plugin 'testing')");
  CHECK_MESSAGE(d[0].hint == "use a graph written for 'fake_model', or a profile of plugin 'other': other_model, typo_model, cap_model",
                dump(d));
  // The same graph with a profile of the node's plugin, from the graph or --model.
  resolve_graph(parse_graph_text(replace(g, "model: fake_model", "model: other_model"), "g.yaml"), checks_registry(), {});
  Overrides ov;
  ov.model = "other_model";
  resolve_graph(parse_graph_text(g, "g.yaml"), checks_registry(), ov);
  // A graph without a model profile uses the nodes' defaults: nothing to match.
  resolve_graph(parse_graph_text(replace(g, "model: fake_model\n", ""), "g.yaml"), checks_registry(), {});
}

TEST_CASE("planar frames fed to a node that takes packed frames: one error naming convert_scale") {
  const std::string native = replace(kGood, "  decode: {type: decode.fake, in: sample.plan}\n",
                                     "  decode: {type: decode.native, in: sample.plan, params: {pixel_format: native}}\n");
  auto d = check_errors(native);
  REQUIRE_MESSAGE(d.size() == 1, dump(d));
  CHECK_DIAG(d, "g.yaml:7:59",
             "node 'resize' (resize.fake) takes packed RGB frames, but 'decode' (decode.native) emits the decoder's own "
             "planar frames (pixel_format: native)");
  CHECK(d[0].hint.find("put process.convert_scale after 'decode'") == 0);
  // Set on the command line: the error is there.
  Overrides ov;
  ov.sets = {"decode.pixel_format=native"};
  d = check_errors(replace(kGood, "  decode: {type: decode.fake, in: sample.plan}\n",
                           "  decode: {type: decode.native, in: sample.plan}\n"),
                   ov);
  REQUIRE_MESSAGE(d.size() == 1, dump(d));
  CHECK_DIAG(d, "command line", "takes packed RGB frames");
  // Accepted: the default (packed) output, or a converter that takes planar frames in between.
  resolve_graph(parse_graph_text(replace(native, "pixel_format: native", "pixel_format: rgb24"), "g.yaml"),
                checks_registry(), {});
  const std::string converted = replace(native, "  resize:\n", "  convert: {type: convert.fake, in: decode.frames}\n  resize:\n");
  resolve_graph(parse_graph_text(replace(converted, "    in: decode.frames\n", "    in: convert.frames\n"), "g.yaml"),
                checks_registry(), {});
}
