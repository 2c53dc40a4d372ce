// YAML graph specs: every error kind with its location (schema, nodes, parameters, wiring,
// cycles, concurrency, graph files). Layers and overrides: test_graph_overrides.cpp. Duplicate
// keys, alias bombs and the checks that build nodes: test_graph_checks.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "graph_fixture.hpp"

TEST_CASE("the reference graph resolves") {
  auto g = resolve(kGood);
  CHECK(g.name == "fake");
  CHECK(g.model == "fake_model");
  REQUIRE(g.nodes.size() == 7);  // + the implicit `input` source
  // Upstream nodes come first, and `upstream` indexes into the resolved list.
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].upstream >= 0) CHECK(static_cast<std::size_t>(g.nodes[i].upstream) < i);
  CHECK(g.nodes[0].id == "input");
  CHECK(g.nodes[0].entry->spec.type == "source.inputs");
  auto find = [&](const std::string& id) {
    auto it = std::find_if(g.nodes.begin(), g.nodes.end(), [&](auto& n) { return n.id == id; });
    REQUIRE(it != g.nodes.end());
    return *it;
  };
  CHECK(g.nodes[find("gather").upstream].id == "resize");
  CHECK(find("decode").max_in_flight == 16);  // default settings
  CHECK(find("input").max_in_flight == 2);
  CHECK(find("resize").max_in_flight == 0);
  CHECK(find("decode").concurrency == 1);
  CHECK(find("resize").concurrency == 0);
  CHECK(find("resize").loc.str() == "g.yaml:8:3");
}

TEST_CASE("GraphError text is file:line:col: error: message (fix: hint)") {
  try {
    resolve(replace(kGood, "vidpipe: 1", "vidpipe: 2"));
    FAIL("accepted");
  } catch (const GraphError& e) {
    std::string what = e.what();
    CHECK_MESSAGE(what.rfind("g.yaml:1:10: error: unsupported graph schema version '2'", 0) == 0, what);
    CHECK(what.find(" (fix: this vidpipe reads `vidpipe: 1`)") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);  // one line per problem
  }
}

TEST_CASE("YAML syntax errors carry the parser's position") {
  // An unterminated flow mapping: the parser stops at the end of the document.
  auto d = errors("vidpipe: 1\nnodes:\n  a: {type: probe.fake, in: input\n");
  REQUIRE(d.size() == 1);
  CHECK_MESSAGE(d[0].message.rfind("YAML syntax", 0) == 0, dump(d));
  CHECK(d[0].loc.line >= 3);
  // A bad indentation inside a block mapping, reported on the offending line.
  d = errors("vidpipe: 1\nnodes:\n  a:\n    type: probe.fake\n   in: input\n");
  REQUIRE(d.size() == 1);
  CHECK_DIAG(d, "g.yaml:5:4", "YAML syntax");
}

TEST_CASE("schema version: missing and wrong") {
  auto d = errors(replace(kGood, "vidpipe: 1\n", ""));
  CHECK_DIAG(d, "g.yaml:1:1", "missing schema version");
  d = errors(replace(kGood, "vidpipe: 1", "vidpipe: 2"));
  CHECK_DIAG(d, "g.yaml:1:10", "unsupported graph schema version '2'");
  d = errors(replace(kGood, "vidpipe: 1", "vidpipe: [1]"));
  CHECK_DIAG(d, "g.yaml:1:10", "unsupported graph schema version");
}

TEST_CASE("unknown top-level key, with did-you-mean") {
  auto d = errors(replace(kGood, "name: fake", "nmae: fake"));
  CHECK_DIAG(d, "g.yaml:2:1", "unknown top-level key 'nmae' (did you mean 'name'?)");
  d = errors(replace(kGood, "name: fake", "settingz: {threads: 1}"));
  CHECK_DIAG(d, "g.yaml:2:1", "(did you mean 'settings'?)");
  d = errors(replace(kGood, "name: fake", "settings: {treads: 1}"));
  CHECK_DIAG(d, "g.yaml:2:12", "unknown setting 'treads' (did you mean 'threads'?)");
  d = errors(replace(kGood, "name: fake", "settings: {max_frames_in_flight: 0}"));
  CHECK_DIAG(d, "g.yaml:2:34", "'max_frames_in_flight' must be an integer in [1, 1048576], got '0'");
}

