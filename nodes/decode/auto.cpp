// decode.auto: tries decoder backends in order (param `backends`, default [ffmpeg, opencv])
// and falls back to the next one on failure, recording why; frame sequences always go to
// decode.images. Metadata: backend_used, backend_fallbacks (one reason per failed backend).
//
// Its parameters are the union of its backends' (taken from their contracts when the plugin
// registers, so a parameter added to decode.ffmpeg appears here too) and are forwarded to each
// backend that declares them: the Qwen profile's color_matrix=bt601 reaches decode.ffmpeg.
//
// Fallback happens only while NOTHING has been emitted yet. A decoder is an Expand node whose
// frames leave one by one, so a backend failing after frame k has already sent frames 0..k
// downstream and a second backend would send them again. Opening every backend ahead of time
// would not help: most failures (no decoder for the codec, a broken header, an unsupported
// pixel format) show up at or before the first frame, which this rule covers, while a failure
// mid-stream (truncated file, damaged packet) is the same for every backend and is handled by
// the decoder itself (damage report); it is passed on unchanged.
//
// A limit error (vidpipe::LimitError: max_decoded_frames, max_input_pixels, max_duration, deadline,
// the input's byte cap or stall rule) is never a reason to fall back: every backend enforces
// the same limits (vidpipe/media/limits.hpp), and another one would only spend the time again.
#include <map>
#include <memory>

#include <vidpipe/sdk/plugin.hpp>

#include "backend.hpp"
#include <vidpipe/media/image_sequence.hpp>

namespace vidpipe::nodes::decode {

namespace {

const char* kBackendNames[] = {"ffmpeg", "opencv", "images"};

// Counts what a backend emits, so decode.auto knows whether falling back is still safe.
class CountingEmitter final : public Emitter {
 public:
  explicit CountingEmitter(Emitter& inner) : inner_(inner) {}
  bool emit(Data item, int port) override {
    ++count;
    return inner_.emit(std::move(item), port);
  }
  int64_t count = 0;

 private:
  Emitter& inner_;
};

// The backend's own parameters: decode.auto's value where decode.auto has one, else the
// backend's default.
Params params_for(const NodeSpec& spec, const Params& p) {
  json values = json::object();
  std::vector<std::pair<std::string, Origin>> origins;
  for (const ParamSpec& ps : spec.params) {
    if (p.has(ps.name)) {
      values[ps.name] = p.values().at(ps.name);
      origins.emplace_back(ps.name, p.origin(ps.name));
    } else {
      values[ps.name] = ps.default_value;
      origins.emplace_back(ps.name, Origin::Default);
    }
  }
  return Params(std::move(values), std::move(origins));
}

class DecodeAuto : public Node {
 public:
  DecodeAuto(const Params& p, const std::map<std::string, Backend>& backends) {
    std::vector<std::string> order = p.get<std::vector<std::string>>("backends");
    if (order.empty()) throw Error("decode.auto: `backends` is empty", "list at least one of ffmpeg, opencv");
    for (const std::string& name : order) {
      auto it = backends.find(name);
      if (it == backends.end() || name == "images")
        throw Error("decode.auto: unknown backend '" + name + "'",
                    "backends are ffmpeg and opencv (frame sequences always use images)");
      chain_.push_back({name, it->second.make(params_for(it->second.spec, p))});
    }
    const Backend& img = backends.at("images");
    images_ = img.make(params_for(img.spec, p));
    fused_ = p.get<bool>("fused_resize");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    if (!plan || !plan->info) throw Error("decode.auto: got a plan without video info");
    if (plan->info->container == imgseq::kContainer) {
      images_->process(in, out, job);
      job.note("backend_used", "images");
      job.note("backend_fallbacks", json::array());
      return;
    }
    if (fused_) fused_size(*plan);  // a graph error, not a reason to try another backend
    json reasons = json::array();
    std::string first_hint;
    for (std::size_t i = 0; i < chain_.size(); ++i) {
      CountingEmitter counting(out);
      try {
        chain_[i].node->process(in, counting, job);
        job.note("backend_used", chain_[i].name);
        job.note("backend_fallbacks", reasons);
        return;
      } catch (const LimitError&) {
        job.note("backend_fallbacks", reasons);
        throw;
      } catch (const std::exception& e) {
        const bool last = i + 1 == chain_.size();
        // Frames already went downstream, or the job is over: falling back would duplicate.
        if (counting.count > 0 || job.cancelled() || (last && reasons.empty())) {
          job.note("backend_fallbacks", reasons);
          throw;
        }
        const auto* ve = dynamic_cast<const Error*>(&e);
        if (reasons.empty() && ve) first_hint = ve->hint();  // the primary backend knows best
        reasons.push_back(chain_[i].name + ": " + e.what());
        job.note("backend_fallbacks", reasons);
        if (last) {
          std::string all;
          for (const auto& r : reasons) all += (all.empty() ? "" : "; ") + r.get<std::string>();
          throw Error("every decoder backend failed (" + all + ")", first_hint);
        }
      }
    }
  }

 private:
  struct Step {
    std::string name;
    std::unique_ptr<Node> node;
  };
  std::vector<Step> chain_;
  std::unique_ptr<Node> images_;
  bool fused_ = false;
};

}  // namespace

void register_decode_auto(Registry& r, const std::map<std::string, Backend>& backends) {
  for (const char* name : kBackendNames)
    if (!backends.count(name)) throw Error(std::string("decode.auto: backend decode.") + name + " is not registered");
  NodeSpec s("decode.auto",
             "Decodes the planned frames with the first backend that works (default ffmpeg, then opencv); "
             "frame sequences with decode.images");
  s.with_shape(Shape::Expand)
      .with_role(Role::Decoder)
      .parallel()
      .input("plan", DataType::Plan, "which frames to decode")
      .output("frames", DataType::Frame, "one RGB24 frame per planned index, in order")
      .list("backends", ParamType::StringList, json::array({"ffmpeg", "opencv"}),
            "backends to try in order (ffmpeg, opencv); falls back only before the first frame is sent, "
            "never on a limit error");
  for (const char* name : kBackendNames) {
    for (const ParamSpec& ps : backends.at(name).spec.params)
      if (!s.find_param(ps.name)) s.params.push_back(ps);
    for (const RenamedParam& r : backends.at(name).spec.renamed)
      if (!s.find_renamed(r.old_name)) s.renamed.push_back(r);
  }
  auto table = std::make_shared<const std::map<std::string, Backend>>(backends);
  r.add_node(std::move(s), [table](const Params& p) -> std::unique_ptr<Node> {
    return std::make_unique<DecodeAuto>(p, *table);
  });
}

}  // namespace vidpipe::nodes::decode
