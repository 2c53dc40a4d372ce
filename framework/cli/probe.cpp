// `vidpipe probe INPUT [--json] [--set param=value]`: what probe.ffmpeg learns about an input
// (a video file, URL, base64, stdin or frame sequence), without decoding pixels.
//
// Loads the plugins like the other commands, builds the `probe.ffmpeg` node from the registry
// with its defaults (plus --set) and calls it once with a minimal Job and Emitter.
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "commands.hpp"
#include "node_call.hpp"
#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/params_check.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/text.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {
namespace {


json info_json(const VideoInfo& v) {
  const bool side = v.sideways();
  json j = {{"input", v.input.size() > 200 ? v.input.substr(0, 160) + "..." : v.input},
            {"container", v.container},
            {"codec", v.codec},
            {"pixel_format", v.pixel_format},
            {"width", v.width},
            {"height", v.height},
            {"rotation", v.rotation},
            {"display_width", side ? v.height : v.width},
            {"display_height", side ? v.width : v.height},
            {"fps", v.fps},
            {"duration", v.duration},
            {"frame_count", v.frame_count},
            {"frame_count_source", v.frame_count_source}};
  if (!v.keyframes.empty()) {
    j["keyframe_count"] = v.keyframes.size();
    j["keyframe_indices"] = v.keyframes;
  }
  if (!v.frame_times.empty()) j["frame_times_count"] = v.frame_times.size();
  for (const auto& [k, val] : v.extra.items())
    if (!j.contains(k)) j[k] = val;
  return j;
}

std::string text_value(const json& v) {
  if (v.is_string()) return printable(v.get<std::string>());  // names and URLs are data
  if (v.is_array() && v.size() > 12) {
    std::string s = "[";
    for (std::size_t i = 0; i < 8; ++i) s += (i ? ", " : "") + v[i].dump();
    return s + ", ... (" + std::to_string(v.size()) + " in all)]";
  }
  return v.dump();
}

}  // namespace

int cmd_probe(const CommonOptions& common, const std::string& input, bool as_json,
              const std::vector<std::string>& sets) {
  NodeRegistry& reg = process_registry();
  const NodeEntry* entry = nullptr;
  try {
    load_plugins(reg, common, {});
    entry = reg.find_node("probe.ffmpeg");
  } catch (const Error& e) {
    print_error(e);
    return kUsage;
  }
  if (!entry) {
    std::cerr << "vidpipe: node type probe.ffmpeg is not available (is the vidpipe.probe plugin installed?)\n";
    return kUsage;
  }

  // Parameters: the node's defaults, then --set name=value (JSON value, or a plain string).
  json values = json::object();
  std::vector<std::pair<std::string, Origin>> origins;
  for (const ParamSpec& p : entry->spec.params) {
    values[p.name] = p.default_value;
    origins.emplace_back(p.name, Origin::Default);
  }
  for (const std::string& s : sets) {
    const auto eq = s.find('=');
    std::string name = eq == std::string::npos ? s : s.substr(0, eq);
    if (name.rfind("probe.", 0) == 0) name = name.substr(6);
    if (eq == std::string::npos) {
      print_error(with_fix("bad --set '" + s + "'", "write --set param=value, e.g. --set images_fps=5"));
      return kUsage;
    }
    const std::string raw = s.substr(eq + 1);
    json v = json::parse(raw, nullptr, false);
    if (v.is_discarded()) v = raw;
    if (auto problem = check_param(entry->spec, name, v)) {  // the rules of a graph's parameters
      print_error(with_fix("--set " + s + ": " + problem->message("probe", entry->spec.type), problem->hint));
      return kUsage;
    }
    values[name] = std::move(v);
    for (auto& o : origins)
      if (o.first == name) o.second = Origin::CommandLine;
  }

  CallJob job(VideoJob{input, "probe", 0, ""});
  Collect out;
  try {
    std::unique_ptr<Node> node = entry->make(Params(values, origins));
    node->process(Data(std::make_shared<const VideoJob>(job.video())), out, job);
  } catch (const std::exception& e) {
    print_error(e);
    return kFailed;
  }
  const InfoPtr* info = out.items.empty() ? nullptr : std::get_if<InfoPtr>(&out.items.front());
  if (!info || !*info) {
    std::cerr << "vidpipe: probe.ffmpeg returned no video info for " << printable(display_input(input)) << "\n";
    return kFailed;
  }
  json j = info_json(**info);
  if (!job.damage().empty()) j["damage"] = job.damage();  // what `vidpipe run` reports as partial
  if (as_json) {
    std::cout << json_text(j, 2) << "\n";
    return kOk;
  }
  for (const auto& [k, v] : j.items()) std::cout << fmt::format("{:<20} {}\n", k, text_value(v));
  return kOk;
}

}  // namespace vidpipe::cli
