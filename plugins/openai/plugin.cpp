// openai: GPT-4o-style chat-completions APIs. Frames travel as base64 JPEG `image_url` content
// parts (`data:image/jpeg;base64,...`) with `detail: low | high | auto`; their cost in tokens is
// OpenAI's published rule (sources in the profiles' facts, `vidpipe describe openai`):
//   low   85 tokens, whatever the size (the model sees a 512 x 512 version)
//   high  scale to fit within 2048 x 2048, then scale so the shortest side is 768 (images are only
//         scaled down), count 512-px tiles: 85 + 170 x tiles  (gpt-4o-mini: 2833 + 5667 x tiles)
//   auto  costed as high (an upper bound: the API picks the detail)
// Nodes:
//   openai.plan      Plan -> Plan: the size each frame is sent at (what the API would scale it to
//                    anyway, so no bytes are wasted), tokens and a budget check, from metadata alone
//   openai.tokens    Clip -> Clip: cost per frame and total, from the frames' sizes
//   openai.messages  Clip -> Clip: writes messages.json (a ready chat-completions `messages` list with
//                    one user message: a text part with the frame timestamps + one image part per
//                    frame), JPEG quality lowered until each image is under max_image_bytes;
//                    optionally the JPEGs as files.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <tbb/parallel_for.h>
#include <vidpipe/sdk.hpp>


namespace {

using namespace vidpipe;

// ---- the cost rule --------------------------------------------------------------------------

struct CostRule {
  std::string detail = "low";
  int64_t base = 85, tile = 170, tile_size = 512, low_size = 512, max_side = 2048, short_side = 768;

