// A third-party model plugin: one profile and one tokens node, nothing else. It describes a
// made-up "example_vlm" that sees 224×224 frames as 16×16 patches (196 tokens per frame) and
// caps videos at 16 frames. The standard nodes (probe, sample, decode, resize, writers) do the
// rest; the profile's values reach every node that declares a parameter of the same name.
#include <vidpipe/sdk.hpp>

namespace {

using namespace vidpipe;

class ExampleTokens final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("example_vlm.tokens", "Visual tokens of example_vlm: one per patch_size² patch per frame")
        .with_role(Role::Tokenizer)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the clip with tokens filled in")
        .integer("patch_size", 16, 1, 1024, "ViT patch side")
        .model_settable({"patch_size"});  // only marked parameters take the profile's values
  }
  explicit ExampleTokens(const Params& p) : patch_(p.get<int64_t>("patch_size")) {}

  void process(const Data& in, Emitter& out, Job&) override {
    const Clip& clip = *std::get<ClipPtr>(in);
    const Frame& f = *clip.frames.at(0);
    if (f.width % patch_ || f.height % patch_)
      throw Error("frame size is not a multiple of patch_size", "resize to a multiple of the patch size");
    auto next = std::make_shared<Clip>(clip);
    TokenInfo t;
    t.grid_thw = {static_cast<int64_t>(clip.frames.size()), f.height / patch_, f.width / patch_};
    t.total_tokens = t.grid_thw[0] * t.grid_thw[1] * t.grid_thw[2];
    t.extra = {{"tokens_per_frame", t.grid_thw[1] * t.grid_thw[2]}};
    next->tokens = t;
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  int64_t patch_;
};

void register_nodes(Registry& r) {
  r.add<ExampleTokens>();
  r.add_profile({"example_vlm", "A made-up model: 224x224 frames, 16x16 patches, at most 16 frames",
                 {{"nframes", 16}, {"image_size", 224}, {"patch_size", 16}, {"color_matrix", "bt601"}},
                 {{"tokens_per_frame", "(224/16)^2 = 196"}}});
}

}  // namespace

VIDPIPE_PLUGIN("example_vlm", "1.0.0", register_nodes)
