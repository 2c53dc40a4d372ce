// `--hf-config DIR`: a Hugging Face model folder's preprocessor_config.json and/or
// video_preprocessor_config.json → the model profile and its constants (README.md: Model
// folders; docs/qwen-reference.md §1.3, §6). The processor class picks the profile:
//
//   processor_class Qwen2VLProcessor → qwen2_vl, Qwen2_5_VLProcessor → qwen2_5_vl,
//   Qwen3VLProcessor → qwen3_vl; without it, image_processor_type Qwen2VLImageProcessor(Fast)
//   or video_processor_type Qwen2VLVideoProcessor → qwen2_5_vl, Qwen3VLVideoProcessor → qwen3_vl.
//
// Constants: patch_size, merge_size, temporal_patch_size (and factor = patch·merge),
// image_mean/std → norm_mean/norm_std, the image processor's min/max_pixels (or size
// {shortest_edge, longest_edge}) → image_min/max_pixels (the image bounds, §2.8), a Qwen2-VL
// video processor's → min_pixels/video_max_pixels (per-frame video bounds), and fps,
// min_frames, max_frames. Not mapped: a Qwen3-VL video processor's size, the clip budget of the
// native HF sampler vidpipe does not implement (§6.6); it is listed in `ignored`.
#pragma once

#include <string>
#include <vector>

#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/error.hpp"

namespace vidpipe::runtime {

struct HfConfig {
  std::string profile;               // a model profile name
  json params = json::object();      // profile constants: Overrides::profile_params
  std::vector<std::string> files;    // the files read
  std::vector<std::string> ignored;  // "file: key (why)" for keys read but not mapped
};

// Throws vidpipe::Error (Configuration) naming the file: none of the two files, unreadable
// JSON, a value of the wrong type, or a processor type that is not supported (listing those).
HfConfig read_hf_config(const std::string& dir);

}  // namespace vidpipe::runtime