  // Size the API works on for `detail: high`: fit in max_side^2, then shortest side to short_side
  // (down only), int() truncation as in the published examples.
  std::pair<int64_t, int64_t> high_size(int64_t w, int64_t h) const {
    double W = static_cast<double>(w), H = static_cast<double>(h);
    if (W > max_side || H > max_side) {
      const double r = std::min(max_side / W, max_side / H);
      W = std::floor(W * r);
      H = std::floor(H * r);
    }
    const double s = std::min(W, H);
    if (s > short_side) {
      const double r = short_side / s;
      W = std::floor(W * r);
      H = std::floor(H * r);
    }
    return {static_cast<int64_t>(W), static_cast<int64_t>(H)};
  }
  bool low() const { return detail == "low"; }
  std::pair<int64_t, int64_t> tiles(int64_t w, int64_t h) const {
    if (low()) return {0, 0};
    auto [W, H] = high_size(w, h);
    return {(W + tile_size - 1) / tile_size, (H + tile_size - 1) / tile_size};
  }
  int64_t cost(int64_t w, int64_t h) const {
    auto [tx, ty] = tiles(w, h);
    return base + tile * tx * ty;
  }
  // The size we send: what the API would reduce the image to (low: fit in low_size^2).
  std::pair<int64_t, int64_t> send_size(int64_t w, int64_t h) const {
    const double L = static_cast<double>(std::max(w, h)), S = static_cast<double>(std::min(w, h));
    double s = low() ? std::min(1.0, low_size / L)
                     : std::min({1.0, max_side / L, short_side / S});
    if (s >= 1.0) return {w, h};
    return {std::max<int64_t>(1, std::lround(w * s)), std::max<int64_t>(1, std::lround(h * s))};
  }
};

void add_rule_params(NodeSpec& s) {
  s.choice("detail", "low", {"low", "high", "auto"}, "image_url detail; auto is costed as high")
      .integer("base_tokens", 85, 0, 1e9, "tokens of every image (low: the whole cost)")
      .integer("tile_tokens", 170, 0, 1e9, "tokens per 512-px tile (high)")
      .integer("tile_size", 512, 1, 65536, "tile side")
      .integer("low_size", 512, 1, 65536, "low detail: the model sees this square")
      .integer("max_side", 2048, 1, 65536, "high: first fit within this square")
      .integer("short_side", 768, 1, 65536, "high: then shortest side scaled down to this")
      .model_settable({"detail", "base_tokens", "tile_tokens", "tile_size", "low_size", "max_side", "short_side"});
}

CostRule read_rule(const Params& p) {
  CostRule r;
  r.detail = p.get<std::string>("detail");
  r.base = p.get<int64_t>("base_tokens");
  r.tile = p.get<int64_t>("tile_tokens");
  r.tile_size = p.get<int64_t>("tile_size");
  r.low_size = p.get<int64_t>("low_size");
  r.max_side = p.get<int64_t>("max_side");
  r.short_side = p.get<int64_t>("short_side");
  return r;
}

// The detail openai.plan decided wins over a node's own `detail`, so `--set plan.detail=high` is enough.
std::string plan_detail(const Clip& clip, const std::string& own) {
  if (clip.plan && clip.plan->extra.contains("openai_detail")) return clip.plan->extra["openai_detail"].get<std::string>();
  return own;
}

// ---- openai.plan ----------------------------------------------------------------------------

class OpenAIPlan final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("openai.plan", "Image size, tokens per frame and total for a chat-completions request, from metadata alone");
    s.with_shape(Shape::Map)
        .with_role(Role::Planner)
        .parallel()
        .input("plan", DataType::Plan, "sampler's plan")
        .output("plan", DataType::Plan, "the plan with resize (the size sent) and tokens_plan (narrowed if fitted)");
    add_rule_params(s);
    s.integer("max_images", 500, 1, 1e6, "most images one request takes")
        .integer("max_context_tokens", nullptr, 1, 1e9, "token budget (unset: no check)")
        .integer("reserve_tokens", 0, 0, 1e9, "tokens kept for the text prompt and the answer")
        .choice("on_overflow", "error", {"error", "fit"}, "error: fail with the numbers; fit: fewer frames")
        .model_settable({"max_images"});
    return s;
  }
  explicit OpenAIPlan(const Params& p)
      : rule_(read_rule(p)), max_images_(p.get<int64_t>("max_images")),
        reserve_(p.get<int64_t>("reserve_tokens")), fit_(p.get<std::string>("on_overflow") == "fit") {
    if (p.has("max_context_tokens")) budget_ = p.get<int64_t>("max_context_tokens");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    const VideoInfo& info = *plan->info;
    const int64_t H = info.sideways() ? info.width : info.height, W = info.sideways() ? info.height : info.width;
    const int64_t n0 = static_cast<int64_t>(plan->indices.size());
    if (n0 == 0) throw Error("openai.plan: the sample plan has no frames");
    const auto [sw, sh] = rule_.send_size(W, H);
    const int64_t per = rule_.cost(sw, sh);
    int64_t n = n0;
    json lowered = json::array();
    auto lower = [&](int64_t to, const std::string& why) {
      lowered.push_back({{"knob", "nframes"}, {"from", n}, {"to", to}, {"why", why}});
      n = to;
    };
    if (n > max_images_) {
      if (!fit_)
        throw Error(fmt::format("{} frames, but one request takes at most max_images = {} images", n, max_images_),
                    "sample fewer frames (sample.max_frames / sample.nframes) or set on_overflow=fit");
      lower(max_images_, fmt::format("{} images > max_images {}", n, max_images_));
    }
    if (budget_ && n * per > *budget_ - reserve_) {
      const int64_t avail = *budget_ - reserve_;
      if (!fit_)
        throw Error(fmt::format("{} frames x {} tokens = {} image tokens, more than max_context_tokens {} - "
                                "reserve_tokens {} = {}", n, per, n * per, *budget_, reserve_, avail),
                    "use detail=low, sample fewer frames, or set on_overflow=fit");
      if (avail / per < 1) throw Error("openai.plan: not even one image fits the token budget");
      lower(avail / per, fmt::format("{} tokens > budget {}", n * per, avail));
    }
    // fewer frames: the sampler's picks thinned evenly (first and last kept)
    std::shared_ptr<SamplePlan> next = narrow(*plan, spread_positions(plan->indices.size(), n));
    const auto [tx, ty] = rule_.tiles(sw, sh);
    const double px = static_cast<double>(n) * 3 * sw * sh;
    json tp = {{"nframes", n},
               {"frame_indices", next->indices},
               {"sample_fps", next->sample_fps},
               {"resized_height", sh},
               {"resized_width", sw},
               {"grid_thw", {n, ty, tx}},
               {"total_tokens", n * per},
               {"tokens_per_frame", per},
               {"detail", rule_.detail},
               {"memory", {{"frames_uint8_bytes", static_cast<int64_t>(px)},
                           {"pixel_values", {{"shape", {n, sh, sw, 3}},
                                             {"bytes", {{"fp32", static_cast<int64_t>(px * 4)}, {"bf16", static_cast<int64_t>(px * 2)},
                                                        {"uint8", static_cast<int64_t>(px)}}}}},
                           {"visual_tokens", {{"shape", {n * per}}, {"bytes", {{"bf16", 0}}},
                                              {"note", "server side; billed as input tokens"}}}}},
               {"budget", {{"max_context_tokens", budget_ ? json(*budget_) : json()}, {"reserve_tokens", reserve_},
                           {"max_images", max_images_}, {"on_overflow", fit_ ? "fit" : "error"},
                           {"fitted", !lowered.empty()}, {"lowered", lowered}}}};
    next->resize = PlannedSize{static_cast<int>(sh), static_cast<int>(sw), "openai.plan"};
    next->extra["openai_detail"] = rule_.detail;  // openai.tokens / openai.messages follow it
    next->tokens_plan = tp;
    job.note("plan", tp);
    out.emit(PlanPtr(std::move(next)));
  }

 private:
  CostRule rule_;
  int64_t max_images_, reserve_;
  std::optional<int64_t> budget_;
  bool fit_;
};

