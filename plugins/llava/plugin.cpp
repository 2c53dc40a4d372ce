// llava: the LLaVA-OneVision / LLaVA-Video model plugin (SigLIP-so400m-patch14-384 vision tower).
// Every frame is resized to a fixed 384x384 square (aspect ratio not kept), normalised with
// mean = std = 0.5, cut into 27x27 = 729 patches of 14 px, and the 27x27 feature map of each
// frame is pooled 2x2 before it reaches the LLM:
//   llava_onevision  bilinear interpolation to ceil(27/2) = 14 -> 196 tokens per frame, plus one
//                    image_newline token after the whole video (transformers' processor: +1)
//   llava_video      avg_pool2d(stride 2) -> floor(27/2) = 13 -> 169 per frame, plus one newline
//                    per row ("grid": 13 x (13 + 1) = 182 per frame)
// Sources are in the profiles' facts (vidpipe describe llava_onevision).
//
// Nodes: llava.plan (Plan -> Plan: size, tokens, memory and a context budget from metadata alone;
// the reference's np.linspace(...).astype(int) indices are the sampler's, via the profile's
// index_rule: floor) and llava.tokens (Clip -> Clip).
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <vidpipe/sdk.hpp>

namespace {

using namespace vidpipe;

// ---- token math, shared by plan and tokens --------------------------------------------------

struct Geometry {
  int64_t image_size = 384, patch = 14, stride = 2;
  std::string pool = "bilinear", newline = "one_token";

