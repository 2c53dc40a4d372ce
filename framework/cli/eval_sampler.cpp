// `vidpipe eval sampler --truth TRUTH.json INPUT... [--graph G] [--set k=v]... [--json]`: what a
// sampler's picks cover (docs/sampling.md §8). The graph (default qwen2_5_vl_scenes, where every
// sampler runs, content-aware ones included) is cut after its first decoder and run, so the picks
// are the ones `vidpipe run` decodes, and the decoder's own count says what they cost. Per video:
// the truth's shots with at least one pick, the largest gap between consecutive picks (the range's
// start and end included), frames decoded per returned frame, the number of picks.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "commands.hpp"
#include "eval.hpp"
#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/text.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {
namespace {

// Keeps the first decoder and the nodes it depends on (probe, analysis, sampler).
void cut_after_decoder(GraphSpec& spec, const NodeRegistry& reg) {
  auto is_decoder = [&](const NodeDecl& n) {
    const NodeEntry* e = reg.find_node(n.type);
    return e && e->spec.role == Role::Decoder;
  };
  const auto decoder = std::find_if(spec.nodes.begin(), spec.nodes.end(), is_decoder);
  if (decoder == spec.nodes.end())
    throw Error("the graph " + spec.file + " has no decoder node", "give --graph a graph that decodes frames",
                ErrorKind::Configuration);
  std::set<std::string> keep;
  for (std::string id = decoder->id; !id.empty() && !keep.count(id);) {
    keep.insert(id);
    const auto n = std::find_if(spec.nodes.begin(), spec.nodes.end(), [&](const NodeDecl& d) { return d.id == id; });
    id = n == spec.nodes.end() ? "" : n->in.substr(0, n->in.find('.'));
  }
  std::erase_if(spec.nodes, [&](const NodeDecl& n) { return !keep.count(n.id); });
}

// One video's figures from its job notes (the sampler's "sample", the decoder's "decode").
json score(const json& notes, const json& truth) {
  const json& sample = notes.at("sample");
  const auto picks = sample.at("indices").get<std::vector<int64_t>>();
  const auto times = sample.at("timestamps").get<std::vector<double>>();
  const int64_t first = sample.at(json::json_pointer("/range/frames/0")), last = sample.at(json::json_pointer("/range/frames/1"));
  // Shots from the truth's cuts, clipped to the range.
  std::vector<int64_t> starts = {first};
  for (int64_t c : truth.value("cuts", std::vector<int64_t>{}))
    if (c > first && c <= last) starts.push_back(c);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  int64_t covered = 0;
  for (std::size_t s = 0; s < starts.size(); ++s) {
    const int64_t end = s + 1 < starts.size() ? starts[s + 1] - 1 : last;
    covered += std::any_of(picks.begin(), picks.end(), [&](int64_t i) { return i >= starts[s] && i <= end; });
  }
  // The largest gap: from the range's start to the first pick, between picks, from the last to the end.
  std::vector<std::pair<double, json>> points = {{sample.at(json::json_pointer("/range/seconds/0")), "start"}};
  for (std::size_t i = 0; i < picks.size(); ++i) points.emplace_back(times.at(i), picks[i]);
  points.emplace_back(sample.at(json::json_pointer("/range/seconds/1")), "end");
  json gap = {{"seconds", 0.0}, {"from", "start"}, {"to", "end"}};
  for (std::size_t i = 1; i < points.size(); ++i)
    if (points[i].first - points[i - 1].first > gap["seconds"].get<double>())
      gap = {{"seconds", points[i].first - points[i - 1].first}, {"from", points[i - 1].second}, {"to", points[i].second}};
  const json decode = notes.value("decode", json::object());
  const int64_t decoded = decode.value("decoded_frames", int64_t{0}), returned = decode.value("returned_frames", int64_t{0});
  return {{"picks", picks.size()},
          {"shots", starts.size()},
          {"shots_covered", covered},
          {"coverage", static_cast<double>(covered) / static_cast<double>(starts.size())},
          {"largest_gap", gap},
          {"decoded_frames", decoded},
          {"returned_frames", returned},
          {"decoded_per_returned", returned ? static_cast<double>(decoded) / static_cast<double>(returned) : 0.0}};
}

std::string gap_text(const json& gap) {
  auto end = [](const json& v) { return v.is_string() ? v.get<std::string>() : std::to_string(v.get<int64_t>()); };
  return fmt::format("{:.2f} ({}-{})", gap["seconds"].get<double>(), end(gap["from"]), end(gap["to"]));
}

}  // namespace