// ---- openai.tokens --------------------------------------------------------------------------

class OpenAITokens final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("openai.tokens", "Image token cost per frame and total under OpenAI's detail rule");
    s.with_shape(Shape::Map).with_role(Role::Tokenizer).uses_frames(FrameUse::Descriptors).parallel().input("clip", DataType::Clip).output("clip", DataType::Clip);
    add_rule_params(s);
    return s;
  }
  explicit OpenAITokens(const Params& p) : rule_(read_rule(p)) {}

  void process(const Data& in, Emitter& out, Job&) override {
    const ClipPtr& clip = std::get<ClipPtr>(in);
    if (clip->frames.empty()) throw Error("openai.tokens: clip has no frames");
    CostRule rule_ = this->rule_;
    rule_.detail = plan_detail(*clip, rule_.detail);
    TokenInfo t;
    json per = json::array(), tiles = json::array();
    int64_t max_tx = 0, max_ty = 0;
    for (const auto& f : clip->frames) {
      const auto [tx, ty] = rule_.tiles(f->width, f->height);
      const int64_t c = rule_.cost(f->width, f->height);
      per.push_back(c);
      tiles.push_back(tx * ty);
      t.total_tokens += c;
      max_tx = std::max(max_tx, tx);
      max_ty = std::max(max_ty, ty);
    }
    t.grid_thw = {static_cast<int64_t>(clip->frames.size()), max_ty, max_tx};  // images, tile rows, tile columns
    t.extra = {{"detail", rule_.detail},
               {"costed_as", rule_.low() ? "low" : "high"},
               {"base_tokens", rule_.base},
               {"tile_tokens", rule_.tile},
               {"tokens_per_frame", per},
               {"tiles_per_frame", tiles},
               {"image_tokens", t.total_tokens}};
    auto result = std::make_shared<Clip>(*clip);
    result->tokens = std::move(t);
    out.emit(ClipPtr(std::move(result)));
  }

 private:
  CostRule rule_;
};

// ---- openai.messages ------------------------------------------------------------------------

