// sample.adaptive: more frames where the picture changes, fewer in static stretches, no
// near-duplicates (docs/sampling.md §5 and §7). Over analyze.scenes' per-frame signals
// (VideoInfo::extra["analysis"]):
//   1. picks at equal quantiles of the cumulative weight w(t) = static_share / N +
//      (1 - static_share) * content(t) / sum(content): a share of the budget follows time, so
//      static stretches keep a few frames, the rest follows visual change;
//   2. a pick within duplicate_distance of the previous kept pick (summed per-frame perceptual-hash
//      distance: an upper bound of the distance between the two frames) is dropped;
//   3. each dropped pick is replaced by the highest-change frame that is no near-duplicate of its
//      kept neighbours, else by the middle of the largest gap between kept picks.
// The count is the budget's, exactly; every reason says which rule placed the pick.
#include <algorithm>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

// The analysis over the range: change per frame and the running sum of the per-frame hash distance.
struct Signal {
  std::vector<double> change;   // content score of frame start + i against the frame before
  std::vector<double> hash_sum;  // hash_sum[i]: summed hash distance from frame start to start + i
  double distance(int64_t a, int64_t b) const { return std::abs(hash_sum[b] - hash_sum[a]); }
};

Signal signal_in(const VideoInfo& info, const FrameRange& r) {
  const json* analysis = info.extra.contains("analysis") ? &info.extra["analysis"] : nullptr;
  if (!analysis || !analysis->contains("content") || !analysis->contains("hash"))
    throw Error("sample.adaptive: " + info.input + " has no scene analysis",
                "put analyze.scenes between the probe and the sampler (graphs/qwen2_5_vl_adaptive.yaml)");
  const auto content = analysis->at("content").get<std::vector<float>>();
  const auto hash = analysis->at("hash").get<std::vector<float>>();
  auto at = [](const std::vector<float>& v, int64_t f) { return f < static_cast<int64_t>(v.size()) ? v[f] : 0.0; };
  Signal s;
  double sum = 0;
  for (int64_t f = r.start; f <= r.end; ++f) {
    if (f > r.start) sum += at(hash, f);
    s.change.push_back(at(content, f));
    s.hash_sum.push_back(sum);
  }
  return s;
}

// Step 1: pick k at the first frame whose cumulative weight passes (k + 1/2) / n.
std::vector<int64_t> change_quantiles(const std::vector<double>& change, int64_t n, double static_share) {
  const auto N = static_cast<int64_t>(change.size());
  const double total = std::accumulate(change.begin(), change.end(), 0.0);
  std::vector<double> cum;
  double c = 0;
  for (double x : change) cum.push_back(c += static_share / N + (1 - static_share) * (total > 0 ? x / total : 1.0 / N));
  std::vector<int64_t> picks;
  for (int64_t k = 0; k < n; ++k) {
    const double target = (static_cast<double>(k) + 0.5) / static_cast<double>(n) * cum.back();
    picks.push_back(std::min<int64_t>(std::upper_bound(cum.begin(), cum.end(), target) - cum.begin(), N - 1));
  }
  return picks;
}

