// The runtime's decode node: a sampling plan in, its frames out (packed RGB24, upright, in plan
// order), decoded by the walk (decode_frames: seeking, damage, neighbours, limits, cancellation,
// timestamps) over a decoder backend (the codec work). decode_contract.hpp says which backends a
// node type uses.
//
// Backends are tried in order (pinned: the one; decode.images: the sequence backends by rank;
// decode.auto: its `backends` list, else every backend that takes the input by rank, highest
// first, then by name; rank 0 only when listed). A backend that does not take the input's
// container is left out (frame sequences go only to backends listing "image_sequence"); one that
// reads local files only is skipped for http/base64/stdin inputs, with the reason, without
// loading its plugin.
//
// Fallback happens only while NOTHING has been emitted yet. A decoder is an Expand node whose
// frames leave one by one, so a backend failing after frame k has already sent frames 0..k
// downstream and a second backend would send them again. Most failures (no decoder for the
// codec, a broken header, an unsupported pixel format) show up at or before the first frame,
// which this rule covers, while a failure mid-stream (truncated file, damaged packet) is the same
// for every backend and is the walk's damage report; it is passed on unchanged.
//
// A limit error (vidpipe::LimitError: max_decoded_frames, max_input_pixels, max_duration, deadline,
// the input's byte cap or stall rule) is never a reason to fall back: the walk holds every
// backend to the same limits, and another one would only spend the time again. Neither is a
// cancelled job.
//
// Metadata: backend_used, backend_fallbacks (decode.auto: one "<name>: <why>" per backend that
// failed or was skipped), decode (decode_notes.cpp), damage.
#include "decode/decode_node.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "vidpipe/sdk/input.hpp"
#include "vidpipe/sdk/plan.hpp"

namespace vidpipe::runtime {
namespace {

const std::string kSequence = to_string(InputKind::Sequence);

// The backend's own parameters: the node's value where the node has one, else the backend's
// default (so the Qwen profile's color_matrix=bt601 reaches the backend through decode.auto).
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

// Whether `b` takes an input of `container` (FFmpeg's demuxer name, which may list several:
// "mov,mp4,m4a,3gp,3g2,mj2"): frame sequences only when listed, videos when it lists none.
bool takes(const DecoderBackendSpec& b, const std::string& container) {
  if (b.containers.empty()) return container != kSequence;
  for (const std::string& c : b.containers) {
    if (c == container) return true;
    if (c == kSequence) continue;
    for (std::size_t at = 0; at <= container.size();) {
      std::size_t end = std::min(container.find(',', at), container.size());
      if (container.compare(at, end - at, c) == 0) return true;
      at = end + 1;
    }
  }
  return false;
}

std::string names_of(const std::vector<BackendEntry>& all) {
  std::string out;
  for (const auto& e : all) out += (out.empty() ? "" : ", ") + e.name();
  return out;
}

class DecodeNode final : public Node {
 public:
  DecodeNode(BackendTablePtr table, DecodeMode mode, const Params& p) : table_(std::move(table)), mode_(mode), params_(p) {
    opt_.seek_mode = p.get<std::string>("seek_mode");
    opt_.on_decode_error = p.get<std::string>("on_decode_error");
    opt_.max_corrupt_ratio = p.get<double>("max_corrupt_ratio");
    opt_.threads = static_cast<int>(p.get<int64_t>("threads"));
    opt_.autorotate = p.get<bool>("autorotate");
    opt_.limits = decode_limits(p);
    if (mode_ != DecodeMode::Auto) return;
    for (const std::string& name : p.get<std::vector<std::string>>("backends")) {
      auto it = std::find_if(table_->by_rank.begin(), table_->by_rank.end(),
                             [&](const BackendEntry& e) { return e.name() == name; });
      if (it == table_->by_rank.end())
        throw Error(fmt::format("decode.auto: unknown backend '{}'", name),
                    fmt::format("backends are {} (`vidpipe plugins` lists them)", names_of(table_->by_rank)),
                    ErrorKind::Configuration);
      listed_.push_back(&*it);
    }
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const PlanPtr& plan = std::get<PlanPtr>(in);
    if (!plan || !plan->info) throw Error("decode: got a plan without video info", "", ErrorKind::Internal);
    const VideoInfo& info = *plan->info;
    const std::string name = input_display_name(info.input);
    const InputKind kind = classify_input(info.input);
    const bool local = kind == InputKind::File || kind == InputKind::Sequence;
    const bool automatic = mode_ == DecodeMode::Auto;

    WalkOptions opt = opt_;  // per call: the cancel hook and the deadline belong to this job
    opt.cancelled = [&job] { return job.cancelled(); };
    start_deadline(opt.limits);  // once per input, whichever backends it takes

    json reasons = json::array();
    std::string first_hint, first_what;
    std::exception_ptr first_error;  // rethrown when every backend that threw said the same
    bool all_same = true;
    std::size_t thrown = 0;
    auto fallbacks = [&] {
      if (automatic) job.note("backend_fallbacks", reasons);
    };
    const std::vector<const BackendEntry*> chain = candidates(info, name, reasons);
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const BackendEntry& b = *chain[i];
      const bool last = i + 1 == chain.size();
      if (b.spec.local_files_only && !local) {
        const std::string why = fmt::format("reads local files only, not {} inputs", to_string(kind));
        if (!automatic)
          throw Error(fmt::format("{}: decode.{} {}", name, b.name(), why),
                      "use decode.auto (or decode.ffmpeg) for URLs, base64 and stdin");
        reasons.push_back(b.name() + ": " + why);
        if (last) break;
        continue;
      }
      int64_t sent = 0;
      try {
        std::unique_ptr<DecoderBackend> backend = b.make(params_for(b.spec.contract, params_));
        job.note("backend_used", b.name());
        const WalkStats stats = decode_frames(*backend, plan, opt, [&](FramePtr f) {
          ++sent;
          return out.emit(std::move(f));
        });
        fallbacks();
        const json facts = backend->note();
        job.note("decode", decode_note(facts, stats, opt));
        report_damage(job, stats, opt, facts, info.container == kSequence);
        return;
      } catch (const LimitError&) {
        fallbacks();
        throw;
      } catch (const std::exception& e) {
        // Frames already went downstream, or the job is over: falling back would duplicate.
        if (sent > 0 || job.cancelled() || (last && reasons.empty())) {
          fallbacks();
          throw;
        }
        const auto* ve = dynamic_cast<const Error*>(&e);
        if (first_hint.empty() && ve) first_hint = ve->hint();  // the first backend knows best
        if (!first_error) first_error = std::current_exception(), first_what = e.what();
        all_same = all_same && first_what == e.what();
        ++thrown;
        reasons.push_back(b.name() + ": " + e.what());
        fallbacks();
      }
    }
    fallbacks();
    // The input itself is bad when every backend tried says the same (a corrupt PNG for both
    // image backends): that one error is the clearest line.
    if (first_error && all_same && thrown == reasons.size()) std::rethrow_exception(first_error);
    std::string all;
    for (const auto& r : reasons) all += (all.empty() ? "" : "; ") + r.get<std::string>();
    throw Error("every decoder backend failed (" + all + ")", first_hint);
  }