  int64_t side() const { return image_size / patch; }  // conv stride = kernel = patch, no padding
  int64_t pooled() const {
    const int64_t s = side();
    if (pool == "none" || stride <= 1) return s;
    if (pool == "bilinear") return (s + stride - 1) / stride;  // math.ceil(h / stride)
    return (s - stride) / stride + 1;                           // avg/max_pool2d: floor((s - k) / k) + 1
  }
  int64_t pooled_tokens() const { return pooled() * pooled(); }
  // Tokens of one frame including the newline tokens that belong to it.
  int64_t per_frame() const {
    if (newline == "grid") return pooled() * (pooled() + 1);
    if (newline == "frame") return pooled_tokens() + 1;
    return pooled_tokens();
  }
  int64_t total(int64_t frames) const { return frames * per_frame() + (newline == "one_token" ? 1 : 0); }
  int64_t newline_tokens(int64_t frames) const {
    if (newline == "grid") return frames * pooled();
    if (newline == "frame") return frames;
    return newline == "one_token" ? 1 : 0;
  }
};

void add_geometry_params(NodeSpec& s) {
  s.integer("image_size", 384, 1, 65536, "square input side of the vision tower")
      .integer("patch_size", 14, 1, 1024, "ViT patch side")
      .choice("pool_mode", "bilinear", {"bilinear", "average", "max", "none"},
              "video feature pooling: bilinear (ceil(side/stride)), average/max (floor), none")
      .integer("pool_stride", 2, 1, 64, "mm_spatial_pool_stride")
      .choice("newline", "one_token", {"one_token", "frame", "grid", "none"},
              "image_newline tokens: one per video, one per frame, one per pooled row, none")
      .model_settable({"image_size", "patch_size", "pool_mode", "pool_stride", "newline"});
}

Geometry read_geometry(const Params& p) {
  Geometry g;
  g.image_size = p.get<int64_t>("image_size");
  g.patch = p.get<int64_t>("patch_size");
  g.stride = p.get<int64_t>("pool_stride");
  g.pool = p.get<std::string>("pool_mode");
  g.newline = p.get<std::string>("newline");
  if (g.side() < 1) throw Error(fmt::format("llava: image_size {} is smaller than patch_size {}", g.image_size, g.patch));
  return g;
}

json geometry_json(const Geometry& g, int64_t frames) {
  return {{"patches_per_side", g.side()},
          {"patches_per_frame", g.side() * g.side()},
          {"pool_mode", g.pool},
          {"pool_stride", g.stride},
          {"pooled_grid", {g.pooled(), g.pooled()}},
          {"pooled_tokens_per_frame", g.pooled_tokens()},
          {"newline", g.newline},
          {"newline_tokens", g.newline_tokens(frames)},
          {"tokens_per_frame", g.per_frame()}};
}

json dtype_bytes(double elements) {
  return {{"fp32", static_cast<int64_t>(elements * 4)}, {"bf16", static_cast<int64_t>(elements * 2)},
          {"fp16", static_cast<int64_t>(elements * 2)}, {"int8", static_cast<int64_t>(elements)},
          {"int4", static_cast<int64_t>(std::ceil(elements / 2))}};
}

// ---- llava.plan -----------------------------------------------------------------------------

class LlavaPlan final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("llava.plan", "Frames, fixed size, tokens and memory of a LLaVA video from metadata alone; budget check");
    s.with_shape(Shape::Map)
        .with_role(Role::Planner)
        .parallel()
        .input("plan", DataType::Plan, "sampler's plan")
        .output("plan", DataType::Plan, "the plan with resize and tokens_plan (narrowed if fitted)");
    add_geometry_params(s);
    s.integer("hidden_size", 3584, 1, 1e6, "LLM hidden size (bytes of a visual token embedding)")
        .integer("max_context_tokens", nullptr, 1, 1e9, "token budget of the model's context (unset: no check)")
        .integer("reserve_tokens", 0, 0, 1e9, "tokens kept for the text prompt and the answer")
        .choice("on_overflow", "error", {"error", "fit"}, "error: fail with the numbers; fit: lower the frame count")
        .model_settable({"hidden_size"});
    return s;
  }

  explicit LlavaPlan(const Params& p)
      : g_(read_geometry(p)), hidden_(p.get<int64_t>("hidden_size")), reserve_(p.get<int64_t>("reserve_tokens")),
        fit_(p.get<std::string>("on_overflow") == "fit") {
    if (p.has("max_context_tokens")) budget_ = p.get<int64_t>("max_context_tokens");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    const int64_t n0 = static_cast<int64_t>(plan->indices.size());
    if (n0 == 0) throw Error("llava.plan: the sample plan has no frames");
    int64_t n = n0;
    json lowered = json::array();
    if (budget_) {
      const int64_t avail = *budget_ - reserve_;
      if (g_.total(n) > avail) {
        if (!fit_)
          throw Error(fmt::format("{} frames x {} tokens{} = {} visual tokens, more than max_context_tokens {} - "
                                  "reserve_tokens {} = {}",
                                  n, g_.per_frame(), g_.newline == "one_token" ? " + 1" : "", g_.total(n), *budget_,
                                  reserve_, avail),
                      "sample fewer frames (sample.nframes), or set on_overflow=fit to lower them automatically");
        const int64_t before = g_.total(n);
        const int64_t fits = (avail - (g_.newline == "one_token" ? 1 : 0)) / g_.per_frame();
        if (fits < 1)
          throw Error(fmt::format("llava.plan: not even one frame ({} tokens) fits the budget {}", g_.total(1), avail),
                      "raise max_context_tokens or lower reserve_tokens");
        n = fits;
        lowered.push_back({{"knob", "nframes"}, {"from", n0}, {"to", n},
                           {"why", fmt::format("{} tokens > budget {}", before, avail)}});
      }
    }
    // fewer frames: the sampler's picks thinned evenly (first and last kept)
    std::shared_ptr<SamplePlan> next = narrow(*plan, spread_positions(plan->indices.size(), n));
    const int64_t S = g_.image_size, tokens = g_.total(n);
    const double pixels = static_cast<double>(n) * 3 * S * S;
    json tp = {{"nframes", n},
               {"frame_indices", next->indices},
               {"sample_fps", next->sample_fps},
               {"resized_height", S},
               {"resized_width", S},
               {"grid_thw", {n, g_.side(), g_.side()}},
               {"total_tokens", tokens},
               {"tokens_per_frame", g_.per_frame()},
               {"geometry", geometry_json(g_, n)},
               {"prompt_placeholders", {{"video", tokens}}},
               {"memory", {{"frames_uint8_bytes", static_cast<int64_t>(pixels)},
                           {"pixel_values", {{"shape", {n, 3, S, S}}, {"bytes", dtype_bytes(pixels)}}},
                           {"visual_tokens", {{"shape", {tokens, hidden_}},
                                              {"bytes", dtype_bytes(static_cast<double>(tokens) * hidden_)}}}}},
               {"budget", {{"max_context_tokens", budget_ ? json(*budget_) : json()}, {"reserve_tokens", reserve_},
                           {"on_overflow", fit_ ? "fit" : "error"}, {"fitted", !lowered.empty()}, {"lowered", lowered}}}};
    next->resize = PlannedSize{static_cast<int>(S), static_cast<int>(S), "llava.plan"};
    next->tokens_plan = tp;
    job.note("plan", tp);
    out.emit(PlanPtr(std::move(next)));
  }

 private:
  Geometry g_;
  int64_t hidden_, reserve_;
  std::optional<int64_t> budget_;
  bool fit_;
};