TEST_CASE("empty graph and graph without nodes") {
  auto d = errors("");
  CHECK_DIAG(d, "g.yaml:1:1", "the graph is empty");
  d = errors("# only a comment\n");
  CHECK_DIAG(d, "g.yaml:1:1", "the graph is empty");
  d = errors("vidpipe: 1\n");
  CHECK_DIAG(d, "g.yaml:1:1", "the graph has no nodes");
  d = errors("vidpipe: 1\nnodes: {}\n");
  CHECK_DIAG(d, "g.yaml:1:1", "the graph has no nodes");
  d = errors("- a\n- b\n");
  CHECK_DIAG(d, "g.yaml:1:1", "a graph must be a YAML mapping");
}

TEST_CASE("node structure: no type, unknown key, bad id, duplicate id") {
  auto d = errors(replace(kGood, "    type: resize.fake\n", ""));
  CHECK_DIAG(d, "g.yaml:8:3", "node 'resize' has no `type:`");
  d = errors(replace(kGood, "    in: decode.frames\n", "    inn: decode.frames\n"));
  CHECK_DIAG(d, "g.yaml:10:5", "node 'resize': unknown key 'inn' (did you mean 'in'?)");
  d = errors(replace(kGood, "  sink: {", "  my.sink: {"));
  CHECK_DIAG(d, "g.yaml:13:3", "node id 'my.sink' must be non-empty and contain no '.'");
  d = errors(replace(kGood, "  sink: {type: sink.fake, in: gather.clip}\n",
                     "  sink: {type: sink.fake, in: gather.clip}\n  sink: {type: sink.fake, in: gather.clip}\n"));
  CHECK_DIAG(d, "g.yaml:14:3", "duplicate key 'sink' (first at line 13)");
}

TEST_CASE("unknown node type, with did-you-mean") {
  auto d = errors(replace(kGood, "type: probe.fake", "type: probe.fak"));
  CHECK_DIAG(d, "g.yaml:5:17", "node 'probe': unknown node type 'probe.fak' (did you mean 'probe.fake'?)");
  // Nothing close: no suggestion.
  d = errors(replace(kGood, "type: probe.fake", "type: totally.different"));
  CHECK_DIAG(d, "g.yaml:5:17", "unknown node type 'totally.different'");
  CHECK(dump(d).find("did you mean") == std::string::npos);
}

TEST_CASE("parameter errors: unknown, wrong type, out of range, bad choice") {
  auto with = [](const std::string& params) {
    return replace(kGood, "  sample: {type: sample.fake, in: probe.info}",
                   "  sample: {type: sample.fake, in: probe.info, params: {" + params + "}}");
  };
  // Column of the first key inside `params: {`.
  const std::string at = "g.yaml:6:56";

  auto d = errors(with("fsp: 2"));
  CHECK_DIAG(d, at, "node 'sample' (sample.fake): unknown parameter 'fsp' (did you mean 'fps'?)");

  d = errors(with("fps: fast"));
  CHECK_DIAG(d, at, "node 'sample': parameter 'fps' (float) must be a number, got 'fast'");
  d = errors(with("nframes: 2.5"));
  CHECK_DIAG(d, at, "parameter 'nframes' (int) must be an integer, got '2.5'");
  d = errors(with("exact: 1"));
  CHECK_DIAG(d, at, "parameter 'exact' (bool) must be true or false");
  d = errors(with("label: 12"));
  CHECK_DIAG(d, at, "parameter 'label' (string) must be a string");
  d = errors(with("indices: [1, x]"));
  CHECK_DIAG(d, at, "parameter 'indices' (int list) must be an integer");

  d = errors(with("nframes: 0"));
  CHECK_DIAG(d, at, "parameter 'nframes' = 0 is out of range [1, 10000]");
  d = errors(with("fps: 61"));
  CHECK_DIAG(d, at, "parameter 'fps' = 61.0 is out of range [0.1, 60]");

  d = errors(with("mode: unifrom"));
  CHECK_DIAG(d, at, "parameter 'mode' (enum) must be one of: uniform, random (did you mean 'uniform'?)");

  // A second bad parameter on the same line is reported at its own column.
  d = errors(with("fps: 2, mode: x"));
  CHECK_DIAG(d, "g.yaml:6:64", "parameter 'mode'");

  // Values that are fine: an int where a float is expected, a quoted number for a string,
  // a lone value for a list.
  auto g = resolve(with("fps: 3, label: '12', indices: 4"));
  auto& sample = *std::find_if(g.nodes.begin(), g.nodes.end(), [](auto& n) { return n.id == "sample"; });
  CHECK(sample.params.values().at("fps").is_number_float());
  CHECK(sample.params.get<double>("fps") == 3.0);
  CHECK(sample.params.get<std::string>("label") == "12");
  CHECK(sample.params.get<std::vector<int>>("indices") == std::vector<int>{4});
  CHECK_FALSE(sample.params.has("nframes"));  // null default: unset
}

