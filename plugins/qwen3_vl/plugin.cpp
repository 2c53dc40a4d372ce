// qwen3_vl: the Qwen3-VL model plugin (docs/qwen-reference.md §1.2, §1.3, §6.6): qwen-vl-utils 0.0.14 with
// image_patch_size 16 (factor 32), mean = std = 0.5, per-temporal-group timestamps.
// Nodes: qwen3_vl.tokens (grid, tokens, "<t seconds>" prompt blocks) and qwen3_vl.plan.
#include <cmath>
#include <cstdio>
#include <string>

#include <vidpipe/sdk.hpp>

#include "qwen_plan.hpp"

namespace {

using namespace vidpipe;

// Python "%.1f" % x: glibc printf rounds the binary value exactly, ties to even, like CPython.
std::string one_decimal(double x) {
  char b[64];
  std::snprintf(b, sizeof b, "%.1f", x);
  return b;
}

class Qwen3Tokens : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("qwen3_vl.tokens", "grid_thw, tokens and per-temporal-group timestamps of a Qwen3-VL clip")
        .with_shape(Shape::Map)
        .with_role(Role::Tokenizer)
        .uses_frames(FrameUse::Descriptors)  // sizes and indices only
        .parallel()
        .input("clip", DataType::Clip, "resized frames of one video")
        .output("clip", DataType::Clip, "the same clip with tokens filled in")
        .integer("patch_size", 16, 1, 1024, "ViT patch side")
        .integer("merge_size", 2, 1, 64, "spatial merge")
        .integer("temporal_patch_size", 2, 1, 64, "frames per temporal patch")
        .model_settable({"patch_size", "merge_size", "temporal_patch_size"});
  }
  explicit Qwen3Tokens(const Params& p)
      : p_(p.get<int64_t>("patch_size")), m_(p.get<int64_t>("merge_size")), tp_(p.get<int64_t>("temporal_patch_size")) {}

  void process(const Data& in, Emitter& out, Job&) override {
    const ClipPtr& clip = std::get<ClipPtr>(in);
    if (clip->frames.empty()) throw Error("qwen3_vl.tokens: clip has no frames");
    const int h = clip->frames.front()->height, w = clip->frames.front()->width;
    if (h % (p_ * m_) || w % (p_ * m_))
      throw Error("qwen3_vl.tokens: frame size " + size_text(w, h) + " is not a multiple of " + std::to_string(p_ * m_),
                  "resize with process.smart_resize and factor " + std::to_string(p_ * m_));
    const auto T = static_cast<int64_t>(clip->frames.size());
    TokenInfo t;
    const int64_t gt = (T + tp_ - 1) / tp_;
    t.grid_thw = {gt, h / p_, w / p_};
    const int64_t per_group = (h / p_) * (w / p_) / (m_ * m_);
    t.total_tokens = gt * per_group;
    t.padded_frames = gt * tp_ - T;
    // §6.6: indices padded to a multiple of merge_size by repeating the last; t_i = idx_i / original
    // fps; ts_g = (t_{2g} + t_{2g+1}) / 2. Picks not spread evenly (the plan's spacing,
    // docs/sampling.md §6): t_i is frame i's timestamp, so uneven gaps show in the prompt as they are.
    const double fps = clip->plan && clip->plan->info ? clip->plan->info->fps : 0.0;
    const double r = fps > 0 ? fps : 24.0;
    const bool even = !clip->plan || clip->plan->extra.value("spacing", "even") == "even";
    std::vector<double> times;
    for (const auto& f : clip->frames) times.push_back(even ? static_cast<double>(f->index) / r : f->timestamp);
    while (times.size() % m_) times.push_back(times.back());
    json ts = json::array(), texts = json::array();
    std::string prompt;
    for (int64_t g = 0; g < gt; ++g) {
      const double a = times[std::min<std::size_t>(2 * g, times.size() - 1)];
      const double b = times[std::min<std::size_t>(2 * g + 1, times.size() - 1)];
      const double v = (a + b) / 2;
      ts.push_back(v);
      texts.push_back("<" + one_decimal(v) + " seconds>");
      if (g < 3) prompt += "<" + one_decimal(v) + " seconds><|vision_start|><|video_pad|>x" + std::to_string(per_group) + "<|vision_end|>";
    }
    if (gt > 3) prompt += "... (" + std::to_string(gt) + " groups)";
    t.extra = {{"timestamps", ts}, {"timestamp_texts", texts}, {"tokens_per_temporal_group", per_group},
               {"fps_used_for_timestamps", r}, {"video_pad_tokens", t.total_tokens}, {"prompt_head", prompt}};
    if (!even) t.extra["irregular_picks"] = "timestamps from the frames' presentation times, not index / fps";
    auto result = std::make_shared<Clip>(*clip);
    result->tokens = std::move(t);
    out.emit(ClipPtr(std::move(result)));
  }

 private:
  int64_t p_, m_, tp_;
};

void register_nodes(Registry& r) {
  r.add<Qwen3Tokens>();
  qwen::PlanModel plan;
  plan.type = "qwen3_vl.plan";
  plan.patch = 16;
  plan.factor = 32;
  plan.min_pixels = 131072;
  plan.video_max_pixels = 786432;
  plan.total_pixels = 117964800.0;
  plan.image_min_pixels = 4096;
  plan.image_max_pixels = 16777216;
  plan.hidden_size = 4096;  // Qwen3-VL-8B text hidden_size (not verified here; override with hidden_size)
  plan.per_group_timestamps = true;
  qwen::register_plan_node(r, plan);
  json params = {{"factor", 32}, {"min_pixels", 131072}, {"video_max_pixels", 786432}, {"total_pixels", 117964800.0},
                 {"image_min_pixels", 4096}, {"image_max_pixels", 16777216}, {"fps", 2.0}, {"min_frames", 4},
                 {"max_frames", 768}, {"frame_factor", 2}, {"patch_size", 16}, {"merge_size", 2},
                 {"temporal_patch_size", 2}, {"color_matrix", "bt601"}, {"norm_mean", {0.5, 0.5, 0.5}},
                 {"norm_std", {0.5, 0.5, 0.5}}};
  json facts = {{"source", "qwen-vl-utils 0.0.14 (QwenLM/Qwen3-VL 96588727, vision_process.py fe120581) with "
                           "image_patch_size=16; transformers qwen3_vl video_processing_qwen3_vl.py 930941c6, "
                           "processing_qwen3_vl.py e1b55167 (docs/qwen-reference.md §1.2, §1.3, §6.6)"},
                {"factor", "image_patch_size 16 x SPATIAL_MERGE_SIZE 2 = 32"},
                {"VIDEO_MIN_TOKEN_NUM", "128 -> 131072 px"}, {"VIDEO_MAX_TOKEN_NUM", "768 -> 786432 px"},
                {"MODEL_SEQ_LEN", "128000 -> total_pixels 128000*32*32*0.9 = 117964800"},
                {"mean_std", "image_mean = image_std = [0.5, 0.5, 0.5]"},
                {"timestamps", "per temporal group: mean of idx/original_fps of its 2 frames, '%.1f' seconds"},
                {"hidden_size", "4096 assumed (Qwen3-VL-8B); not verified with the search tool"}};
  r.add_profile({"qwen3_vl", "Qwen3-VL with qwen-vl-utils 0.0.14 defaults (image_patch_size 16)", params, facts});
}

}  // namespace

VIDPIPE_PLUGIN("qwen3_vl", VIDPIPE_VERSION, register_nodes)