// ---- llava.tokens ---------------------------------------------------------------------------

class LlavaTokens final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("llava.tokens", "Visual tokens of a LLaVA-OneVision / LLaVA-Video clip (pooled per frame + newlines)");
    s.with_shape(Shape::Map)
        .with_role(Role::Tokenizer)
        .uses_frames(FrameUse::Descriptors)  // sizes only
        .parallel()
        .input("clip", DataType::Clip, "frames resized to image_size x image_size")
        .output("clip", DataType::Clip, "the same clip with tokens filled in")
        .text("video_token", "<video>", "placeholder the processor repeats once per visual token");
    add_geometry_params(s);
    return s;
  }
  explicit LlavaTokens(const Params& p) : g_(read_geometry(p)), token_(p.get<std::string>("video_token")) {}

  void process(const Data& in, Emitter& out, Job&) override {
    const ClipPtr& clip = std::get<ClipPtr>(in);
    if (clip->frames.empty()) throw Error("llava.tokens: clip has no frames");
    for (const auto& f : clip->frames)
      if (f->width != g_.image_size || f->height != g_.image_size)
        throw Error(fmt::format("llava.tokens: frame {} is {}, the vision tower takes {}", f->index,
                                size_text(f->width, f->height), size_text(g_.image_size, g_.image_size)),
                    fmt::format("resize with process.resize (image_size {})", g_.image_size));
    const auto T = static_cast<int64_t>(clip->frames.size());
    TokenInfo t;
    t.grid_thw = {T, g_.side(), g_.side()};  // frames, patch rows, patch columns (before pooling)
    t.total_tokens = g_.total(T);
    t.extra = geometry_json(g_, T);
    t.extra["video_tokens"] = t.total_tokens;
    t.extra["prompt"] = token_ + "x" + std::to_string(t.total_tokens);
    auto result = std::make_shared<Clip>(*clip);
    result->tokens = std::move(t);
    out.emit(ClipPtr(std::move(result)));
  }

 private:
  Geometry g_;
  std::string token_;
};

// ---- profiles -------------------------------------------------------------------------------

json common_params() {
  return {{"image_size", 384},       {"patch_size", 14},         {"pool_stride", 2},
          {"frame_factor", 1},       {"index_rule", "floor"}, {"color_matrix", "bt601"},
          {"norm_mean", {0.5, 0.5, 0.5}}, {"norm_std", {0.5, 0.5, 0.5}}, {"hidden_size", 3584}};
}

json common_facts() {
  return {
      {"vision_tower", "google/siglip-so400m-patch14-384: image_size 384, patch_size 14 -> 27x27 = 729 patches, no CLS "
                       "(transformers src/transformers/models/llava_onevision/convert_llava_onevision_weights_to_hf.py: "
                       "SiglipVisionConfig(image_size=384, patch_size=14), num_image_tokens=729, "
                       "vision_feature_select_strategy='full')"},
      {"image_size", "frames resized to exactly 384x384, BICUBIC, aspect ratio not kept: LlavaOnevisionVideoProcessor "
                     "size {height: 384, width: 384} (transformers src/transformers/models/llava_onevision/"
                     "video_processing_llava_onevision.py); LLaVA-VL/LLaVA-NeXT llava/model/multimodal_encoder/"
                     "siglip_encoder.py SigLipImageProcessor size (384, 384), resample BICUBIC"},
      {"mean_std", "image_mean = image_std = [0.5, 0.5, 0.5]: LLaVA-VL/LLaVA-NeXT llava/model/multimodal_encoder/"
                   "siglip_encoder.py SigLipImageProcessor; the llava-hf processors are loaded from the SigLIP repo "
                   "(transformers convert_llava_onevision_weights_to_hf.py), whose processor uses IMAGENET_STANDARD "
                   "0.5 (models/siglip/image_processing_siglip_fast.py). The LlavaOnevision*Processor class defaults "
                   "are OPENAI_CLIP; the llava-hf preprocessor_config.json itself was not in the corpus"},
      {"frame_indices", "np.linspace(0, total_frame_num - 1, max_frames_num, dtype=int) (truncation): "
                        "EvolvingLMMs-Lab/lmms-eval lmms_eval/models/simple/llava_onevision.py and llava_vid.py "
                        "load_video; LLaVA-VL/LLaVA-NeXT docs/LLaVA_Video_1003.md load_video (force_sample=True)"},
      {"color", "decord / PyAV decode YUV->RGB with BT.601"},
      {"hidden_size", "3584 = Qwen2-7B hidden_size (Qwen/Qwen2-7B-Instruct config.json, the LLM of "
                      "llava-onevision-qwen2-7b-* per convert_llava_onevision_weights_to_hf.py; LLaVA-NeXT "
                      "llava_arch.py add_token_per_grid comment '(3584, 832, 14)' for LLaVA-Video-7B); set "
                      "hidden_size=896 for the 0.5B (Qwen2-0.5B) and 8192 for the 72B (Qwen2-72B) variants"}};
}

