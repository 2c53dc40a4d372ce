// The sampler contract from a third party's side (vidpipe/sampling/budget.hpp): a sampler
// compiled here, whose picks come from its parameters, run by NodeRunner. Budget::finish sorts,
// aligns to frame_factor, marks repeats, and refuses picks without a reason or outside the range.
#include <doctest/doctest.h>

#include <vidpipe/sampling/budget.hpp>
#include <vidpipe/testing.hpp>

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

// Picks `indices`, each with the reason at its position in `reasons`.
class GivenPicks final : public Node {
 public:
  static NodeSpec spec() {
    return sampling::declare_budget(NodeSpec("test.given_picks", "picks from a parameter")
                                        .with_role(Role::Sampler)
                                        .input("info", DataType::Info)
                                        .output("plan", DataType::Plan))
        .list("indices", ParamType::IntList, json::array(), "the picks")
        .list("reasons", ParamType::StringList, json::array(), "one per pick");
  }
  explicit GivenPicks(const Params& p)
      : budget_(p, "test.given_picks"),
        indices_(p.get<std::vector<int64_t>>("indices")),
        reasons_(p.get<std::vector<std::string>>("reasons")) {}
  void process(const Data& in, Emitter& out, Job& job) override {
    const InfoPtr& info = std::get<InfoPtr>(in);
    std::vector<sampling::Pick> picks;
    for (std::size_t i = 0; i < indices_.size(); ++i) picks.push_back({indices_[i], reasons_.at(i)});
    out.emit(PlanPtr(budget_.finish(info, budget_.range(*info), std::move(picks), job, sampling::Spacing::Irregular)));
  }

 private:
  sampling::Budget budget_;
  std::vector<int64_t> indices_;
  std::vector<std::string> reasons_;
};

std::shared_ptr<const SamplePlan> plan_of(const json& params) {
  auto info = std::make_shared<VideoInfo>();
  info->input = "v.mp4";
  info->fps = 10, info->frame_count = 100, info->duration = 10;
  NodeRunner node = NodeRunner::of<GivenPicks>(params);
  node.process(InfoPtr(info));
  return node.output<SamplePlan>();
}

}  // namespace

TEST_CASE("finish: sorted, a multiple of frame_factor, repeats marked, timed, spacing recorded") {
  const auto p = plan_of({{"indices", {50, 10, 50, 90, 70}}, {"reasons", {"b", "a", "c", "d", "e"}}});
  CHECK(p->indices == std::vector<int64_t>{10, 50, 70, 90});  // 5 picks -> 4, spread, first and last kept
  CHECK(p->reasons == std::vector<std::string>{"a", "b", "e", "d"});
  CHECK(p->timestamps == std::vector<double>{1.0, 5.0, 7.0, 9.0});
  CHECK(p->extra["spacing"] == "irregular");
  CHECK(p->sampler == "test.given_picks");
  const auto r = plan_of({{"indices", {3, 3}}, {"reasons", {"x", "x"}}});
  CHECK(r->reasons == std::vector<std::string>{"x", "x (repeat)"});
  CHECK(r->repeated_frames == 1);
  CHECK(plan_of({{"indices", {7}}, {"reasons", {"only"}}})->indices == std::vector<int64_t>{7, 7});  // padded
}

TEST_CASE("finish refuses picks without a reason, outside the range, or none") {
  CHECK_THROWS_WITH_AS(plan_of({{"indices", {1, 2}}, {"reasons", {"", "b"}}}),
                       doctest::Contains("frame 1 was picked without a reason"), Error);
  CHECK_THROWS_WITH_AS(plan_of({{"indices", {1, 200}}, {"reasons", {"a", "b"}}}),
                       doctest::Contains("picked frame 200, outside the frames 0-99"), Error);
  CHECK_THROWS_WITH_AS(plan_of({{"indices", {1, 2}}, {"reasons", {"a", "b"}}, {"video_start", 5.0}}),
                       doctest::Contains("outside the frames 50-99"), Error);
  CHECK_THROWS_WITH_AS(plan_of(json::object()), doctest::Contains("picked no frames of v.mp4"), Error);
  CHECK_THROWS_WITH_AS(plan_of({{"indices", {1}}, {"reasons", {"a"}}, {"short_video", "error"}}),
                       doctest::Contains("1 pick(s) in frames 0-99, fewer than frame_factor 2"), Error);
}