int cmd_eval_sampler(const CommonOptions& common, const EvalOptions& opt) {
  json truth;
  ResolvedGraph graph;
  NodeRegistry& reg = process_registry();
  try {
    truth = load_truth(opt.truth);
    for (const std::string& input : opt.inputs) truth_for(truth, input);  // every input named before decoding
    GraphSpec spec = parse_graph_file(graph_file(opt.graph.empty() ? "qwen2_5_vl_scenes" : opt.graph));
    load_plugins(reg, common, spec.plugin_dirs);
    cut_after_decoder(spec, reg);
    Overrides ov;
    ov.inputs = opt.inputs;
    ov.sets = opt.sets;
    graph = resolve_graph(spec, reg, ov);
  } catch (const std::exception& e) {
    print_error(e);
    return kUsage;
  }
  RunReport report;
  try {
    Executor ex(graph);
    InterruptScope on_ctrl_c(ex);
    report = ex.run({});
  } catch (const std::exception& e) {
    print_error(e);
    return kUsage;
  }
  json videos = json::array();
  int64_t picks = 0, shots = 0, covered = 0, decoded = 0, returned = 0;
  json widest = {{"seconds", 0.0}, {"from", "start"}, {"to", "end"}};
  int rc = kOk;
  for (const JobResult& j : report.jobs) {
    if (j.status != "ok" && j.status != "partial") {
      std::cerr << "vidpipe: " << (j.status == "failed" ? j.error_line() : display_input(j.input) + ": " + j.status)
                << "\n";
      rc = kFailed;
      continue;
    }
    json row;
    try {  // a sampler that does not use the budget helper notes no range
      row = score(j.notes, truth_for(truth, j.input));
    } catch (const std::exception&) {
      print_error(Error(display_input(j.input) + ": the sampler's note has no indices, timestamps and range",
                        "use a sampler built on vidpipe::sampling::Budget (docs/sampling.md §4)"));
      rc = kFailed;
      continue;
    }
    row["input"] = std::filesystem::path(j.input).filename().string();
    row["sampler"] = j.notes["sample"].value("sampler", "");
    picks += row["picks"].get<int64_t>(), shots += row["shots"].get<int64_t>();
    covered += row["shots_covered"].get<int64_t>();
    decoded += row["decoded_frames"].get<int64_t>(), returned += row["returned_frames"].get<int64_t>();
    if (row["largest_gap"]["seconds"].get<double>() > widest["seconds"].get<double>())
      widest = row["largest_gap"], widest["input"] = row["input"];
    videos.push_back(std::move(row));
  }
  const json overall = {{"picks", picks},
                        {"shots", shots},
                        {"shots_covered", covered},
                        {"coverage", shots ? static_cast<double>(covered) / static_cast<double>(shots) : 0.0},
                        {"largest_gap", widest},
                        {"decoded_frames", decoded},
                        {"returned_frames", returned},
                        {"decoded_per_returned", returned ? static_cast<double>(decoded) / static_cast<double>(returned) : 0.0}};
  if (opt.json) {
    std::cout << json_text({{"graph", graph.file}, {"videos", videos}, {"overall", overall}}, 2) << "\n";
  } else {
    std::cout << fmt::format("{:<28} {:<16} {:>5} {:>6} {:>8}  {:<24} {:>16}\n", "video", "sampler", "picks", "shots",
                             "coverage", "largest gap s (from-to)", "decoded/returned");
    auto line = [](const std::string& name, const std::string& sampler, const json& r) {
      std::cout << fmt::format("{:<28} {:<16} {:>5} {:>6} {:>8.3f}  {:<24} {:>16.2f}\n", printable(name), sampler,
                               r["picks"].get<int64_t>(),
                               fmt::format("{}/{}", r["shots_covered"].get<int64_t>(), r["shots"].get<int64_t>()),
                               r["coverage"].get<double>(), gap_text(r["largest_gap"]),
                               r["decoded_per_returned"].get<double>());
    };
    for (const auto& r : videos) line(r["input"], r["sampler"], r);
    if (!videos.empty()) line("overall", "", overall);
  }
  if (report.interrupted) return kInterrupted;
  return rc;
}

}  // namespace vidpipe::cli
