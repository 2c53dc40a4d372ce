// qwen2_5_vl: the Qwen2.5-VL (and Qwen2-VL) model plugin: profiles with the reference
// defaults of qwen-vl-utils and the tokens node. Numbers and sources: docs/qwen-reference.md §1.
#include <vidpipe/sdk.hpp>

#include "qwen_plan.hpp"

void register_qwen2_5_vl_tokens(vidpipe::Registry& r);

namespace {

vidpipe::json shared_params() {
  return {{"factor", 28},           {"min_pixels", 100352},  {"video_max_pixels", 602112},
          {"total_pixels", 90316800.0}, {"fps", 2.0},       {"min_frames", 4},
          {"max_frames", 768},      {"frame_factor", 2},     {"patch_size", 14},
          {"merge_size", 2},        {"temporal_patch_size", 2}, {"color_matrix", "bt601"}};
}

vidpipe::json shared_facts() {
  return {{"source", "qwen-vl-utils vision_process.py 0.0.10 (QwenLM/Qwen2.5-VL f0af2996, file "
                     "d66ace26) and 0.0.14 (QwenLM/Qwen3-VL 96588727)"},
          {"IMAGE_FACTOR", 28}, {"MIN_PIXELS", 3136}, {"MAX_PIXELS", 12845056},
          {"MAX_RATIO", 200}, {"VIDEO_MIN_PIXELS", 100352}, {"VIDEO_MAX_PIXELS", 602112},
          {"VIDEO_TOTAL_PIXELS", "int(128000*28*28*0.9) = 90316800 (0.0.9+)"},
          {"FRAME_FACTOR", 2}, {"FPS", 2.0}, {"FPS_MIN_FRAMES", 4}, {"FPS_MAX_FRAMES", 768},
          {"resize", "torchvision resize BICUBIC antialias=True (a=-0.5), round half-even"},
          {"color", "reference readers (PyAV, decord, OpenCV) convert YUV->RGB with BT.601"},
          {"indices", "torch.linspace(start, end, n).round() in float32"},
          {"preprocessor", "patch 14, temporal_patch 2, merge 2, CLIP mean/std"}};
}

void register_nodes(vidpipe::Registry& r) {
  register_qwen2_5_vl_tokens(r);
  vidpipe::qwen::PlanModel plan;
  plan.type = "qwen2_5_vl.plan";  // Qwen2.5-VL-7B: vision_config.out_hidden_size 3584
  vidpipe::qwen::register_plan_node(r, plan);
  vidpipe::json facts25 = shared_facts();
  facts25["tokens_per_second"] = "vision_config.tokens_per_second = 2 (M-RoPE time ids)";
  facts25["second_per_grid_ts"] = "temporal_patch_size / sampled fps";
  r.add_profile({"qwen2_5_vl", "Qwen2.5-VL with qwen-vl-utils 0.0.10+ defaults", shared_params(),
                 facts25});
  vidpipe::json facts2 = shared_facts();
  facts2["qwen_vl_utils_0.0.8"] =
      "Qwen2-VL era 0.0.8 (4a2035c9) differs: VIDEO_TOTAL_PIXELS fixed 19267584, fps-mode frame "
      "count rounded (not floored, no cap by N), user max_pixels replaces the per-frame cap; "
      "this profile uses the 0.0.10+ rules";
  facts2["mrope"] = "Qwen2-VL time index = temporal group k (no tokens_per_second)";
  r.add_profile({"qwen2_vl", "Qwen2-VL with qwen-vl-utils 0.0.10+ defaults", shared_params(),
                 facts2});
}

}  // namespace

VIDPIPE_PLUGIN("qwen2_5_vl", VIDPIPE_VERSION, register_nodes)