TEST_CASE("wiring errors: unconnected input, missing node, missing port, type mismatch") {
  auto d = errors(replace(kGood, "  sample: {type: sample.fake, in: probe.info}", "  sample: {type: sample.fake}"));
  CHECK_DIAG(d, "g.yaml:6:3", "node 'sample': input port 'info' (info) is not connected");

  d = errors(replace(kGood, "in: probe.info", "in: prob.info"));
  CHECK_DIAG(d, "g.yaml:6:35", "node 'sample': `in: prob.info` names no node 'prob' (did you mean 'probe'?)");

  d = errors(replace(kGood, "in: probe.info", "in: probe.inf"));
  CHECK_DIAG(d, "g.yaml:6:35", "node 'sample': node 'probe' (probe.fake) has no output port 'inf' (did you mean 'info'?)");

  d = errors(replace(kGood, "in: gather.clip", "in: decode.frames"));
  CHECK_DIAG(d, "g.yaml:13:31", "node 'sink': input 'clip' takes clip items but decode.frames produces frame items");

  // Wiring to a sink (no outputs).
  d = errors(replace(kGood, "in: gather.clip}\n", "in: gather.clip}\n  more: {type: sink.fake, in: sink.out}\n"));
  CHECK_DIAG(d, "g.yaml:14:31", "node 'sink' (sink.fake) has no output port 'out'");

  // A source takes no input.
  d = errors(replace(kGood, "nodes:\n", "nodes:\n  input: {type: source.inputs, in: probe.info}\n"));
  CHECK_DIAG(d, "g.yaml:5:36", "node 'input' is a source and takes no `in:`");
}

TEST_CASE("cycles are reported with their path") {
  auto d = errors(
      "vidpipe: 1\n"
      "nodes:\n"
      "  a: {type: resize.fake, in: b.frames}\n"
      "  b: {type: resize.fake, in: a.frames}\n"
      "  c: {type: resize.fake, in: b.frames}\n");
  CHECK_DIAG(d, "g.yaml:3:30", "the graph has a cycle: a <- b <- a");
  CHECK_DIAG(d, "g.yaml:4:30", "the graph has a cycle: b <- a <- b");
  // `c` hangs off the cycle but is not on it.
  CHECK_FALSE(has(d, "g.yaml:5:30", "cycle"));

  d = errors("vidpipe: 1\nnodes:\n  a: {type: resize.fake, in: a.frames}\n");
  CHECK_DIAG(d, "g.yaml:3:30", "the graph has a cycle: a <- a");
}

TEST_CASE("a gather needs an expander upstream") {
  auto d = errors(
      "vidpipe: 1\n"
      "nodes:\n"
      "  frames: {type: frames.fake, in: input}\n"
      "  resize: {type: resize.fake, in: frames.frames}\n"
      "  gather: {type: gather.fake, in: resize.frames}\n");
  CHECK_DIAG(d, "g.yaml:5:3", "node 'gather' gathers items but no expander (e.g. a decoder) is upstream of it");
}

TEST_CASE("unknown model profile, from the graph and from --model") {
  auto d = errors(replace(kGood, "model: fake_model", "model: fake_modle"));
  CHECK_DIAG(d, "g.yaml:3:8", "unknown model profile 'fake_modle' (did you mean 'fake_model'?)");
  Overrides ov;
  ov.model = "fakemodel";
  d = errors(kGood, ov);
  CHECK_DIAG(d, "command line", "unknown model profile 'fakemodel' (did you mean 'fake_model'?)");
}

