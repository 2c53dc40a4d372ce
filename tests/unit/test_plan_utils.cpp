// The SDK's plan utilities (sdk/include/vidpipe/sdk/plan.hpp, docs/sampling.md): the timestamp
// rule, narrowing, even spreading, numpy-style floor indices and the reason runs.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "vidpipe/sdk/error.hpp"
#include "vidpipe/sdk/plan.hpp"

using namespace vidpipe;

namespace {
std::shared_ptr<VideoInfo> info(int64_t n, double fps, std::vector<double> times = {}) {
  auto v = std::make_shared<VideoInfo>();
  v->frame_count = n;
  v->fps = fps;
  v->frame_times = std::move(times);
  return v;
}

SamplePlan picks(std::shared_ptr<const VideoInfo> v, std::vector<int64_t> idx) {
  SamplePlan p;
  p.info = std::move(v);
  p.indices = std::move(idx);
  for (std::size_t i = 0; i < p.indices.size(); ++i) p.reasons.push_back("pick " + std::to_string(i));
  p.total_frames = p.info->frame_count;
  p.sample_fps = sample_fps(static_cast<int64_t>(p.indices.size()), p.total_frames, p.info->fps);
  set_timestamps(p);
  return p;
}
}  // namespace

TEST_CASE("a frame's time is the packet index's pts when there is one, else index / fps") {
  // 4 frames at 10 fps, then 30 fps: the average rate (fps 15) is wrong for every frame past 0
  const auto vfr = info(6, 15, {0.0, 0.1, 0.2, 0.3, 0.3333333, 0.3666667});
  CHECK(has_frame_times(*vfr));
  CHECK(frame_time(*vfr, 3) == doctest::Approx(0.3));
  CHECK(frame_time(*vfr, 5) == doctest::Approx(0.3666667));
  const auto cfr = info(6, 15);  // no packet index (count_packets=false)
  CHECK_FALSE(has_frame_times(*cfr));
  CHECK(frame_time(*cfr, 3) == doctest::Approx(0.2));
  const auto partial = info(6, 15, {0.0, 0.1});  // an index that does not cover the video is not used
  CHECK(frame_time(*partial, 1) == doctest::Approx(1 / 15.0));
  CHECK(frame_time(*info(6, 0), 3) == 0.0);
  SamplePlan p = picks(vfr, {0, 3, 5});
  CHECK(p.timestamps == std::vector<double>{0.0, 0.3, 0.3666667});
  CHECK(p.timestamps_from == "frame_times");
  CHECK(picks(cfr, {3}).timestamps_from == "index / fps");
}

TEST_CASE("narrow keeps the sampler's picks, timestamps and reasons") {
  const auto vfr = info(100, 15, [] {
    std::vector<double> t;
    for (int i = 0; i < 100; ++i) t.push_back(i < 50 ? i * 0.1 : 5.0 + (i - 50) / 30.0);
    return t;
  }());
  const SamplePlan p = picks(vfr, {0, 10, 20, 55, 60, 70, 80, 99});
  const auto keep = spread_positions(p.indices.size(), 4);
  CHECK(keep == std::vector<std::size_t>{0, 2, 5, 7});  // round(i * 7 / 3): first and last kept
  const auto q = narrow(p, keep);
  CHECK(q->indices == std::vector<int64_t>{0, 20, 70, 99});
  CHECK(q->timestamps == std::vector<double>{p.timestamps[0], p.timestamps[2], p.timestamps[5], p.timestamps[7]});
  CHECK(q->reasons == std::vector<std::string>{"pick 0", "pick 2", "pick 5", "pick 7"});
  CHECK(q->sample_fps == doctest::Approx(p.sample_fps / 2));
  CHECK(narrow(p, spread_positions(8, 8))->indices == p.indices);
  CHECK(narrow(p, spread_positions(8, 1))->indices == std::vector<int64_t>{0});
  CHECK_THROWS_AS(narrow(p, {}), Error);
  CHECK_THROWS_AS(narrow(p, {8}), Error);      // out of range
  CHECK_THROWS_AS(narrow(p, {2, 1}), Error);   // not ascending
  CHECK_THROWS_AS(narrow(p, {1, 1}), Error);   // not distinct
}

TEST_CASE("narrow recounts repeats and fills what a sampler left out") {
  SamplePlan p = picks(info(3, 25), {0, 0, 1, 2, 2});
  p.repeated_frames = 2;
  p.repeated_why = "short video";
  auto q = narrow(p, {0, 2, 4});
  CHECK(q->repeated_frames == 0);
  CHECK(q->repeated_why.empty());
  q = narrow(p, {0, 1, 4});
  CHECK(q->repeated_frames == 1);
  CHECK(q->repeated_why == "short video");
  SamplePlan bare;  // a third-party sampler that set only indices
  bare.info = info(10, 5);
  bare.indices = {2, 4, 6};
  q = narrow(bare, {0, 2});
  CHECK(q->timestamps == std::vector<double>{0.4, 1.2});
  CHECK(q->reasons.empty());
}

TEST_CASE("reason runs group equal neighbours, in pick order") {
  SamplePlan p = picks(info(10, 5), {0, 1, 2, 3, 4});
  p.reasons = {"uniform", "uniform", "uniform (repeat)", "uniform", "uniform"};
  const json runs = json::array({{{"reason", "uniform"}, {"picks", 2}},
                                  {{"reason", "uniform (repeat)"}, {"picks", 1}},
                                  {{"reason", "uniform"}, {"picks", 2}}});
  CHECK(reason_runs(p) == runs);
  p.reasons.clear();
  const json unnamed = json::array({{{"reason", ""}, {"picks", 5}}});
  CHECK(reason_runs(p) == unnamed);
}

TEST_CASE("linspace_floor truncates like numpy's astype(int)") {
  CHECK(linspace_floor(0, 249, 8) == std::vector<int64_t>{0, 35, 71, 106, 142, 177, 213, 249});
  CHECK(linspace_indices(0, 249, 8) == std::vector<int64_t>{0, 36, 71, 107, 142, 178, 213, 249});
  CHECK(linspace_floor(5, 5, 1) == std::vector<int64_t>{5});
  CHECK(linspace_floor(0, 9, 0).empty());
  CHECK(linspace_floor(0, 2, 5) == std::vector<int64_t>{0, 0, 1, 1, 2});
}
