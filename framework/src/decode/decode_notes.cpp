// What the decode node reports (decode_node.hpp): the decode note, the damage, and its limit
// parameters.
#include <fmt/format.h>

#include "decode/decode_node.hpp"

namespace vidpipe::runtime {
namespace {

// The decode damage of `stats` in words ("1 damaged frame, 2 planned frames missing ..."), or "".
std::string damage_text(const WalkStats& stats) {
  std::string text;
  auto add = [&](int64_t n, const char* one, const char* many) {
    if (n > 0) text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + (n == 1 ? one : many);
  };
  add(stats.corrupt_packets, "packet does not decode", "packets do not decode");
  add(stats.corrupt_frames, "damaged frame", "damaged frames");
  add(stats.missing_frames, "planned frame missing (answered by the nearest decodable frame)",
      "planned frames missing (answered by the nearest decodable frame)");
  add(stats.unmapped_frames, "frame without a packet timestamp", "frames without a packet timestamp");
  return text;
}

// A frame sequence's damage: images the decoder filled in (the grey rows of a cut JPEG), named by
// the first damaged image's warning (the backend's note "damage_warning", else "warnings").
std::string image_damage_text(const WalkStats& stats, const json& facts) {
  const int64_t n = stats.corrupt_frames;
  if (n <= 0) return damage_text(stats);
  std::string first;
  if (facts.contains("damage_warning")) first = facts.at("damage_warning").get<std::string>();
  else if (facts.contains("warnings") && !facts.at("warnings").empty()) first = facts.at("warnings").at(0).get<std::string>();
  std::string text = std::to_string(n) + (n == 1 ? " planned image is" : " planned images are") +
                     " damaged, decoded with what the decoder could recover";
  if (!first.empty()) text += " (first warning: " + first + ")";
  WalkStats rest = stats;
  rest.corrupt_frames = 0;
  const std::string more = damage_text(rest);
  return more.empty() ? text : text + ", " + more;
}

}  // namespace

json decode_note(const json& backend_note, const WalkStats& stats, const WalkOptions& opt) {
  json note = backend_note.is_object() ? backend_note : json::object();
  note.erase("damage_warning");  // said in the damage line
  const int64_t decoded = stats.decoded_frames;
  note["seek_mode"] = opt.seek_mode;
  note["strategy"] = stats.strategy;
  note["seeks"] = stats.seeks;
  note["decoded_frames"] = decoded;
  note["packets_skipped"] = stats.packets_skipped;
  note["returned_frames"] = stats.returned_frames;
  note["decoded_per_returned"] = stats.returned_frames ? static_cast<double>(decoded) / stats.returned_frames : 0.0;
  if (!stats.approximate_from.empty()) note["requested_indices"] = stats.approximate_from;
  if (stats.restart_from >= 0)  // damage under frame threads (the walk went on single-threaded)
    note["restarted_single_threaded"] = {{"from_frame", stats.restart_from}, {"reason", stats.restart_reason}};
  return note;
}

void report_damage(Job& job, const WalkStats& stats, const WalkOptions& opt, const json& backend_note,
                   bool frame_sequence) {
  const std::string damage = frame_sequence ? image_damage_text(stats, backend_note) : damage_text(stats);
  if (damage.empty()) return;
  job.mark_partial(damage);
  if (frame_sequence) return;  // the images' warnings are in the decode note
  job.note("damage", {{"corrupt_packets", stats.corrupt_packets},
                      {"corrupt_frames", stats.corrupt_frames},
                      {"missing_frames", stats.missing_frames},
                      {"unmapped_frames", stats.unmapped_frames},
                      {"policy", opt.on_decode_error},
                      {"note", "missing frames are answered by the nearest decodable frame"}});
}

}  // namespace vidpipe::runtime