TEST_CASE("concurrency: a serial node cannot run in parallel; bad values") {
  auto d = errors(replace(kGood, "in: sample.plan}", "in: sample.plan, concurrency: parallel}"));
  CHECK_DIAG(d, "g.yaml:7:3", "node 'decode': decode.fake is serial and cannot run with concurrency parallel");
  d = errors(replace(kGood, "in: sample.plan}", "in: sample.plan, concurrency: 4}"));
  CHECK_DIAG(d, "g.yaml:7:3", "cannot run with concurrency 4");
  d = errors(replace(kGood, "in: sample.plan}", "in: sample.plan, concurrency: lots}"));
  CHECK_DIAG(d, "g.yaml:7:61", "'concurrency' must be serial, parallel or a number from 1 to 1024");
  // A node whose contract allows N calls at once cannot be given more.
  const std::string with_encode = replace(kGood, "in: decode.frames", "in: encode.frames");
  const std::string encode = "  encode: {type: encode.fake, in: decode.frames, concurrency: CONC}\n";
  d = errors(replace(with_encode, "nodes:\n", "nodes:\n" + replace(encode, "CONC", "4")));
  CHECK_DIAG(d, "g.yaml:5:3", "node 'encode': encode.fake runs at most 2 calls at once, not 4");
  d = errors(replace(with_encode, "nodes:\n", "nodes:\n" + replace(encode, "CONC", "parallel")));
  CHECK_DIAG(d, "g.yaml:5:3", "runs at most 2 calls at once, not parallel");
  const auto limited = resolve(replace(with_encode, "nodes:\n", "nodes:\n" + replace(encode, "CONC", "2")));
  CHECK(std::any_of(limited.nodes.begin(), limited.nodes.end(),
                    [](const auto& n) { return n.id == "encode" && n.concurrency == 2; }));
  // Fine: a parallel node limited to 3, an expander's own credit.
  auto g = resolve(replace(replace(kGood, "in: decode.frames", "in: decode.frames\n    concurrency: 3"),
                           "in: sample.plan}", "in: sample.plan, max_in_flight: 5}"));
  for (auto& n : g.nodes) {
    if (n.id == "resize") CHECK(n.concurrency == 3);
    if (n.id == "decode") CHECK(n.max_in_flight == 5);
  }
  // max_in_flight only for sources and expanders.
  d = errors(replace(kGood, "in: gather.clip}", "in: gather.clip, max_in_flight: 2}"));
  CHECK_DIAG(d, "g.yaml:13:3", "max_in_flight applies only to sources and expanders");
}

TEST_CASE("every problem is reported at once") {
  // Parse stage: three unrelated mistakes.
  auto d = errors(
      "vidpipe: 3\n"
      "nodse: {}\n"
      "nodes:\n"
      "  a: {in: input}\n");
  CHECK_MESSAGE(d.size() == 3, dump(d));
  CHECK_DIAG(d, "g.yaml:1:10", "unsupported graph schema version '3'");
  CHECK_DIAG(d, "g.yaml:2:1", "unknown top-level key 'nodse' (did you mean 'nodes'?)");
  CHECK_DIAG(d, "g.yaml:4:3", "node 'a' has no `type:`");

  // Resolve stage: type, parameter, value, wiring and --set mistakes on different nodes.
  std::string text = replace(kGood, "type: probe.fake", "type: probe.fak");
  text = replace(text, "params: {min_pixels: 60, max_pixels: 6000}", "params: {min_pixel: 60, max_pixels: -1}");
  text = replace(text, "in: gather.clip", "in: gather.clips");
  Overrides ov;
  ov.sets = {"decode.nope=1"};
  d = errors(text, ov);
  CHECK_MESSAGE(d.size() == 5, dump(d));
  CHECK_DIAG(d, "g.yaml:5:17", "unknown node type 'probe.fak'");
  CHECK_DIAG(d, "g.yaml:11:14", "unknown parameter 'min_pixel' (did you mean 'min_pixels'?)");
  CHECK_DIAG(d, "g.yaml:11:29", "parameter 'max_pixels' = -1 is out of range");
  CHECK_DIAG(d, "g.yaml:13:31", "has no output port 'clips' (did you mean 'clip'?)");
  CHECK_DIAG(d, "command line", "node 'decode' (decode.fake): unknown parameter 'nope'");
}

TEST_CASE("graph files: the shipped graph parses; a missing file is an error") {
  auto spec = parse_graph_file(VIDPIPE_SOURCE_DIR "/graphs/qwen2_5_vl.yaml");
  CHECK(spec.name == "qwen2_5_vl");
  CHECK(spec.model == "qwen2_5_vl");
  CHECK(spec.settings.max_jobs_in_flight == 2);
  CHECK(spec.settings.max_frames_in_flight == 8);
  REQUIRE(spec.nodes.size() == 8);
  CHECK(spec.nodes[0].id == "probe");
  CHECK(spec.nodes[0].in == "input");
  CHECK(spec.nodes[2].type == "decode.auto");

  try {
    parse_graph_file("/nonexistent/graph.yaml");
    FAIL("accepted a missing file");
  } catch (const GraphError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].loc.file == "/nonexistent/graph.yaml");
    CHECK(std::string(e.what()).find("cannot read the graph file") != std::string::npos);
  }
}

TEST_CASE("--set settings.profile: accepted as a bool, and a bad value says what is wrong") {
  Overrides ov;
  ov.sets = {"settings.profile=false"};
  CHECK_FALSE(resolve(kGood, ov).settings.profile);
}

TEST_CASE("--set settings.profile=maybe names the expected type") {
  Overrides ov;
  ov.sets = {"settings.profile=maybe"};
  auto d = errors(kGood, ov);
  CHECK_FALSE(has(d, "command line", "unknown setting"));
  CHECK(has(d, "command line", "--set settings.profile=maybe: expected true or false"));
}
