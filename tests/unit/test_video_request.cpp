// The per-video settings parser (video_request.hpp) and the model-folder reader (hf_config.hpp).
#include <doctest/doctest.h>

#include <fstream>

#include "temp_dir.hpp"
#include "vidpipe/runtime/hf_config.hpp"
#include "vidpipe/runtime/video_request.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace {

std::string error_of(const json& element) {
  try {
    parse_video_request(element, "element 2");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string hf_error(const std::string& dir) {
  try {
    read_hf_config(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void write(const std::filesystem::path& p, const json& j) { std::ofstream(p) << j.dump(); }

// Qwen2.5-VL-7B-Instruct's preprocessor_config.json as published.
const json kQwen25 = {{"min_pixels", 3136},
                      {"max_pixels", 12845056},
                      {"patch_size", 14},
                      {"temporal_patch_size", 2},
                      {"merge_size", 2},
                      {"image_mean", {0.48145466, 0.4578275, 0.40821073}},
                      {"image_std", {0.26862954, 0.26130258, 0.27577711}},
                      {"image_processor_type", "Qwen2VLImageProcessor"},
                      {"processor_class", "Qwen2_5_VLProcessor"}};

}  // namespace

TEST_CASE("a video element: its per-video keys become overrides, the rest is ignored") {
  const json e = {{"type", "video"},     {"video", "file:///data/a.mp4"}, {"fps", 1.5},  {"max_pixels", 200704},
                  {"video_start", 2},   {"video_end", 8.5},              {"min_frames", 4}, {"total_pixels", 9e7},
                  {"text", "ignored"},  {"image_patch_size", 16},        {"decode.autorotate", false}};
  const VideoRequest r = parse_video_request(e, "element 0");
  CHECK(r.kind == VideoRequest::Kind::Video);
  CHECK(r.input == "file:///data/a.mp4");
  CHECK(r.overrides == json({{"fps", 1.5}, {"max_pixels", 200704}, {"video_start", 2}, {"video_end", 8.5},
                             {"min_frames", 4}, {"total_pixels", 9e7}, {"decode.autorotate", false}}));
}

TEST_CASE("integers written as floats are integers; a list of frames is a frame list input") {
  const VideoRequest r = parse_video_request({{"video", {"file:///f/1.jpg", "f/2.jpg"}}, {"nframes", 8.0},
                                              {"resized_height", 280}, {"resized_width", 504.0}},
                                             "element 0");
  CHECK(r.input == R"(["/f/1.jpg","f/2.jpg"])");
  CHECK(r.overrides["nframes"].is_number_integer());
  CHECK(r.overrides["resized_width"] == 504);
}

TEST_CASE("a wrong type is one error naming the element and the key") {
  CHECK(error_of({{"video", "a.mp4"}, {"fps", "2"}}) == "element 2: 'fps' must be a number, got \"2\"");
  CHECK(error_of({{"video", "a.mp4"}, {"nframes", 8.5}}) == "element 2: 'nframes' must be an integer, got 8.5");
  CHECK(error_of({{"video", "a.mp4"}, {"max_pixels", true}}) == "element 2: 'max_pixels' must be an integer, got true");
  CHECK(error_of({{"video", 3}}).find("element 2: 'video' must be a path") == 0);
  CHECK(error_of({{"video", json::array()}}).find("element 2: 'video' must be") == 0);
  CHECK(error_of({{"video", {"a.jpg", 1}}}).find("element 2: 'video' as a list") == 0);
  CHECK(error_of({{"video", "a.mp4"}, {"fps", 2}, {"nframes", 4}}) == "element 2: gives both 'fps' and 'nframes'");
  CHECK(error_of({{"type", "text"}, {"text", "hi"}}) == "element 2: has no \"video\" or \"image\"");
  CHECK(error_of(json::array()).find("element 2: expected an object") == 0);
}

TEST_CASE("an image element: its path and fetch_image's keys") {
  const VideoRequest r = parse_video_request(
      {{"type", "image"}, {"image", "file:///p/a.png"}, {"max_pixels", 50176}, {"fps", 3}, {"nframes", 2}}, "element 0");
  CHECK(r.kind == VideoRequest::Kind::Image);
  CHECK(r.input == "/p/a.png");
  CHECK(r.overrides == json({{"max_pixels", 50176}}));  // fps, nframes: not an image's
  CHECK(parse_video_request({{"image_url", {{"url", "b.jpg"}}}}, "e").input == "b.jpg");
  CHECK(error_of({{"image", "https://x/a.jpg"}}).find("element 2: images are read from local files only") == 0);
  CHECK(error_of({{"image", "data:image/png;base64,AAAA"}}).find("element 2: images are read from local files") == 0);
}

TEST_CASE("a manifest line is the same object, one per line") {
  const auto r = parse_manifest_line(R"({"video": "/d/a.mp4", "nframes": 16, "video_end": 4})", 3);
  REQUIRE(r.has_value());
  CHECK(r->input == "/d/a.mp4");
  CHECK(r->overrides == json({{"nframes", 16}, {"video_end", 4}}));
  CHECK(!parse_manifest_line("  \r", 4).has_value());
  try {
    parse_manifest_line(R"({"video": "a.mp4", "fps": [2]})", 7);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "manifest line 7: 'fps' must be a number, got [2]");
  }
  CHECK_THROWS_WITH_AS(parse_manifest_line("{video: a.mp4}", 9), doctest::Contains("manifest line 9: not valid JSON"), Error);
}

TEST_CASE("vision elements of a messages list, in order") {
  const json messages = json::parse(R"([
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "video", "video": "a.mp4"},
                                 {"type": "image", "image": "b.png"}]},
    {"role": "user", "content": [{"video": "c.mp4"}]}])");
  const auto v = vision_elements(messages);
  REQUIRE(v.size() == 3);
  CHECK((v[0].message == 1 && v[0].content == 1));
  CHECK((v[1].message == 1 && v[1].content == 2));
  CHECK((v[2].message == 2 && v[2].content == 0));
  CHECK_THROWS_AS(vision_elements(json::object()), Error);
  CHECK_THROWS_AS(vision_elements(json::parse(R"([{"role": "user"}])")), Error);
}

