// <model>.plan (Plan -> Plan): token and memory planning of a Qwen-VL family video from metadata
// alone (no pixels): resized size (docs/qwen-reference.md §2.7/§2.8 via ref::qwen_video_size), grid_thw,
// tokens, prompt placeholder counts and memory estimates, plus budget validation against
// max_context_tokens (on_overflow: error | fit). Emits a new SamplePlan (the input narrowed to
// fewer of the sampler's picks when `fit` lowered the frame count) that carries:
//   resize = {height, width}  the size process.smart_resize must produce (it honours it)
//   tokens_plan = {...}       everything `vidpipe plan` prints
// The node also notes "plan" in the job's metadata. Used by plugins/qwen2_5_vl and qwen3_vl.
#pragma once

#include <string>

#include <vidpipe/sdk.hpp>

namespace vidpipe::qwen {

struct PlanModel {
  std::string type;         // node type, e.g. "qwen2_5_vl.plan"
  int64_t patch = 14;       // defaults of the model's profile
  int64_t factor = 28;
  double min_pixels = 100352, video_max_pixels = 602112, total_pixels = 90316800.0;
  double image_min_pixels = 3136, image_max_pixels = 12845056;
  int64_t hidden_size = 3584;  // LLM hidden size = width of one visual token embedding
  bool per_group_timestamps = false;  // Qwen3-VL: one "<t seconds>" text block per temporal group
};

void register_plan_node(Registry& r, const PlanModel& model);

// Memory of `elements` values of each dtype, bytes: {"fp32": .., "bf16": .., "fp16": .., "int8": .., "int4": ..}
json dtype_bytes(double elements);

}  // namespace vidpipe::qwen
