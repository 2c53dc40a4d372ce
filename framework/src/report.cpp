#include "vidpipe/runtime/report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vidpipe/runtime/text.hpp"

namespace vidpipe::runtime {

static std::string field(const json& s, const char* key) {
  if (!s.contains(key)) return "-";
  const json& v = s[key];
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i].dump();
    return out + "]";
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string summary_text(const RunReport& r) {
  std::string s = fmt::format("{:<24} {:<11} {:>7} {:>11} {:>14} {:>8}  {}\n", "input", "status", "frames", "resized WxH",
                              "grid_thw", "tokens", "output");
  for (const auto& j : r.jobs) {
    json sum = j.notes.contains("summary") ? j.notes["summary"] : json::object();
    std::string resized = sum.contains("resized_height")
                              ? fmt::format("{}x{}", field(sum, "resized_width"), field(sum, "resized_height")) : "-";
    std::string name = printable(j.name);
    if (name.size() > 24) name = utf8_prefix(name, 21) + "...";
    s += fmt::format("{:<24} {:<11} {:>7} {:>11} {:>14} {:>8}  {}\n", name, j.status, field(sum, "num_frames"), resized,
                     field(sum, "grid_thw"), field(sum, "total_tokens"), printable(j.output_dir));
  }
  auto count = [&](const char* status) {
    return std::count_if(r.jobs.begin(), r.jobs.end(), [&](const JobResult& j) { return j.status == status; });
  };
  s += fmt::format("{} inputs, {} ok, {} partial, ", r.jobs.size(), count("ok"), count("partial"));
  if (count("skipped")) s += fmt::format("{} skipped, ", count("skipped"));
  s += fmt::format("{} failed", count("failed"));
  if (r.interrupted)
    s += fmt::format(", {} interrupted, {} not started (interrupted)", count("interrupted"), count("not started"));
  s += fmt::format(" in {:.3f} s\n", r.wall_s);
  if (!r.run_error.empty()) s += "error: " + printable(r.run_error) + "\n";
  return s;
}

json summary_json(const RunReport& r, bool with_profile) {
  json jobs = json::array();
  for (const auto& j : r.jobs) {
    json o = {{"input", display_input(j.input)}, {"name", j.name}, {"status", j.status}, {"output_dir", j.output_dir}};
    if (j.status == "failed")
      o["error"] = {{"node", j.error_node}, {"type", j.error_type}, {"kind", to_string(j.error_kind)},
                    {"message", j.error}, {"hint", j.hint}};
    if (j.status == "skipped") o["reason"] = j.error;
    if (j.status == "partial") o["damage"] = j.damage;
    o["notes"] = j.notes;
    o["timing"] = j.timing;
    jobs.push_back(std::move(o));
  }
  json out = {{"jobs", jobs}, {"failed", r.failed()}, {"partial", r.partial()}, {"interrupted", r.interrupted},
              {"wall_s", r.wall_s}};
  if (!r.run_error.empty()) out["run_error"] = r.run_error;
  if (with_profile && r.profiler) out["profile"] = r.profiler->to_json(r.wall_s);
  return out;
}

}  // namespace vidpipe::runtime
