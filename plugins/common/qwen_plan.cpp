#include "qwen_plan.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include <vidpipe/qwen_rules/sizing_params.hpp>

namespace vidpipe::qwen {

json dtype_bytes(double elements) {
  return {{"fp32", static_cast<int64_t>(elements * 4)}, {"bf16", static_cast<int64_t>(elements * 2)},
          {"fp16", static_cast<int64_t>(elements * 2)}, {"int8", static_cast<int64_t>(elements)},
          {"int4", static_cast<int64_t>(std::ceil(elements / 2))}};
}

namespace {

struct Estimate {
  ref::VideoSize size;
  int64_t grid_t = 0, grid_h = 0, grid_w = 0, tokens = 0;
};

class QwenPlan final : public Node {
 public:
  QwenPlan(const Params& p, const PlanModel& m) : m_(m), s_(ref::read_sizing_params(p)) {
    patch_ = p.get<int64_t>("patch_size");
    merge_ = p.get<int64_t>("merge_size");
    tp_ = p.get<int64_t>("temporal_patch_size");
    frame_factor_ = p.get<int64_t>("frame_factor");
    hidden_ = p.get<int64_t>("hidden_size");
    if (p.has("max_context_tokens")) budget_ = p.get<int64_t>("max_context_tokens");
    reserve_ = p.get<int64_t>("reserve_tokens");
    fit_ = p.get<std::string>("on_overflow") == "fit";
    if (patch_ * merge_ != s_.factor)
      throw Error(fmt::format("{}: factor {} is not patch_size {} x merge_size {}", m.type, s_.factor, patch_, merge_),
                  "use the model profile's values");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    const VideoInfo& info = *plan->info;
    const int64_t H = info.sideways() ? info.width : info.height;  // frames are decoded upright
    const int64_t W = info.sideways() ? info.height : info.width;
    const int64_t n0 = static_cast<int64_t>(plan->indices.size());
    if (n0 == 0) throw Error(m_.type + ": the sample plan has no frames");
    ref::SizingParams s = s_;
    Estimate e = estimate(H, W, n0, s);
    int64_t n = n0;
    json lowered = json::array();
    const std::optional<int64_t> avail =
        budget_ ? std::optional<int64_t>(*budget_ - reserve_) : std::nullopt;
    if (avail && e.tokens > *avail) {
      if (!fit_)
        throw Error(fmt::format("{} frames at {} need {} visual tokens (grid_thw [{}, {}, {}]), more than "
                                "max_context_tokens {} - reserve_tokens {} = {}",
                                n, size_text(e.size.width, e.size.height), e.tokens, e.grid_t, e.grid_h, e.grid_w, *budget_,
                                reserve_, *avail),
                    fmt::format("lower max_pixels (per-frame cap now {:.0f}), or sample fewer frames (sample.fps, "
                                "sample.max_frames, sample.nframes), or set on_overflow=fit to lower them automatically",
                                e.size.max_pixels));
      const int64_t before_tokens = e.tokens;
      const double before_px = e.size.max_pixels;
      const int64_t F2 = s.factor * s.factor;
      if (!(s.resized_height && s.resized_width)) {
        // 1. lower the per-frame cap, one factor^2 (one token) at a time from the largest
        //    cap that can fit, but not below min_pixels (the model's per-frame floor).
        double cap = std::min(e.size.max_pixels, static_cast<double>(*avail / std::max<int64_t>(e.grid_t, 1) * F2));
        cap = std::max(cap, s.min_pixels);
        for (;; cap -= F2) {
          cap = std::max(cap, s.min_pixels);
          s.max_pixels = cap;
          e = estimate(H, W, n, s);
          if (e.tokens <= *avail || cap <= s.min_pixels) break;
        }
        lowered.push_back({{"knob", "max_pixels"}, {"from", before_px}, {"to", *s.max_pixels},
                           {"why", fmt::format("{} tokens > budget {}", before_tokens, *avail)}});
      }
      // 2. then the frame count, in steps of frame_factor.
      if (e.tokens > *avail) {
        const int64_t before_n = n, tokens_at_min = e.tokens;
        while (e.tokens > *avail && n - frame_factor_ >= frame_factor_) {
          n -= frame_factor_;
          e = estimate(H, W, n, s);
        }
        if (e.tokens > *avail)
          throw Error(fmt::format("{}: even {} frames at {} need {} tokens > budget {}", m_.type, n,
                                  size_text(e.size.width, e.size.height), e.tokens, *avail),
                      "raise max_context_tokens or lower min_pixels");
        lowered.push_back({{"knob", "nframes"}, {"from", before_n}, {"to", n},
                           {"why", fmt::format("{} tokens at the smallest per-frame size (max_pixels {:.0f}) "
                                               "> budget {}", tokens_at_min, *s.max_pixels, *avail)}});
      }
    }
    // fewer frames: the sampler's picks thinned evenly (first and last kept)
    std::shared_ptr<SamplePlan> next = narrow(*plan, spread_positions(plan->indices.size(), n));
    const double pixel_rows = static_cast<double>(e.grid_t * e.grid_h * e.grid_w);
    const double pixel_cols = 3.0 * tp_ * patch_ * patch_;
    const int64_t per_group = e.grid_h * e.grid_w / (merge_ * merge_);
    json prompt = {{"video_pad", e.tokens}, {"vision_start", m_.per_group_timestamps ? e.grid_t : 1},
                   {"vision_end", m_.per_group_timestamps ? e.grid_t : 1}};
    if (m_.per_group_timestamps) prompt["timestamp_blocks"] = e.grid_t;
    json tp = {
        {"nframes", n},
        {"frame_indices", next->indices},
        {"sample_fps", next->sample_fps},
        {"resized_height", e.size.height},
        {"resized_width", e.size.width},
        {"grid_thw", {e.grid_t, e.grid_h, e.grid_w}},
        {"total_tokens", e.tokens},
        {"tokens_per_temporal_group", per_group},
        {"padded_frames", e.grid_t * tp_ - n},
        {"max_pixels_applied", e.size.max_pixels},
        {"prompt_placeholders", prompt},
        {"memory", {{"frames_uint8_bytes", static_cast<int64_t>(n) * 3 * e.size.height * e.size.width},
                    {"pixel_values", {{"shape", {static_cast<int64_t>(pixel_rows), static_cast<int64_t>(pixel_cols)}},
                                      {"bytes", dtype_bytes(pixel_rows * pixel_cols)}}},
                    {"visual_tokens", {{"shape", {e.tokens, hidden_}}, {"bytes", dtype_bytes(static_cast<double>(e.tokens) * hidden_)}}}}},
        {"budget", {{"max_context_tokens", budget_ ? json(*budget_) : json()}, {"reserve_tokens", reserve_},
                    {"on_overflow", fit_ ? "fit" : "error"}, {"fitted", !lowered.empty()}, {"lowered", lowered}}},
    };
    next->resize = PlannedSize{static_cast<int>(e.size.height), static_cast<int>(e.size.width), m_.type};
    next->tokens_plan = tp;
    job.note("plan", tp);
    out.emit(PlanPtr(std::move(next)));
  }