TEST_CASE("--hf-config: the published Qwen2.5-VL preprocessor config") {
  TempDir d("hf");
  write(d.path / "preprocessor_config.json", kQwen25);
  const HfConfig c = read_hf_config(d.path.string());
  CHECK(c.profile == "qwen2_5_vl");
  CHECK(c.params == json({{"patch_size", 14},
                          {"merge_size", 2},
                          {"temporal_patch_size", 2},
                          {"norm_mean", kQwen25["image_mean"]},
                          {"norm_std", kQwen25["image_std"]},
                          {"factor", 28},
                          {"image_min_pixels", 3136},
                          {"image_max_pixels", 12845056}}));
}

TEST_CASE("--hf-config: newer size keys, a video processor, Qwen3, and refusals") {
  TempDir d("hf");
  json image = kQwen25;
  image.erase("min_pixels"), image.erase("max_pixels");
  image["size"] = {{"shortest_edge", 4096}, {"longest_edge", 16777216}};
  image["processor_class"] = "Qwen2VLProcessor";
  write(d.path / "preprocessor_config.json", image);
  write(d.path / "video_preprocessor_config.json",
        {{"video_processor_type", "Qwen2VLVideoProcessor"}, {"min_pixels", 100352}, {"max_pixels", 200704}, {"fps", 1.0}});
  HfConfig c = read_hf_config(d.path.string());
  CHECK(c.profile == "qwen2_vl");
  CHECK(c.params["image_min_pixels"] == 4096);
  CHECK(c.params["image_max_pixels"] == 16777216);
  CHECK(c.params["min_pixels"] == 100352);
  CHECK(c.params["video_max_pixels"] == 200704);
  CHECK(c.params["fps"] == 1.0);

  TempDir q("hf3");
  write(q.path / "video_preprocessor_config.json",
        {{"video_processor_type", "Qwen3VLVideoProcessor"}, {"patch_size", 16}, {"merge_size", 2},
         {"size", {{"shortest_edge", 4096}, {"longest_edge", 25165824}}}, {"fps", 2}});
  c = read_hf_config(q.path.string());
  CHECK(c.profile == "qwen3_vl");
  CHECK(c.params["factor"] == 32);
  CHECK(!c.params.contains("video_max_pixels"));  // the native sampler's clip budget: not used
  REQUIRE(c.ignored.size() == 1);

  TempDir bad("hfbad");
  CHECK(hf_error(bad.path.string()).find("holds neither preprocessor_config.json") != std::string::npos);
  json other = kQwen25;
  other["image_processor_type"] = "CLIPImageProcessor", other["processor_class"] = "LlavaProcessor";
  write(bad.path / "preprocessor_config.json", other);
  const std::string e = hf_error(bad.path.string());
  CHECK(e.find("preprocessor_config.json: processor 'LlavaProcessor' is not supported") != std::string::npos);
  other = kQwen25;
  other["patch_size"] = "14";
  write(bad.path / "preprocessor_config.json", other);
  CHECK(hf_error(bad.path.string()).find("'patch_size' must be a positive integer") != std::string::npos);
}
