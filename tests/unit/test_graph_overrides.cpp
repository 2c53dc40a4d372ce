// Graph configuration layers and overrides: --set (including a node's type), model profiles
// reaching only model-settable parameters, renamed parameters, and the order of the layers.
// The graph schema and wiring checks are in test_graph_spec.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "graph_fixture.hpp"

TEST_CASE("--set: bad forms, unknown node, unknown parameter, bad value, settings") {
  auto set = [](std::vector<std::string> s) {
    Overrides ov;
    ov.sets = std::move(s);
    return ov;
  };
  auto d = errors(kGood, set({"sample.fps"}));
  CHECK_DIAG(d, "command line", "--set 'sample.fps' is not of the form node.param=value");
  d = errors(kGood, set({"fps=2"}));
  CHECK_DIAG(d, "command line", "--set 'fps=2' is not of the form node.param=value");
  d = errors(kGood, set({"fps=2.5"}));  // the only dot is after '='
  CHECK_DIAG(d, "command line", "--set 'fps=2.5' is not of the form node.param=value");
  d = errors(kGood, set({"sampel.fps=2"}));
  CHECK_DIAG(d, "command line", "--set sampel.fps=2: the graph has no node 'sampel' (did you mean 'sample'?)");
  d = errors(kGood, set({"sample.fsp=2"}));
  CHECK_DIAG(d, "command line", "node 'sample' (sample.fake): unknown parameter 'fsp' (did you mean 'fps'?)");
  d = errors(kGood, set({"sample.fps=fast"}));
  CHECK_DIAG(d, "command line", "parameter 'fps' (float) must be a number, got 'fast'");
  d = errors(kGood, set({"sample.nframes=0"}));
  CHECK_DIAG(d, "command line", "out of range");
  d = errors(kGood, set({"settings.max_jobs_in_flight=0"}));
  CHECK_DIAG(d, "command line", "expected an integer >= 1");
  d = errors(kGood, set({"settings.treads=2"}));
  CHECK_DIAG(d, "command line", "unknown setting 'treads' (did you mean 'threads'?)");
  // All --set problems at once.
  d = errors(kGood, set({"sample.fps", "sampel.fps=2", "sample.fsp=2"}));
  CHECK_MESSAGE(d.size() == 3, dump(d));
}

TEST_CASE("--set node.type swaps a node for one of the same role and ports, validated as the new type") {
  Overrides ov;
  ov.sets = {"sample.type=sample.other"};
  const ResolvedGraph g = resolve(kGood, ov);
  const auto sample =
      std::find_if(g.nodes.begin(), g.nodes.end(), [](const ResolvedNode& n) { return n.id == "sample"; });
  REQUIRE(sample != g.nodes.end());
  CHECK(sample->entry->spec.type == "sample.other");
  CHECK(sample->params.get<double>("fps") == 1.0);  // the profile's value reaches the new type
  CHECK(g.config()["nodes"]["decode"]["in"] == "sample.plan");  // nothing else changes
  auto d = errors(kGood, {std::nullopt, {"sample.type=sample.fak"}, {}});
  CHECK_DIAG(d, "command line",
             "--set sample.type=sample.fak: unknown node type 'sample.fak' (did you mean 'sample.fake'?)");
  d = errors(kGood, {std::nullopt, {"sample.type=decode.fake"}, {}});
  CHECK_DIAG(d, "command line",
             "node 'sample' is a processor (sample.fake: info: info -> plan: plan), decode.fake is a decoder");
  CHECK(d.front().hint.find("sample.fake, sample.other") != std::string::npos);
  // The graph's parameters are checked against the new type.
  const std::string with_mode = replace(kGood, "{type: sample.fake, in: probe.info}",
                                        "{type: sample.fake, in: probe.info, params: {mode: random}}");
  d = errors(with_mode, {std::nullopt, {"sample.type=sample.other"}, {}});
  CHECK_DIAG(d, "g.yaml:6:56", "node 'sample' (sample.other): unknown parameter 'mode'");
}

TEST_CASE("a profile reaches only model-settable parameters: its max_pixels never sets a safety cap") {
  // fake_model sets max_pixels 5000: resize.fake's budget, not decode.fake's cap (max_input_pixels).
  auto g = resolve(kGood);
  for (const auto& n : g.nodes) {
    if (n.id == "resize") CHECK(n.params.origin("max_pixels") == Origin::Graph);
    if (n.id == "decode") {
      CHECK(n.params.get<int64_t>("max_input_pixels") == 1000000);
      CHECK(n.params.origin("max_input_pixels") == Origin::Default);
    }
  }
  auto budget = resolve(replace(kGood, "params: {min_pixels: 60, max_pixels: 6000}", "params: {min_pixels: 60}"));
  for (const auto& n : budget.nodes)
    if (n.id == "resize") CHECK(n.params.origin("max_pixels") == Origin::Profile);
}