 private:
  Estimate estimate(int64_t H, int64_t W, int64_t n, const ref::SizingParams& s) const {
    Estimate e;
    e.size = ref::qwen_video_size(H, W, n, s);
    e.grid_t = (n + tp_ - 1) / tp_;
    e.grid_h = e.size.height / patch_;
    e.grid_w = e.size.width / patch_;
    e.tokens = e.grid_t * e.grid_h * e.grid_w / (merge_ * merge_);
    return e;
  }

  PlanModel m_;
  ref::SizingParams s_;
  int64_t patch_, merge_, tp_, frame_factor_, hidden_, reserve_;
  std::optional<int64_t> budget_;
  bool fit_;
};

}  // namespace

void register_plan_node(Registry& r, const PlanModel& m) {
  NodeSpec spec(m.type, "Token, size and memory plan from metadata alone; budget check against max_context_tokens");
  spec.with_shape(Shape::Map)
      .with_role(Role::Planner)
      .parallel()
      .input("plan", DataType::Plan, "sampler's plan")
      .output("plan", DataType::Plan, "the plan with resize and tokens_plan (narrowed if fitted)");
  ref::SizingParams sizing;
  sizing.factor = m.factor;
  sizing.min_pixels = m.min_pixels;
  sizing.total_pixels = m.total_pixels;
  sizing.video_max_pixels = m.video_max_pixels;
  sizing.image_min_pixels = m.image_min_pixels;
  sizing.image_max_pixels = m.image_max_pixels;
  ref::declare_sizing_params(spec, sizing);
  spec.integer("patch_size", m.patch, 1, 1024, "ViT patch side")
      .integer("merge_size", 2, 1, 64, "spatial merge (tokens = patches / merge^2)")
      .integer("temporal_patch_size", 2, 1, 64, "frames per temporal patch")
      .integer("frame_factor", 2, 1, 1024, "fit: frame count steps")
      .integer("hidden_size", m.hidden_size, 1, 1e6, "LLM hidden size (bytes of a visual token embedding)")
      .integer("max_context_tokens", nullptr, 1, 1e9, "token budget of the model's context (unset: no check)")
      .integer("reserve_tokens", 0, 0, 1e9, "tokens kept for the text prompt and the answer")
      .choice("on_overflow", "error", {"error", "fit"},
              "error: fail with the numbers; fit: lower max_pixels, then frames, until it fits")
      .model_settable({"patch_size", "merge_size", "temporal_patch_size", "frame_factor", "hidden_size"});
  r.add_node(spec, [m](const Params& p) -> std::unique_ptr<Node> { return std::make_unique<QwenPlan>(p, m); });
}

}  // namespace vidpipe::qwen
