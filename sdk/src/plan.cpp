// Plan utilities (plan.hpp).
//
// linspace_indices: why torch 1.13 and not a formula. qwen-vl-utils takes
// torch.linspace(...).round() in float32, and float32 error flips roundings at large indices, so
// the index list is whatever that exact kernel computes. Debian's torch 1.13 runs
// aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp with CPU capability AVX2 (GCC, FMA
// contraction on):
//   step = float(end - start) / float(n - 1); halfway = n / 2
//   chunks of 8 (Vectorized<float>, processed in pairs of 16), for the chunk starting at i:
//     base = i < halfway ? fma(step, i, start) : fma(-step, n - 1 - i, end)   (one rounding)
//     L[i + j] = base + float(j * step)                                         (two roundings)
//   the tail (< 16 elements) one by one with the same two-sided base formula.
// A chunk that straddles halfway uses the start-side formula throughout.
// Verified against torch itself by tests/e2e/test_reference_math.py.
#include "vidpipe/sdk/plan.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "vidpipe/sdk/error.hpp"

namespace vidpipe {

double round_half_even(double x) {
  // std::round rounds ties away from zero; fix up exact .5 ties to the even neighbour.
  if (std::fabs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
  return std::round(x);
}

// FMA on the chunk base and none inside arange is what GCC emitted for torch 1.13's AVX2 build.
std::vector<int64_t> linspace_indices(int64_t start, int64_t end, int64_t n) {
  std::vector<int64_t> out;
  if (n <= 0) return out;
  const float s = static_cast<float>(start), e = static_cast<float>(end);
  if (n == 1) return {static_cast<int64_t>(round_half_even(s))};
  const float step = (e - s) / static_cast<float>(n - 1);
  const int64_t halfway = n / 2;
  auto base = [&](int64_t i) {
    return i < halfway ? std::fmaf(step, static_cast<float>(i), s)
                       : std::fmaf(-step, static_cast<float>(n - 1 - i), e);
  };
  out.resize(static_cast<std::size_t>(n));
  auto chunk = [&](int64_t i0) {  // Vectorized<float>::arange(base, step)
    const float b = base(i0);
    for (int64_t j = 0; j < 8; ++j) {
      volatile float prod = static_cast<float>(j) * step;  // rounded before the add: no FMA
      out[i0 + j] = static_cast<int64_t>(round_half_even(b + prod));
    }
  };
  int64_t i = 0;
  for (; i <= n - 16; i += 16) chunk(i), chunk(i + 8);  // AVX2: 8 floats, two per iteration
  for (; i < n; ++i) out[i] = static_cast<int64_t>(round_half_even(base(i)));
  return out;
}

// numpy: step = (end - start) / (n - 1), y = start + i * step, the last element set to `end`.
std::vector<int64_t> linspace_floor(int64_t start, int64_t end, int64_t n) {
  std::vector<int64_t> v;
  if (n <= 0) return v;
  if (n == 1) return {start};
  v.reserve(static_cast<std::size_t>(n));
  const double step = static_cast<double>(end - start) / static_cast<double>(n - 1);
  for (int64_t i = 0; i < n; ++i)
    v.push_back(i == n - 1 ? end : static_cast<int64_t>(static_cast<double>(start) + static_cast<double>(i) * step));
  return v;
}

FrameRange frame_range(int64_t total_frames, double fps, std::optional<double> video_start,
                       std::optional<double> video_end) {
  if (!(fps > 0)) throw Error("video fps must be positive, got " + std::to_string(fps));
  if (total_frames <= 0)
    throw Error("video has no frames (total_frames = " + std::to_string(total_frames) + ")");
  if (!video_start && !video_end) return {0, total_frames - 1, total_frames};
  const double duration = static_cast<double>(total_frames) / fps;
  auto clamp = [&](double t) { return std::max(0.0, std::min(t, duration)); };
  const int64_t start = video_start ? static_cast<int64_t>(std::ceil(clamp(*video_start) * fps)) : 0;
  int64_t end = total_frames - 1;
  if (video_end) end = std::min(static_cast<int64_t>(std::floor(clamp(*video_end) * fps)), end);
  if (start >= end)
    throw Error("video_start/video_end select no frames (start frame " + std::to_string(start) +
                    " >= end frame " + std::to_string(end) + ")",
                "check video_start < video_end and both lie within the video's duration");
  return {start, end, end - start + 1};
}

double sample_fps(int64_t n, int64_t total_frames, double video_fps) {
  return static_cast<double>(n) / std::max(static_cast<double>(total_frames), 1e-6) * video_fps;
}

bool has_frame_times(const VideoInfo& info) {
  return info.frame_count > 0 && static_cast<int64_t>(info.frame_times.size()) == info.frame_count;
}

double frame_time(const VideoInfo& info, int64_t index) {
  if (has_frame_times(info) && index >= 0 && index < info.frame_count)
    return info.frame_times[static_cast<std::size_t>(index)];
  return info.fps > 0 ? static_cast<double>(index) / info.fps : 0.0;
}

void set_timestamps(SamplePlan& plan) {
  if (!plan.info) throw Error("set_timestamps: the plan has no VideoInfo", "set plan.info first");
  plan.timestamps.clear();
  plan.timestamps.reserve(plan.indices.size());
  for (int64_t i : plan.indices) plan.timestamps.push_back(frame_time(*plan.info, i));
  plan.timestamps_from = has_frame_times(*plan.info) ? "frame_times" : "index / fps";
}

std::vector<std::size_t> spread_positions(std::size_t n, std::size_t keep) {
  keep = std::min(keep, n);
  std::vector<std::size_t> out;
  out.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i)
    out.push_back(keep == 1 ? 0
                            : static_cast<std::size_t>(std::llround(static_cast<double>(i) * static_cast<double>(n - 1) /
                                                                    static_cast<double>(keep - 1))));
  return out;
}

std::shared_ptr<SamplePlan> narrow(const SamplePlan& plan, const std::vector<std::size_t>& positions) {
  const std::size_t n = plan.indices.size();
  if (positions.empty()) throw Error("narrowing a plan to no frames", "keep at least one of the sampler's picks");
  for (std::size_t k = 0; k < positions.size(); ++k) {
    if (positions[k] >= n)
      throw Error("narrowing a plan of " + std::to_string(n) + " picks to pick " + std::to_string(positions[k]),
                  "narrow() takes positions into the sampler's picks, not frame indices");
    if (k > 0 && positions[k] <= positions[k - 1])
      throw Error("narrowing a plan: positions must be ascending and distinct");
  }
  auto next = std::make_shared<SamplePlan>(plan);
  next->indices.clear();
  next->timestamps.clear();
  next->reasons.clear();
  const bool timed = plan.timestamps.size() == n, reasoned = plan.reasons.size() == n;
  for (std::size_t k : positions) {
    next->indices.push_back(plan.indices[k]);
    if (timed) next->timestamps.push_back(plan.timestamps[k]);
    if (reasoned) next->reasons.push_back(plan.reasons[k]);
  }
  if (!timed && plan.info) set_timestamps(*next);
  if (positions.size() != n)
    next->sample_fps = plan.sample_fps * static_cast<double>(positions.size()) / static_cast<double>(n);
  next->repeated_frames = repeated_frames(next->indices);
  if (next->repeated_frames == 0) next->repeated_why.clear();
  return next;
}

int64_t repeated_frames(const std::vector<int64_t>& ascending) {
  int64_t r = 0;
  for (std::size_t i = 1; i < ascending.size(); ++i) r += ascending[i] == ascending[i - 1];
  return r;
}

json reason_runs(const SamplePlan& plan) {
  json runs = json::array();
  for (std::size_t i = 0; i < plan.indices.size(); ++i) {
    const std::string r = i < plan.reasons.size() ? plan.reasons[i] : "";
    if (!runs.empty() && runs.back()["reason"] == r)
      runs.back()["picks"] = runs.back()["picks"].get<int64_t>() + 1;
    else
      runs.push_back({{"reason", r}, {"picks", 1}});
  }
  return runs;
}

}  // namespace vidpipe