std::string base64(const std::vector<uchar>& in) {
  static const char* A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += A[v >> 18];
    out += A[(v >> 12) & 63];
    out += A[(v >> 6) & 63];
    out += A[v & 63];
  }
  if (i < in.size()) {
    const uint32_t v = (in[i] << 16) | (i + 1 < in.size() ? in[i + 1] << 8 : 0);
    out += A[v >> 18];
    out += A[(v >> 12) & 63];
    out += i + 1 < in.size() ? A[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

struct Encoded {
  std::vector<uchar> jpeg;
  int quality = 0;
  std::vector<json> tries;
};

class OpenAIMessages final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("openai.messages", "Writes messages.json: a chat-completions user message with the frames as base64 JPEG")
        .with_shape(Shape::Map)
        .with_role(Role::Formatter)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the files listed in its artifacts")
        .text("file", "messages.json", "file name inside the input's output folder")
        .choice("detail", "low", {"low", "high", "auto"}, "image_url detail")
        .text("prompt", "", "text placed before the frame list in the text part")
        .integer("max_image_bytes", 1000000, 1024, 20000000, "cap per JPEG (API limit 20 MB, read as 20e6 bytes)")
        .integer("max_request_bytes", 50000000, 1024, 1e12,
                 "cap on all image bytes of the request (API limit 50 MB, read as 50e6 bytes)")
        .integer("jpeg_quality", 90, 1, 100, "first JPEG quality tried")
        .integer("min_jpeg_quality", 20, 1, 100, "lowest quality tried before failing")
        .integer("quality_step", 5, 1, 100, "quality decrement while over max_image_bytes")
        .flag("write_images", false, "also write frame_NNNN.jpg files")
        .model_settable({"detail", "max_image_bytes"});
  }
  explicit OpenAIMessages(const Params& p)
      : file_(p.get<std::string>("file")), detail_(p.get<std::string>("detail")),
        prompt_(p.get<std::string>("prompt")), cap_(p.get<int64_t>("max_image_bytes")),
        req_cap_(p.get<int64_t>("max_request_bytes")), q0_(p.get<int64_t>("jpeg_quality")),
        qmin_(p.get<int64_t>("min_jpeg_quality")), step_(p.get<int64_t>("quality_step")),
        write_images_(p.get<bool>("write_images")) {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
    if (qmin_ > q0_) throw Error("openai.messages: min_jpeg_quality > jpeg_quality");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const Clip& clip = *std::get<ClipPtr>(in);
    const std::size_t n = clip.frames.size();
    if (n == 0) throw Error("openai.messages: clip has no frames");
    const std::string detail_ = plan_detail(clip, this->detail_);
    std::vector<Encoded> enc(n);
    tbb::parallel_for(std::size_t(0), n, [&](std::size_t i) { enc[i] = encode(*clip.frames[i]); });
    int64_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (static_cast<int64_t>(enc[i].jpeg.size()) > cap_)
        throw Error(fmt::format("frame {} is {} bytes as JPEG even at quality {}, over max_image_bytes {}",
                                clip.frames[i]->index, enc[i].jpeg.size(), enc[i].quality, cap_),
                    "raise max_image_bytes, lower min_jpeg_quality, or use detail=low (smaller images)");
      total += static_cast<int64_t>(enc[i].jpeg.size());
    }
    if (total > req_cap_)
      throw Error(fmt::format("{} images take {} bytes, over max_request_bytes {}", n, total, req_cap_),
                  "sample fewer frames or lower max_image_bytes");

    std::string times;
    for (std::size_t i = 0; i < n; ++i) times += fmt::format("{}{:.2f}s", i ? ", " : "", clip.frames[i]->timestamp);
    std::string text = prompt_.empty() ? "" : prompt_ + "\n\n";
    const double dur = clip.plan && clip.plan->info ? clip.plan->info->duration : 0.0;
    text += fmt::format("The following {} images are frames of a video ({:.2f} s long), in order, taken at: {}.", n,
                        dur, times);
    json content = json::array({{{"type", "text"}, {"text", text}}});
    json images = json::array();
    // Per-image cost as openai.tokens notes it; absent after another model's tokens node.
    const json per = clip.tokens ? clip.tokens->extra.value("tokens_per_frame", json()) : json();
    for (std::size_t i = 0; i < n; ++i) {
      content.push_back({{"type", "image_url"},
                         {"image_url", {{"url", "data:image/jpeg;base64," + base64(enc[i].jpeg)}, {"detail", detail_}}}});
      json im = {{"index", clip.frames[i]->index},   {"timestamp", clip.frames[i]->timestamp},
                 {"width", clip.frames[i]->width},   {"height", clip.frames[i]->height},
                 {"jpeg_bytes", enc[i].jpeg.size()}, {"jpeg_quality", enc[i].quality},
                 {"quality_tries", enc[i].tries}};
      if (per.is_array() && i < per.size()) im["tokens"] = per[i];
      images.push_back(im);
    }
    json messages = json::array({{{"role", "user"}, {"content", content}}});

    auto next = std::make_shared<Clip>(clip);
    json summary = {{"detail", detail_}, {"images", n}, {"image_bytes", total}, {"max_image_bytes", cap_},
                    {"per_image", images}};
    if (!job.video().out_dir.empty()) {
      OutputFile f(job.video().out_dir, file_);
      f.write_header(json_text(messages));
      next->artifacts.push_back({file_, "messages", f.commit()});
      if (write_images_)
        for (std::size_t i = 0; i < n; ++i) {
          const std::string name = fmt::format("frame_{:04d}.jpg", i);
          OutputFile g(job.video().out_dir, name);
          g.write(enc[i].jpeg.data(), enc[i].jpeg.size());
          next->artifacts.push_back({name, "image", g.commit()});
        }
    }
    job.note("openai", summary);
    next->extra["openai"] = summary;
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  Encoded encode(const Frame& f) const {
    const int c = channels(f.format);
    cv::Mat src(f.height, f.width, c == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t*>(f.data.get()), f.stride);
    cv::Mat bgr;
    if (f.format == PixelFormat::RGB24) cv::cvtColor(src, bgr, cv::COLOR_RGB2BGR);
    else bgr = src;
    Encoded e;
    for (int q = static_cast<int>(q0_);; q -= static_cast<int>(step_)) {
      q = std::max(q, static_cast<int>(qmin_));
      e.jpeg.clear();
      if (!cv::imencode(".jpg", bgr, e.jpeg, {cv::IMWRITE_JPEG_QUALITY, q}))
        throw Error("openai.messages: JPEG encoding failed");
      e.quality = q;
      e.tries.push_back({{"quality", q}, {"bytes", e.jpeg.size()}});
      if (static_cast<int64_t>(e.jpeg.size()) <= cap_ || q <= qmin_) break;
    }
    return e;
  }

  std::string file_, detail_, prompt_;
  int64_t cap_, req_cap_, q0_, qmin_, step_;
  bool write_images_;
};