void register_nodes(Registry& r) {
  r.add<LlavaPlan>();
  r.add<LlavaTokens>();

  json ov = common_params();
  ov["pool_mode"] = "bilinear";
  ov["newline"] = "one_token";
  ov["nframes"] = 32;
  json ovf = common_facts();
  ovf["pooling"] = "apply_pooling: nn.functional.interpolate(size=[ceil(27/2), ceil(27/2)], mode='bilinear') -> "
                   "14x14 = 196 tokens per frame (transformers src/transformers/models/llava_onevision/"
                   "modeling_llava_onevision.py apply_pooling; LLaVA-VL/LLaVA-NeXT llava/model/llava_arch.py "
                   "get_2dPool 'bilinear'; lmms-eval llava_onevision.py mm_spatial_pool_stride=2, "
                   "mm_spatial_pool_mode='bilinear')";
  ovf["newline"] = "one image_newline after the whole video: num_video_tokens = num_frames * ceil(sqrt(729)/2)**2 + 1 "
                   "('+1 for newline token', transformers src/transformers/models/llava_onevision/"
                   "processing_llava_onevision.py); LLaVA-NeXT llava_arch.py mm_newline_position default 'one_token'";
  ovf["nframes"] = "32 frames: EvolvingLMMs-Lab/lmms-eval lmms_eval/models/simple/llava_onevision.py "
                   "max_frames_num=32 (transformers leaves frame sampling to the caller)";
  ovf["tokens"] = "32 frames -> 32 * 196 + 1 = 6273 visual tokens";
  r.add_profile({"llava_onevision", "LLaVA-OneVision (SigLIP 384/14, bilinear 2x2 video pooling -> 196 tokens/frame)",
                 ov, ovf});

  json lv = common_params();
  lv["pool_mode"] = "average";
  lv["newline"] = "grid";
  lv["nframes"] = 64;
  json lvf = common_facts();
  lvf["pooling"] = "mm_spatial_pool_mode 'average', stride 2: avg_pool2d -> floor(27/2) = 13x13 = 169 tokens per "
                   "frame (LLaVA-VL/LLaVA-NeXT llava/model/llava_arch.py get_2dPool). 'average' is the official "
                   "reproduction setting: LLaVA-NeXT docs/LLaVA_Video_1003.md runs lmms-eval llava_vid with "
                   "max_frames_num=64,mm_spatial_pool_mode=average (lmms_eval/models/simple/llava_vid.py "
                   "mm_spatial_pool_stride=2, overwrite=True). The checkpoint's own config.json was not in the "
                   "corpus; set pool_mode=bilinear (14 x 15 = 210 per frame) to follow it if it says bilinear";
  lvf["newline"] = "mm_newline_position 'grid': add_token_per_grid appends image_newline to every pooled row -> "
                   "13 x (13 + 1) = 182 tokens per frame (LLaVA-NeXT llava_arch.py add_token_per_grid, comment "
                   "'(3584, 64, 13, 14)'); 'grid' is the lmms-eval llava_vid default and the LLaVA-Video-7B "
                   "training flag (LLaVA-NeXT scripts/video/train/SO400M_Qwen2_7B_ov_to_video_am9.sh "
                   "--mm_newline_position grid --mm_spatial_pool_stride 2)";
  lvf["nframes"] = "64 frames: LLaVA-NeXT docs/LLaVA_Video_1003.md (inference max_frames_num 64, eval "
                   "max_frames_num=64); 64 training frames for LLaVA-Video-7B-Qwen2 (maintainer, LLaVA-VL/LLaVA-NeXT "
                   "issue #292)";
  lvf["tokens"] = "64 frames -> 64 * 182 = 11648 visual tokens";
  r.add_profile({"llava_video", "LLaVA-Video (SigLIP 384/14, 2x2 average pooling -> 169 tokens/frame + row newlines)",
                 lv, lvf});
}

}  // namespace

VIDPIPE_PLUGIN("llava", VIDPIPE_VERSION, register_nodes)
