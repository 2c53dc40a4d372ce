// Re-planning when a video holds fewer (or more) frames than the count its plan was made for.
//
// Samplers that can be re-run record their rule in SamplePlan::extra["replan"] (see
// replan_rule_uniform); the decoder then recomputes the plan with the same rule and the true
// count, so the output has exactly the frames the sampler would have chosen had it known.
// Plans without a rule keep their length: each index is rescaled onto the true range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <vidpipe/sdk/data.hpp>

#include "common/sampling.hpp"

namespace vidpipe::ref {

// The JSON a sample.uniform plan stores under extra["replan"].
json replan_rule_uniform(const NFramesParams& p, std::optional<double> video_start,
                         std::optional<double> video_end);

struct Replanned {
  PlanPtr plan;        // the new plan (its info has the true frame_count, source "decoded")
  std::string method;  // "sample.uniform rule" or "rescaled"
};

// A plan for `true_count` frames, made by `plan`'s rule when it has one.
Replanned replan(const SamplePlan& plan, int64_t true_count);

}  // namespace vidpipe::ref
