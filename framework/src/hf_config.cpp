// A Hugging Face model folder's processor configs → model profile and constants (hf_config.hpp).
#include "vidpipe/runtime/hf_config.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

namespace {

const std::map<std::string, std::string> kByProcessorClass = {
    {"Qwen2VLProcessor", "qwen2_vl"}, {"Qwen2_5_VLProcessor", "qwen2_5_vl"}, {"Qwen3VLProcessor", "qwen3_vl"}};
const std::map<std::string, std::string> kByProcessorType = {{"Qwen2VLImageProcessor", "qwen2_5_vl"},
                                                             {"Qwen2VLImageProcessorFast", "qwen2_5_vl"},
                                                             {"Qwen2VLVideoProcessor", "qwen2_5_vl"},
                                                             {"Qwen3VLVideoProcessor", "qwen3_vl"}};

[[noreturn]] void refuse(const std::string& file, const std::string& what, const std::string& hint) {
  throw Error("--hf-config " + file + ": " + what, hint, ErrorKind::Configuration);
}

std::string names(const std::map<std::string, std::string>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return join(out, ", ");
}

struct File {
  std::string path;
  json j;
  std::optional<int64_t> integer(const char* key) const {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_number_integer() || j[key].get<int64_t>() <= 0)
      refuse(path, fmt::format("'{}' must be a positive integer, got {}", key, j[key].dump()), "fix the file");
    return j[key].get<int64_t>();
  }
  std::optional<double> number(const char* key) const {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_number() || j[key].get<double>() <= 0)
      refuse(path, fmt::format("'{}' must be a positive number, got {}", key, j[key].dump()), "fix the file");
    return j[key].get<double>();
  }
  std::optional<json> triple(const char* key) const {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    const json& v = j[key];
    if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number())
      refuse(path, fmt::format("'{}' must be a list of 3 numbers, got {}", key, v.dump()), "fix the file");
    return v;
  }
  // min/max pixels: "min_pixels"/"max_pixels", or newer transformers' size {shortest_edge, longest_edge}.
  std::pair<std::optional<int64_t>, std::optional<int64_t>> pixel_bounds() const {
    auto lo = integer("min_pixels"), hi = integer("max_pixels");
    if (j.contains("size") && j["size"].is_object()) {
      File size{path + " size", j["size"]};
      if (!lo) lo = size.integer("shortest_edge");
      if (!hi) hi = size.integer("longest_edge");
    }
    return {lo, hi};
  }
};

std::optional<File> read_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    refuse(p.string(), std::string("not valid JSON: ") + e.what(), "give the model folder's own file");
  }
  if (!j.is_object()) refuse(p.string(), "expected a JSON object", "give the model folder's own file");
  return File{p.string(), std::move(j)};
}

std::string profile_of(const File& f) {
  const std::string cls = f.j.value("processor_class", "");
  if (auto it = kByProcessorClass.find(cls); it != kByProcessorClass.end()) return it->second;
  for (const char* key : {"video_processor_type", "image_processor_type"}) {
    const std::string type = f.j.value(key, "");
    if (auto it = kByProcessorType.find(type); it != kByProcessorType.end()) return it->second;
  }
  const std::string seen = f.j.value("processor_class", f.j.value("image_processor_type", f.j.value("video_processor_type", "")));
  refuse(f.path, seen.empty() ? "names no processor_class / image_processor_type / video_processor_type"
                              : "processor '" + seen + "' is not supported",
         "supported: processor_class " + names(kByProcessorClass) + "; processor types " + names(kByProcessorType));
}

}  // namespace

HfConfig read_hf_config(const std::string& dir) {
  const auto image = read_file(fs::path(dir) / "preprocessor_config.json");
  const auto video = read_file(fs::path(dir) / "video_preprocessor_config.json");
  if (!image && !video)
    refuse(dir, "holds neither preprocessor_config.json nor video_preprocessor_config.json",
           "give a Hugging Face model folder (the one with config.json)");
  HfConfig out;
  for (const auto* f : {&image, &video})
    if (*f) out.files.push_back((*f)->path);
  // A processor_class names the model; without one, the processor type does. Both files must
  // name supported processors, and the same model where both name a class.
  auto cls = [](const std::optional<File>& f) { return f ? f->j.value("processor_class", "") : std::string(); };
  const std::string image_profile = image ? profile_of(*image) : "", video_profile = video ? profile_of(*video) : "";
  out.profile = image && (cls(image) != "" || cls(video) == "") ? image_profile : video_profile;
  if (cls(image) != "" && cls(video) != "" && image_profile != video_profile)
    refuse(video->path, "names a different model (" + video_profile + ") than " + image->path + " (" + image_profile + ")",
           "give one model's folder");

  const int64_t default_patch = out.profile == "qwen3_vl" ? 16 : 14;
  std::optional<int64_t> patch, merge;
  for (const auto* f : {&image, &video}) {  // the video file's values win where both have one
    if (!*f) continue;
    const File& c = **f;
    if (auto v = c.integer("patch_size")) patch = *v, out.params["patch_size"] = *v;
    if (auto v = c.integer("merge_size")) merge = *v, out.params["merge_size"] = *v;
    if (auto v = c.integer("temporal_patch_size")) out.params["temporal_patch_size"] = *v;
    if (auto v = c.triple("image_mean")) out.params["norm_mean"] = *v;
    if (auto v = c.triple("image_std")) out.params["norm_std"] = *v;
  }
  if (patch || merge) out.params["factor"] = patch.value_or(default_patch) * merge.value_or(2);
  if (image) {
    auto [lo, hi] = image->pixel_bounds();
    if (lo) out.params["image_min_pixels"] = *lo;
    if (hi) out.params["image_max_pixels"] = *hi;
  }
  if (video) {
    auto [lo, hi] = video->pixel_bounds();
    if (out.profile == "qwen3_vl") {
      if (lo || hi)
        out.ignored.push_back(video->path + ": size (the native HF sampler's clip budget, docs/qwen-reference.md §6.6; "
                                            "vidpipe samples as qwen-vl-utils)");
    } else {
      if (lo) out.params["min_pixels"] = *lo;
      if (hi) out.params["video_max_pixels"] = *hi;
    }
    if (auto v = video->number("fps")) out.params["fps"] = *v;
    if (auto v = video->integer("min_frames")) out.params["min_frames"] = *v;
    if (auto v = video->integer("max_frames")) out.params["max_frames"] = *v;
  }
  return out;
}

}  // namespace vidpipe::runtime