// ---- profiles -------------------------------------------------------------------------------

json facts(bool mini) {
  json f = {
      {"source", "OpenAI vision guide 'Calculating costs' (platform.openai.com/docs/guides/vision#calculating-costs; "
                 "quoted verbatim at genai.stackexchange.com/questions/1902 and a64.in/tools/openai-vision-cost-"
                 "calculator.html): detail low = 85 tokens; high: fit within 2048x2048, then shortest side to 768, "
                 "170 tokens per 512-px square + 85"},
      {"examples", "same pages: 1024x1024 high = 765 (768x768, 4 tiles); 2048x4096 high = 1105 (768x1536, 6 tiles); "
                   "any size low = 85"},
      {"no_upscale", "images smaller than 768 on the short side are not scaled up: measured on the API, a 128x64 "
                     "image costs 170 more in high than in low, i.e. 1 tile (community.openai.com/t/1262691 table, "
                     "gpt-4o-2024-08-06: low 97, high 267 incl. 12 text tokens)"},
      {"auto", "detail auto lets the API choose; costed here as high (upper bound)"},
      {"limits", "up to 20MB per image, 500 images and 50 MB of image bytes per request; low detail: the model sees "
                 "512x512; high: 768 (short side) x 2000 (long side) (OpenAI images guide 'Image input requirements', "
                 "mirror openai-hd4n6.mintlify.app/docs/guides/images); max_images 500"},
      {"max_frames", "fps 1 and max_frames 50 are vidpipe defaults, not API constants; max_image_bytes 1,000,000 x 50 "
                     "frames stays within 50 MB even if MB means 10^6 bytes (max_request_bytes 50,000,000 checks it)"},
      {"jpeg", "JPEG quality starts at jpeg_quality and drops by quality_step until the image is under "
               "max_image_bytes; the quality used per frame is in metadata.json notes.openai"}};
  if (mini)
    f["gpt-4o-mini"] = "base 2833, tile 5667 (same rule, ~33.3x): community.openai.com/t/1262691 measured "
                       "gpt-4o-mini-2024-07-18 low 2845 = 2833 + 12 text tokens, high 8512 = 2845 + 5667 for a "
                       "1-tile image; same constants in autogenhub/autogen PR #57 (img_utils.py) and "
                       "srinathmkce/imagetoken image_token/config.py. OpenAI's own table was not in the corpus";
  return f;
}

void register_nodes(Registry& r) {
  r.add<OpenAIPlan>();
  r.add<OpenAITokens>();
  r.add<OpenAIMessages>();
  json p = {{"detail", "low"},     {"base_tokens", 85}, {"tile_tokens", 170}, {"tile_size", 512},
            {"low_size", 512},     {"max_side", 2048},  {"short_side", 768},  {"max_images", 500},
            {"fps", 1.0},          {"min_frames", 1},   {"frame_factor", 1},  {"max_image_bytes", 1000000},
            {"color_matrix", "bt601"}};
  r.add_profile({"openai", "GPT-4o-style chat completions: base64 JPEG image_url parts, detail low/high", p, facts(false)});
  json m = p;
  m["base_tokens"] = 2833;
  m["tile_tokens"] = 5667;
  r.add_profile({"openai_gpt4o_mini", "gpt-4o-mini: same rule, image tokens x 33.3 (2833 base, 5667 per tile)", m,
                 facts(true)});
}

}  // namespace

VIDPIPE_PLUGIN("openai", VIDPIPE_VERSION, register_nodes)
