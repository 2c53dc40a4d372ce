// The sizing rules' inputs (sizing.hpp) as node parameters. process.smart_resize and the
// models' plan nodes declare the same set, so one profile value or `--set` reaches both and
// the plan and the resize cannot disagree.
#pragma once

#include <vidpipe/sdk/node.hpp>
#include <vidpipe/sdk/params.hpp>

#include <vidpipe/qwen_rules/sizing.hpp>

namespace vidpipe::ref {

// Declares factor, min_pixels, max_pixels, total_pixels, video_max_pixels, resized_height,
// resized_width, image_min_pixels, image_max_pixels with `defaults`' values.
void declare_sizing_params(NodeSpec& spec, const SizingParams& defaults = {});
SizingParams read_sizing_params(const Params& p);

}  // namespace vidpipe::ref