 private:
  // The backends to try for this input, in order; `reasons` gets why a listed one is left out.
  std::vector<const BackendEntry*> candidates(const VideoInfo& info, const std::string& name, json& reasons) const {
    const std::string& container = info.container;
    const bool sequence = container == kSequence;
    std::vector<const BackendEntry*> chain;
    if (mode_ == DecodeMode::Sequences && !sequence)
      throw Error(name + ": decode.images reads frame sequences (a folder, a pattern or a list of images), not a video",
                  "use decode.ffmpeg, decode.opencv or decode.auto for videos");
    if (mode_ == DecodeMode::Pinned) {
      const BackendEntry& b = table_->by_rank.front();
      if (!takes(b.spec, container))
        throw Error(fmt::format("{}: decode.{} does not take {} inputs", name, b.name(), sequence ? "frame-sequence" : container),
                    sequence ? "use decode.images or decode.auto for frame sequences" : "use decode.auto",
                    ErrorKind::Configuration);
      return {&b};
    }
    // decode.auto's list applies to videos; a frame sequence goes to the sequence backends it
    // lists, else to all of them (as the list never named them before they were backends).
    bool listed_any = false;
    for (const BackendEntry* b : listed_) {
      if (sequence && !takes(b->spec, container)) continue;
      listed_any = true;
      if (takes(b->spec, container)) chain.push_back(b);
      else reasons.push_back(fmt::format("{}: does not take {} inputs", b->name(), container));
    }
    if (!listed_any)
      for (const BackendEntry& b : table_->by_rank)
        if (takes(b.spec, container) && (b.spec.rank > kRankNone || mode_ == DecodeMode::Sequences)) chain.push_back(&b);
    if (chain.empty() && reasons.empty())
      throw Error(fmt::format("{}: no decoder backend takes {} inputs", name, sequence ? "frame-sequence" : "'" + container + "'"),
                  "`vidpipe plugins` lists the backends and the containers they take", ErrorKind::Input);
    return chain;
  }

  BackendTablePtr table_;
  DecodeMode mode_;
  Params params_;
  WalkOptions opt_;                          // read-only after construction: process() is reentrant
  std::vector<const BackendEntry*> listed_;  // decode.auto's `backends`, into table_
};

}  // namespace

std::unique_ptr<Node> make_decode_node(BackendTablePtr table, DecodeMode mode, const Params& p) {
  return std::make_unique<DecodeNode>(std::move(table), mode, p);
}

}  // namespace vidpipe::runtime
