// `vidpipe scenes INPUT... [--detector D] [--threshold X] [--min-scene-len N] [--json | --csv FILE]
// [--contact-sheet FILE]`: the cuts, scenes and fades analyze.scenes finds (docs/sampling.md §7).
// Each input goes through probe.ffmpeg and analyze.scenes, built from the registry with their
// defaults plus the options; the contact sheet runs graphs/contact_sheet.yaml.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "scenes.hpp"
#include "node_call.hpp"
#include "vidpipe/runtime/params_check.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/session.hpp"
#include "vidpipe/runtime/text.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {
namespace {

// A node of `type` with its defaults and `given` values, each checked as a graph's would be.
std::unique_ptr<Node> make_node(const NodeRegistry& reg, const std::string& type, json given) {
  const NodeEntry* entry = reg.find_node(type);
  if (!entry) throw Error("node type " + type + " is not available", "install the plugin that provides it");
  json values = json::object();
  std::vector<std::pair<std::string, Origin>> origins;
  for (const ParamSpec& p : entry->spec.params) {
    const bool set = given.contains(p.name);
    if (set) {
      if (auto problem = check_param(entry->spec, p.name, given[p.name]))
        throw Error(problem->message(type, type), problem->hint);
    }
    values[p.name] = set ? given[p.name] : p.default_value;
    origins.emplace_back(p.name, set ? Origin::CommandLine : Origin::Default);
  }
  return entry->make(Params(values, origins));
}

// One Info through `node`.
InfoPtr call(Node& node, const Data& in, CallJob& job) {
  Collect out;
  node.process(in, out, job);
  const InfoPtr* info = out.items.empty() ? nullptr : std::get_if<InfoPtr>(&out.items.front());
  if (!info || !*info) throw Error("no video info for " + job.video().input, "");
  return *info;
}

// HH:MM:SS.mmm, as PySceneDetect writes timecodes.
std::string timecode(double seconds) {
  const auto ms = static_cast<int64_t>(std::llround(seconds * 1000));
  return fmt::format("{:02}:{:02}:{:02}.{:03}", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

// The columns of PySceneDetect's list-scenes (without its leading timecode-list row): frames
// 1-based, the end frame inclusive, the end time where the scene ends.
void write_csv(std::ostream& os, const json& scenes) {
  os << "Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,"
        "End Time (seconds),Length (frames),Length (timecode),Length (seconds)\n";
  int n = 0;
  for (const auto& s : scenes.at("scenes")) {
    const int64_t start = s["start_frame"], end = s["end_frame"];
    const double t0 = s["start_time"], t1 = s["end_time"];
    os << fmt::format("{},{},{},{:.3f},{},{},{:.3f},{},{},{:.3f}\n", ++n, start + 1, timecode(t0), t0, end + 1,
                      timecode(t1), t1, end - start + 1, timecode(t1 - t0), t1 - t0);
  }
}

void print_text(const std::string& input, const json& scenes) {
  std::cout << fmt::format("{}: {} scenes, {} cuts ({} detector, threshold {}), {} fades\n", printable(input),
                           scenes["scenes"].size(), scenes["cuts"].size(), scenes["detector"].get<std::string>(),
                           scenes["threshold"].dump(), scenes["fades"].size());
  int n = 0;
  for (const auto& s : scenes["scenes"])
    std::cout << fmt::format("  scene {:>3}  frames {:>6}-{:<6}  {} - {}\n", ++n, s["start_frame"].get<int64_t>(),
                             s["end_frame"].get<int64_t>(), timecode(s["start_time"]), timecode(s["end_time"]));
}

// Renames `from` to `to`; on failure removes `from` and throws naming `to`.
void publish(const std::filesystem::path& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) {
    std::filesystem::remove(from, ec);
    throw Error("cannot write " + to, "check that its folder exists and is writable");
  }
}

// --contact-sheet FILE: graphs/contact_sheet.yaml on `input`, with the detector options on its
// analyze node, written into a folder this call creates beside FILE (so the rename is within one
// file system) and removes afterwards; the sheet is then renamed to FILE.
void write_contact_sheet(const ScenesOptions& opt, const std::string& input) {
  Overrides ov;
  ov.sets = {"analyze.detector=" + opt.detector, fmt::format("analyze.min_scene_len={}", opt.min_scene_len)};
  if (opt.threshold != 0) ov.sets.push_back(fmt::format("analyze.threshold={}", opt.threshold));
  const ResolvedGraph graph = resolve_graph(parse_graph_file(graphs_dir() + "/contact_sheet.yaml"), process_registry(), ov);
  const std::filesystem::path target(opt.contact_sheet);
  std::string staging = ((target.has_parent_path() ? target.parent_path() : ".") / ".vidpipe-sheet-XXXXXX").string();
  if (!::mkdtemp(staging.data()))
    throw Error("cannot create a folder beside " + opt.contact_sheet, "check that its folder exists and is writable");
  struct Remove {  // only what this call created: the folder and what the session wrote in it
    std::string dir;
    ~Remove() { std::error_code ec; std::filesystem::remove_all(dir, ec); }
  } remove{staging};
  SessionOptions so;
  so.output_dir = staging;
  Session session(graph, so);
  InterruptScope on_ctrl_c(session);
  SubmitOptions one;
  one.name = "sheet";
  one.keep_output = false;
  const Result r = session.submit(input, one).get();
  if (!r.usable()) throw Error(display_input(input) + ": contact sheet: " + r.job.error, r.job.hint);
  publish(std::filesystem::path(staging) / "sheet" / "contact_sheet.jpg", opt.contact_sheet);
}

}  // namespace

SceneFinder::SceneFinder(const CommonOptions& common, const std::string& detector, double threshold,
                         int64_t min_scene_len) {
  load_plugins(reg_, common, {});
  json given = {{"detector", detector}, {"min_scene_len", min_scene_len}};
  if (threshold != 0) given["threshold"] = threshold;  // 0: the detector's default
  probe_ = make_node(reg_, "probe.ffmpeg", json::object());
  analyze_ = make_node(reg_, "analyze.scenes", given);
}

SceneFinder::~SceneFinder() = default;

json SceneFinder::find(const std::string& input) {
  CallJob job(VideoJob{input, "scenes", 0, ""});
  const InfoPtr probed = call(*probe_, Data(std::make_shared<const VideoJob>(job.video())), job);
  json scenes = call(*analyze_, Data(probed), job)->extra.at("scenes");
  scenes["input"] = display_input(input);
  return scenes;
}

int cmd_scenes(const CommonOptions& common, const ScenesOptions& opt) {
  if ((!opt.csv.empty() || !opt.contact_sheet.empty()) && opt.inputs.size() != 1) {
    print_error(with_fix("--csv and --contact-sheet write one video's scenes", "give one INPUT with them, or use --json"));
    return kUsage;
  }
  std::unique_ptr<SceneFinder> finder;
  try {
    finder = std::make_unique<SceneFinder>(common, opt.detector, opt.threshold, opt.min_scene_len);
  } catch (const std::exception& e) {
    print_error(e);
    return kUsage;
  }
  json videos = json::array();
  int rc = kOk;
  for (const std::string& input : opt.inputs) {
    try {
      json scenes = finder->find(input);
      if (!opt.csv.empty()) {  // written beside, then renamed: never a half-written FILE
        const std::string part = opt.csv + ".part";
        std::ofstream os(part);
        write_csv(os, scenes);
        os.close();
        if (!os) std::filesystem::remove(part);
        publish(part, opt.csv);
      }
      if (!opt.contact_sheet.empty()) write_contact_sheet(opt, input);
      if (!opt.json && opt.csv.empty()) print_text(input, scenes);
      videos.push_back(std::move(scenes));
    } catch (const std::exception& e) {
      print_error(e);
      rc = kFailed;
    }
  }
  if (opt.json) std::cout << json_text(videos.size() == 1 ? videos[0] : json{{"videos", videos}}, 2) << "\n";
  return rc;
}

}  // namespace vidpipe::cli