TEST_CASE("a renamed parameter is an error that names the new one, from the graph and --set") {
  auto d = errors(replace(kGood, "decode: {type: decode.fake, in: sample.plan}",
                          "decode: {type: decode.fake, in: sample.plan, params: {max_pixels: 9}}"));
  CHECK_DIAG(d, "g.yaml:7:57", "node 'decode' (decode.fake): parameter 'max_pixels' is now 'max_input_pixels' (the safety cap)");
  CHECK(d[0].hint == "write max_input_pixels instead");
  Overrides ov;
  ov.sets = {"decode.max_pixels=9"};
  d = errors(kGood, ov);
  CHECK_DIAG(d, "command line", "parameter 'max_pixels' is now 'max_input_pixels'");
}

TEST_CASE("graph errors are configuration errors") {
  try {
    resolve(replace(kGood, "type: resize.fake", "type: resize.fakee"));
    FAIL("accepted");
  } catch (const GraphError& e) {
    CHECK(e.kind() == ErrorKind::Configuration);
  }
}

TEST_CASE("layers: node default < model profile < graph YAML < --set") {
  Overrides ov;
  ov.sets = {"resize.max_pixels=7000", "settings.max_frames_in_flight=4", "sample.mode=random"};
  ov.inputs = {"a.mp4", "b.mp4"};
  auto g = resolve(kGood, ov);
  auto node = [&](const std::string& id) -> const ResolvedNode& {
    auto it = std::find_if(g.nodes.begin(), g.nodes.end(), [&](auto& n) { return n.id == id; });
    REQUIRE(it != g.nodes.end());
    return *it;
  };
  const Params& p = node("resize").params;
  CHECK(p.get<int>("quality") == 90);  // default only
  CHECK(p.origin("quality") == Origin::Default);
  CHECK(p.get<int>("factor") == 14);  // profile over default 28
  CHECK(p.origin("factor") == Origin::Profile);
  CHECK(p.get<int>("min_pixels") == 60);  // graph over profile 50
  CHECK(p.origin("min_pixels") == Origin::Graph);
  CHECK(p.get<int>("max_pixels") == 7000);  // --set over graph 6000 over profile 5000
  CHECK(p.origin("max_pixels") == Origin::CommandLine);

  // The profile applies only to parameters a node declares; ints become floats for floats.
  const Params& s = node("sample").params;
  CHECK(s.get<double>("fps") == 1.0);
  CHECK(s.values().at("fps").is_number_float());
  CHECK(s.origin("fps") == Origin::Profile);
  CHECK(s.get<std::string>("mode") == "random");
  CHECK(s.origin("mode") == Origin::CommandLine);
  CHECK_FALSE(s.values().contains("factor"));

  const Params& in = node("input").params;
  CHECK(in.get<std::vector<std::string>>("inputs") == std::vector<std::string>{"a.mp4", "b.mp4"});
  CHECK(in.origin("inputs") == Origin::CommandLine);

  CHECK(node("resize").effective.at("max_pixels") == json({{"value", 7000}, {"from", "command line"}}));
  CHECK(node("resize").effective.at("quality") == json({{"value", 90}, {"from", "default"}}));
  CHECK(g.settings.max_frames_in_flight == 4);
  CHECK(node("decode").max_in_flight == 4);  // the setting feeds the expander's credit

  json c = g.config();
  INFO(c.dump(2));
  CHECK(c.at("graph") == "g.yaml");
  CHECK(c.at("name") == "fake");
  CHECK(c.at("model") == "fake_model");
  CHECK(c.at("settings") == json({{"threads", 0}, {"max_jobs_in_flight", 2}, {"max_frames_in_flight", 4}, {"profile", true}}));
  const json& r = c.at("nodes").at("resize");
  CHECK(r.at("type") == "resize.fake");
  CHECK(r.at("in") == "decode.frames");
  CHECK(r.at("concurrency") == "parallel");
  CHECK(r.at("params") == json({{"factor", 14}, {"min_pixels", 60}, {"max_pixels", 7000}, {"quality", 90}}));
  CHECK(r.at("set_by") == json({{"factor", "profile"}, {"min_pixels", "graph"}, {"max_pixels", "command line"}}));
  CHECK(c.at("nodes").at("decode").at("concurrency") == 1);
  CHECK(c.at("nodes").at("decode").at("max_in_flight") == 4);
  CHECK(c.at("nodes").at("input").at("params").at("inputs") == "2 inputs");
  CHECK_FALSE(c.at("nodes").at("sink").contains("set_by"));  // all defaults: nothing to say

  // --model replaces the graph's model; without any model, the defaults show through.
  auto plain = resolve(replace(kGood, "model: fake_model\n", ""));
  auto& rp = *std::find_if(plain.nodes.begin(), plain.nodes.end(), [](auto& n) { return n.id == "resize"; });
  CHECK(rp.params.get<int>("factor") == 28);
  CHECK(rp.params.origin("factor") == Origin::Default);
  CHECK(rp.params.get<int>("max_pixels") == 6000);
  CHECK(plain.config().at("model") == "");
}
