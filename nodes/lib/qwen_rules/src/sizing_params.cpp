#include <vidpipe/qwen_rules/sizing_params.hpp>

namespace vidpipe::ref {

void declare_sizing_params(NodeSpec& spec, const SizingParams& d) {
  auto i64 = [](double v) { return static_cast<int64_t>(v); };
  spec.integer("factor", d.factor, 1, 1024, "height and width become multiples of this")
      .integer("min_pixels", i64(d.min_pixels), 1, 1e12, "per-frame minimum area")
      .integer("max_pixels", nullptr, 1, 1e12, "user per-frame cap (can only lower the cap)")
      .number("total_pixels", d.total_pixels, 1, 1e15, "pixel budget of the whole video")
      .integer("video_max_pixels", i64(d.video_max_pixels), 1, 1e12, "model's per-frame ceiling (VIDEO_MAX_PIXELS)")
      .integer("resized_height", nullptr, 1, 1e6, "explicit height (needs resized_width too)")
      .integer("resized_width", nullptr, 1, 1e6, "explicit width (needs resized_height too)")
      .integer("image_min_pixels", i64(d.image_min_pixels), 1, 1e12, "min area for explicit sizes")
      .integer("image_max_pixels", i64(d.image_max_pixels), 1, 1e12, "max area for explicit sizes")
      // The model's rules; resized_height/width are a per-video choice, never a profile's.
      .model_settable({"factor", "min_pixels", "max_pixels", "total_pixels", "video_max_pixels", "image_min_pixels",
                       "image_max_pixels"});
}

SizingParams read_sizing_params(const Params& p) {
  SizingParams s;
  s.factor = p.get<int64_t>("factor");
  s.min_pixels = p.get<double>("min_pixels");
  if (p.has("max_pixels")) s.max_pixels = p.get<double>("max_pixels");
  s.total_pixels = p.get<double>("total_pixels");
  s.video_max_pixels = p.get<double>("video_max_pixels");
  if (p.has("resized_height")) s.resized_height = p.get<int64_t>("resized_height");
  if (p.has("resized_width")) s.resized_width = p.get<int64_t>("resized_width");
  // The sizing rule uses an explicit size only when both are given; one alone would be ignored.
  if (s.resized_height.has_value() != s.resized_width.has_value())
    throw Error(std::string(s.resized_height ? "resized_height" : "resized_width") + " is set without " +
                    (s.resized_height ? "resized_width" : "resized_height") + ", so it would be ignored",
                "set both resized_height and resized_width, or neither");
  s.image_min_pixels = p.get<double>("image_min_pixels");
  s.image_max_pixels = p.get<double>("image_max_pixels");
  return s;
}

}  // namespace vidpipe::ref
