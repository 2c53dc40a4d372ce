// Per-video settings of a chat message element or manifest line (see video_request.hpp).
#include "vidpipe/runtime/video_request.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "vidpipe/runtime/graph.hpp"

namespace vidpipe::runtime {

namespace {

// qwen-vl-utils' per-video keys (docs/qwen-reference.md §2) and the JSON type each takes.
constexpr const char* kIntegerKeys[] = {"nframes", "min_frames", "max_frames", "min_pixels",
                                        "max_pixels", "resized_height", "resized_width"};
constexpr const char* kNumberKeys[] = {"fps", "total_pixels", "video_start", "video_end"};
// What fetch_image reads of an image element (docs/qwen-reference.md §3).
constexpr const char* kImageKeys[] = {"min_pixels", "max_pixels", "resized_height", "resized_width"};

template <std::size_t N>
bool listed(const char* const (&keys)[N], const std::string& key) {
  return std::any_of(std::begin(keys), std::end(keys), [&](const char* k) { return key == k; });
}

[[noreturn]] void bad(const std::string& where, const std::string& what, const std::string& hint) {
  throw Error(where + ": " + what, hint, ErrorKind::Input);
}

// A key's value checked against its type; an integer written as 200704.0 is taken as 200704.
json checked(const std::string& where, const std::string& key, const json& v) {
  if (listed(kNumberKeys, key)) {
    if (!v.is_number())
      bad(where, fmt::format("'{}' must be a number, got {}", key, v.dump()), fmt::format("e.g. \"{}\": 2.0", key));
    return v;
  }
  if (v.is_number_integer()) return v;
  if (v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() == std::trunc(v.get<double>()) &&
      std::abs(v.get<double>()) < 9e15)
    return static_cast<int64_t>(v.get<double>());
  bad(where, fmt::format("'{}' must be an integer, got {}", key, v.dump()), fmt::format("e.g. \"{}\": 8", key));
}

std::string strip_file_url(const std::string& s) { return s.rfind("file://", 0) == 0 ? s.substr(7) : s; }

std::string video_input(const std::string& where, const json& v) {
  if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
  if (v.is_array() && !v.empty()) {
    json frames = json::array();
    for (const auto& f : v) {
      if (!f.is_string() || f.get<std::string>().empty())
        bad(where, "'video' as a list holds image file paths, got " + f.dump(), R"(e.g. "video": ["f1.jpg", "f2.jpg"])");
      frames.push_back(strip_file_url(f.get<std::string>()));
    }
    return json_text(frames);  // a frame list, as `vidpipe run` takes it
  }
  bad(where, "'video' must be a path, URL or a list of image paths, got " + v.dump(),
      R"(e.g. "video": "file:///data/a.mp4")");
}

std::string image_input(const std::string& where, const json& element) {
  json v = element.contains("image") ? element["image"] : element.value("image_url", json());
  if (v.is_object() && v.contains("url")) v = v["url"];  // OpenAI's {"image_url": {"url": ...}}
  if (!v.is_string() || v.get<std::string>().empty())
    bad(where, "'image' must be an image file's path, got " + v.dump(), R"(e.g. "image": "file:///data/a.jpg")");
  const std::string s = v.get<std::string>();
  if (s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0 || s.rfind("data:", 0) == 0)
    bad(where, "images are read from local files only, got " + s.substr(0, 48) + (s.size() > 48 ? "..." : ""),
        "save the image to a file first, or use vidpipe.qwen.fetch_image (PIL, as qwen-vl-utils)");
  return strip_file_url(s);
}

}  // namespace

VideoRequest parse_video_request(const json& element, const std::string& where) {
  if (!element.is_object())
    bad(where, "expected an object such as {\"video\": ..., \"fps\": 2}, got " + element.dump().substr(0, 64),
        "one JSON object per element or manifest line");
  VideoRequest r;
  const std::string type = element.value("type", "");
  const bool image = element.contains("image") || element.contains("image_url") || type == "image" || type == "image_url";
  if (element.contains("video")) {
    r.input = video_input(where, element["video"]);
  } else if (image) {
    r.kind = VideoRequest::Kind::Image;
    r.input = image_input(where, element);
  } else {
    bad(where, "has no \"video\" or \"image\"", R"(e.g. {"type": "video", "video": "file:///data/a.mp4"})");
  }
  for (const auto& [key, value] : element.items()) {
    if (key.find('.') != std::string::npos) {
      r.overrides[key] = value;  // node.param: the session checks it
    } else if (r.kind == VideoRequest::Kind::Image ? listed(kImageKeys, key)
                                                   : listed(kIntegerKeys, key) || listed(kNumberKeys, key)) {
      r.overrides[key] = checked(where, key, value);
    }
  }
  if (r.overrides.contains("fps") && r.overrides.contains("nframes"))
    bad(where, "gives both 'fps' and 'nframes'", "keep one (qwen-vl-utils refuses both too)");
  return r;
}

std::optional<VideoRequest> parse_manifest_line(const std::string& text, std::size_t line_no) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  const std::string where = "manifest line " + std::to_string(line_no);
  json element;
  try {
    element = json::parse(text);
  } catch (const json::exception& e) {
    bad(where, std::string("not valid JSON (") + e.what() + ")", R"(one object per line, e.g. {"video": "a.mp4", "fps": 1})");
  }
  return parse_video_request(element, where);
}

json image_overrides(const ResolvedGraph& graph, const json& element_overrides) {
  const auto node = std::find_if(graph.nodes.begin(), graph.nodes.end(), [](const ResolvedNode& n) {
    return n.entry->spec.find_param("image_min_pixels") && n.entry->spec.find_param("video_max_pixels");
  });
  if (node == graph.nodes.end())
    throw Error("graph '" + graph.name + "' has no Qwen sizing node (image_min_pixels), so it cannot size an image",
                "use a Qwen graph (qwen2_5_vl, qwen3_vl) for image elements", ErrorKind::Configuration);
  const json params = node->params.values();
  json out = json::object();
  for (const auto& [key, value] : element_overrides.items())
    if (key.find('.') != std::string::npos || key == "resized_height" || key == "resized_width") out[key] = value;
  // §2.7's cap with these is max(min(max, 1e15), int(min * 1.05)) = max: §2.2 with the image bounds.
  const json min = element_overrides.value("min_pixels", params.at("image_min_pixels"));
  const json max = element_overrides.value("max_pixels", params.at("image_max_pixels"));
  out["min_pixels"] = min;
  out["max_pixels"] = max;
  out["video_max_pixels"] = max;
  out["total_pixels"] = 1e15;
  out["nframes"] = 2;
  return out;
}

std::vector<VisionElement> vision_elements(const json& messages) {
  const char* hint = R"(a JSON list such as [{"role": "user", "content": [{"type": "video", "video": "a.mp4"}]}])";
  if (!messages.is_array()) throw Error("the messages are not a list of messages", hint, ErrorKind::Input);
  std::vector<VisionElement> out;
  for (std::size_t m = 0; m < messages.size(); ++m) {
    const json& message = messages[m];
    if (!message.is_object() || !message.contains("content"))
      throw Error(fmt::format("message {} is not an object with \"content\"", m), hint, ErrorKind::Input);
    const json& content = message["content"];
    if (!content.is_array()) continue;  // plain text
    for (std::size_t c = 0; c < content.size(); ++c) {
      const json& e = content[c];
      if (!e.is_object()) continue;
      const std::string type = e.value("type", "");
      if (e.contains("video") || e.contains("image") || e.contains("image_url") || type == "video" || type == "image" ||
          type == "image_url")
        out.push_back({m, c});
    }
  }
  return out;
}

}  // namespace vidpipe::runtime