class AdaptiveSampler : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(
               NodeSpec("sample.adaptive", "More frames where the picture changes, fewer in static stretches, "
                                           "near-duplicates replaced")
                   .with_shape(Shape::Map)
                   .with_role(Role::Sampler)
                   .parallel()
                   .input("info", DataType::Info, "video info with analyze.scenes' analysis")
                   .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps"))
        .number("static_share", 0.25, 0, 1,
                "share of the budget spread by time whatever the change (1 = even in time, 0 = by change only)")
        .number("duplicate_distance", 0.1, 0, 64,
                "a pick whose summed perceptual-hash distance (per-frame Hamming / 64) to the previous kept pick "
                "is below this is a near-duplicate and replaced; 0 = only repeats of a frame");
  }

  explicit AdaptiveSampler(const Params& p)
      : budget_(p, "sample.adaptive"),
        static_share_(p.get<double>("static_share")),
        duplicate_(p.get<double>("duplicate_distance")) {}

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);
    const Signal sig = signal_in(*info, range);
    const int64_t n = budget_.count(range, *info);
    std::vector<sampling::Pick> picks;
    int64_t replaced = 0;
    if (n >= range.count) {  // every frame (repeated as the budget asks): nothing to choose
      for (int64_t i : linspace_indices(range.start, range.end, n))
        picks.push_back({i, "every frame (the budget is not below the frames in range)"});
    } else {
      replaced = choose(sig, n, range.start, picks);
    }
    out.emit(PlanPtr(budget_.finish(info, range, std::move(picks), job, sampling::Spacing::Irregular,
                                    {{"static_share", static_share_},
                                     {"duplicate_distance", duplicate_},
                                     {"replaced_near_duplicates", replaced}})));
  }

 private:
  // Steps 1-3 over the range's frames (offsets from `start`); returns how many picks were replaced.
  int64_t choose(const Signal& sig, int64_t n, int64_t start, std::vector<sampling::Pick>& picks) const {
    const auto N = static_cast<int64_t>(sig.change.size());
    auto content = [&](int64_t i) { return fmt::format("content {:.1f}", sig.change[i]); };
    std::set<int64_t> kept;
    std::vector<int64_t> duplicate_of;  // per dropped pick, the kept pick it repeats
    const std::vector<int64_t> quantiles = change_quantiles(sig.change, n, static_share_);
    for (std::size_t k = 0; k < quantiles.size(); ++k) {
      const int64_t q = quantiles[k];
      if (!kept.empty() && (q == *kept.rbegin() || sig.distance(*kept.rbegin(), q) < duplicate_)) {
        duplicate_of.push_back(*kept.rbegin());
        continue;
      }
      kept.insert(q);
      picks.push_back({start + q, fmt::format("change quantile {}/{}, {}", k + 1, n, content(q))});
    }
    // Step 3: candidates by change, highest first (ties: earlier), only those above the mean change.
    const double mean = std::accumulate(sig.change.begin(), sig.change.end(), 0.0) / static_cast<double>(N);
    std::vector<int64_t> by_change;
    for (int64_t i = 0; i < N; ++i)
      if (sig.change[i] > mean) by_change.push_back(i);
    std::stable_sort(by_change.begin(), by_change.end(),
                     [&](int64_t a, int64_t b) { return sig.change[a] > sig.change[b]; });
    auto distinct = [&](int64_t i) {  // no repeat or near-duplicate of its kept neighbours
      const auto next = kept.lower_bound(i);
      if (next != kept.end() && (*next == i || sig.distance(i, *next) < duplicate_)) return false;
      return next == kept.begin() || sig.distance(*std::prev(next), i) >= duplicate_;
    };
    std::size_t candidate = 0;  // kept only grows, so a refused candidate stays refused
    for (int64_t of : duplicate_of) {
      const std::string replaces = fmt::format("replaces a near-duplicate of {}", start + of);
      while (candidate < by_change.size() && !distinct(by_change[candidate])) ++candidate;
      if (candidate < by_change.size()) {
        const int64_t i = by_change[candidate++];
        kept.insert(i);
        picks.push_back({start + i, fmt::format("{}, {}", replaces, content(i))});
        continue;
      }
      // The middle of the largest gap between kept picks, the range's ends included (ties: earlier).
      int64_t best_from = -1, best_to = N, prev = -1;
      if (!kept.empty()) best_to = *kept.begin();
      for (int64_t k : kept) {
        if (k - prev > best_to - best_from) best_from = prev, best_to = k;
        prev = k;
      }
      if (N - prev > best_to - best_from) best_from = prev, best_to = N;
      const int64_t i = best_from + (best_to - best_from) / 2;
      kept.insert(i);
      picks.push_back({start + i, fmt::format("{}, fills the largest gap (frames {}-{})", replaces,
                                              start + best_from + 1, start + best_to - 1)});
    }
    return static_cast<int64_t>(duplicate_of.size());
  }

  sampling::Budget budget_;
  double static_share_ = 0.25, duplicate_ = 0.1;
};

}  // namespace

void register_sample_adaptive(vidpipe::Registry& r) { r.add<AdaptiveSampler>(); }
