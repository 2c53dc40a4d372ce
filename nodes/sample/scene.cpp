// sample.scene: picks from the shots analyze.scenes found (VideoInfo::extra["scenes"],
// docs/sampling.md §5 and §7). Every shot in the range gets its middle frame while the budget
// allows, the rest of the budget goes to shots in proportion to their length (spread as segment
// middles inside each shot); with more shots than the budget, the most distinct shots (the
// largest change at their start and end) are kept. Each reason names its shot: "scene 3 middle".
#include <algorithm>
#include <numeric>

#include <vidpipe/sdk.hpp>

#include <vidpipe/sampling/budget.hpp>

namespace {

using namespace vidpipe;

struct Shot {
  int number = 0;             // 1-based, as in the scene list of the whole video
  int64_t start = 0, end = 0;  // inside the range, inclusive
  double change = 0;           // content change at its start and end cuts (distinctness)
  int64_t picks = 0;
  int64_t length() const { return end - start + 1; }
};

std::vector<Shot> shots_in(const VideoInfo& info, const FrameRange& r) {
  const json* scenes = info.extra.contains("scenes") ? &info.extra["scenes"] : nullptr;
  if (!scenes || !scenes->contains("scenes"))
    throw Error("sample.scene: " + info.input + " has no scene analysis",
                "put analyze.scenes between the probe and the sampler (graphs/qwen2_5_vl_scenes.yaml)");
  std::vector<float> content;
  if (info.extra.contains("analysis")) content = info.extra["analysis"].at("content").get<std::vector<float>>();
  auto change_at = [&](int64_t f) { return f >= 0 && f < static_cast<int64_t>(content.size()) ? content[f] : 0.0; };
  std::vector<Shot> shots;
  int number = 0;
  for (const auto& s : scenes->at("scenes")) {
    ++number;
    const int64_t first = s.at("start_frame").get<int64_t>(), last = s.at("end_frame").get<int64_t>();
    const int64_t start = std::max(first, r.start), end = std::min(last, r.end);
    if (start > end) continue;
    shots.push_back({number, start, end, change_at(first) + change_at(last + 1)});
  }
  return shots;
}

// The n most distinct shots (ties: the longer, then the earlier), back in time order.
void keep_most_distinct(std::vector<Shot>& shots, int64_t n) {
  std::stable_sort(shots.begin(), shots.end(), [](const Shot& a, const Shot& b) {
    return a.change != b.change ? a.change > b.change : a.length() > b.length();
  });
  shots.resize(static_cast<std::size_t>(n));
  std::sort(shots.begin(), shots.end(), [](const Shot& a, const Shot& b) { return a.start < b.start; });
}

// One pick per shot, then the rest by length (largest remainder), never more than a shot's frames.
void share(std::vector<Shot>& shots, int64_t n) {
  int64_t left = n;
  for (Shot& s : shots) s.picks = 1, --left;
  while (left > 0) {
    int64_t room = 0;
    for (const Shot& s : shots) room += s.length() - s.picks;
    if (room == 0) return;
    const int64_t round = std::min(left, room);
    std::vector<double> want;
    for (const Shot& s : shots) want.push_back(static_cast<double>(round) * (s.length() - s.picks) / room);
    int64_t given = 0;
    for (std::size_t i = 0; i < shots.size(); ++i) {
      const auto k = static_cast<int64_t>(want[i]);
      shots[i].picks += k, given += k, want[i] -= static_cast<double>(k);
    }
    std::vector<std::size_t> order(shots.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return want[a] > want[b]; });
    for (std::size_t i : order)
      if (given < round && shots[i].picks < shots[i].length()) ++shots[i].picks, ++given;
    left -= given;
  }
}

class SceneSampler : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(
        NodeSpec("sample.scene", "At least one frame per shot (its middle), the rest by shot length")
            .with_shape(Shape::Map)
            .with_role(Role::Sampler)
            .parallel()
            .input("info", DataType::Info, "video info with analyze.scenes' scene list")
            .output("plan", DataType::Plan, "frame indices, timestamps and sample_fps"));
  }

  explicit SceneSampler(const Params& p) : budget_(p, "sample.scene") {}

  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    const FrameRange range = budget_.range(*info);
    std::vector<Shot> shots = shots_in(*info, range);
    const int64_t n = budget_.count(range, *info);
    const std::size_t found = shots.size();
    if (static_cast<int64_t>(shots.size()) > n) keep_most_distinct(shots, n);
    share(shots, n);
    std::vector<sampling::Pick> picks;
    for (const Shot& s : shots)
      for (int64_t i = 0; i < s.picks; ++i) {
        const int64_t frame = s.start + (2 * i + 1) * s.length() / (2 * s.picks);
        picks.push_back({frame, "scene " + std::to_string(s.number) +
                                    (s.picks == 1 ? " middle" : " (" + std::to_string(i + 1) + "/" +
                                                                    std::to_string(s.picks) + ")")});
      }
    out.emit(PlanPtr(budget_.finish(info, range, std::move(picks), job, sampling::Spacing::Irregular,
                                    {{"shots_in_range", found}, {"shots_picked", shots.size()}})));
  }

 private:
  sampling::Budget budget_;
};

}  // namespace

void register_sample_scene(vidpipe::Registry& r) { r.add<SceneSampler>(); }
