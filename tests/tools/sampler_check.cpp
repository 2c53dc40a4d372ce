// vidpipe_sampler_check: runs a sampler node of the sample plugin (as the runtime loads it) on
// synthetic videos, for the Python tests to compare its picks with formulas they compute
// themselves (numpy, torch). One JSON object per stdin line:
//   {"type": "sample.uniform", "frames": N, "fps": r, "params": {...},
//    "frame_times": [...], "keyframes": [...], "extra": {...}}   (the last three optional)
// prints one JSON line: {"indices", "reasons", "timestamps", "sample_fps", "extra", "note"} or
// {"error": message, "hint": hint} when the node refuses.
#include <iostream>
#include <string>

#include <vidpipe/testing.hpp>

using namespace vidpipe;

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const json c = json::parse(line);
    json result;
    try {
      auto info = std::make_shared<VideoInfo>();
      info->input = "synthetic.mp4";
      info->width = 64, info->height = 64;
      info->fps = c.at("fps").get<double>();
      info->frame_count = c.at("frames").get<int64_t>();
      info->duration = static_cast<double>(info->frame_count) / info->fps;
      info->frame_times = c.value("frame_times", std::vector<double>{});
      info->keyframes = c.value("keyframes", std::vector<int64_t>{});
      info->extra = c.value("extra", json::object());
      if (!info->frame_times.empty()) info->duration = c.value("duration", info->duration);
      auto node = testing::NodeRunner::from_plugin(VIDPIPE_SAMPLE_PLUGIN, c.at("type").get<std::string>(),
                                                   c.value("params", json::object()));
      node.process(InfoPtr(info));
      const auto plan = node.output<SamplePlan>();
      result = {{"indices", plan->indices}, {"reasons", plan->reasons},   {"timestamps", plan->timestamps},
                {"sample_fps", plan->sample_fps}, {"extra", plan->extra}, {"note", node.notes()["sample"]}};
    } catch (const Error& e) {
      result = {{"error", e.what()}, {"hint", e.hint()}};
    }
    std::cout << result.dump() << "\n";
  }
  return 0;
}
