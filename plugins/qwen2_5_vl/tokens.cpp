// qwen2_5_vl.tokens: Qwen2/2.5-VL visual token accounting of a resized clip (docs/qwen-reference.md §6.3-§6.5).
#include <cmath>
#include <string>

#include <vidpipe/sdk.hpp>

namespace {

using namespace vidpipe;

class Qwen25Tokens : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("qwen2_5_vl.tokens", "grid_thw, token count and M-RoPE timing of a Qwen2.5-VL clip")
        .with_shape(Shape::Map)
        .with_role(vidpipe::Role::Tokenizer)
        .uses_frames(vidpipe::FrameUse::Descriptors)  // sizes only
        .parallel()
        .input("clip", DataType::Clip, "resized frames of one video")
        .output("clip", DataType::Clip, "the same clip with tokens filled in")
        .integer("patch_size", 14, 1, 1024, "ViT patch side")
        .integer("merge_size", 2, 1, 64, "spatial merge (tokens = patches / merge^2)")
        .integer("temporal_patch_size", 2, 1, 64, "frames per temporal patch")
        .number("tokens_per_second", 2.0, 0, 1e6, "vision_config.tokens_per_second (M-RoPE)")
        .model_settable({"patch_size", "merge_size", "temporal_patch_size", "tokens_per_second"});
  }

  explicit Qwen25Tokens(const Params& p)
      : p_(p.get<int64_t>("patch_size")),
        m_(p.get<int64_t>("merge_size")),
        tp_(p.get<int64_t>("temporal_patch_size")),
        tps_(p.get<double>("tokens_per_second")) {}

  void process(const Data& in, Emitter& out, Job&) override {
    const ClipPtr& clip = std::get<ClipPtr>(in);
    if (clip->frames.empty()) throw Error("qwen2_5_vl.tokens: clip has no frames");
    const int h = clip->frames.front()->height, w = clip->frames.front()->width;
    for (const auto& f : clip->frames)
      if (f->height != h || f->width != w)
        throw Error("qwen2_5_vl.tokens: frames of one clip differ in size (" + size_text(w, h) + " vs " +
                        size_text(f->width, f->height) + ")",
                    "resize every frame to the same size (process.smart_resize)");
    const int64_t unit = p_ * m_;
    if (h % unit != 0 || w % unit != 0)
      throw Error("qwen2_5_vl.tokens: frame size " + size_text(w, h) +
                      " is not a multiple of patch_size*merge_size = " + std::to_string(unit),
                  "resize with process.smart_resize and factor " + std::to_string(unit));
    const auto T = static_cast<int64_t>(clip->frames.size());
    TokenInfo t;
    const int64_t grid_t = (T + tp_ - 1) / tp_;  // last frame repeated to fill the last group
    t.grid_thw = {grid_t, h / p_, w / p_};
    t.total_tokens = grid_t * (h / p_) * (w / p_) / (m_ * m_);
    t.padded_frames = grid_t * tp_ - T;
    // Picks spread evenly over the range (the plan's spacing, docs/sampling.md §6): transformers
    // defaults second_per_grid_ts to 1.0 (fps 2) when the sampled fps is not passed; the sampled
    // fps from the plan is what qwen-vl-utils hands over. Other picks: each group's time is its
    // first frame's timestamp, and second_per_grid_ts (one number per video in transformers)
    // their mean spacing.
    const double fps = clip->plan && clip->plan->sample_fps > 0 ? clip->plan->sample_fps : 2.0;
    const bool even = !clip->plan || clip->plan->extra.value("spacing", "even") == "even";
    auto group_time = [&](int64_t k) {  // seconds from the first group
      return clip->frames[static_cast<std::size_t>(std::min(k * tp_, T - 1))]->timestamp - clip->frames[0]->timestamp;
    };
    const double spg = even || grid_t < 2 ? static_cast<double>(tp_) / fps
                                          : group_time(grid_t - 1) / static_cast<double>(grid_t - 1);
    json ids = json::array();  // time index of temporal group k, first 16: floor(k * spg * tps) when even
    for (int64_t k = 0; k < std::min<int64_t>(grid_t, 16); ++k)
      ids.push_back(static_cast<int64_t>(std::floor((even ? static_cast<double>(k) * spg : group_time(k)) * tps_)));
    t.extra = {{"second_per_grid_ts", spg},
               {"tokens_per_second", tps_},
               {"mrope_time_ids_head", ids},
               {"video_pad_tokens", t.total_tokens},
               {"prompt", "<|vision_start|><|video_pad|>x" + std::to_string(t.total_tokens) +
                              "<|vision_end|>"}};
    if (!even)
      t.extra["irregular_picks"] = "time ids from each temporal group's first frame timestamp; transformers' "
                                   "get_rope_index takes one second_per_grid_ts per video: their mean spacing";
    auto result = std::make_shared<Clip>(*clip);  // shares the frames
    result->tokens = std::move(t);
    out.emit(ClipPtr(std::move(result)));
  }

 private:
  int64_t p_, m_, tp_;
  double tps_;
};

}  // namespace

void register_qwen2_5_vl_tokens(vidpipe::Registry& r) { r.add<Qwen25Tokens>(); }
