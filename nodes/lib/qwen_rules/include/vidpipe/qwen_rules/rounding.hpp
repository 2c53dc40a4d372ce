// Python-exact rounding helpers of qwen-vl-utils (docs/qwen-reference.md §2.1).
// Python's round() and torch.round() are round-half-to-even, NOT C's std::round.
#pragma once

#include <cstdint>

#include <vidpipe/sdk/plan.hpp>  // round_half_even

namespace vidpipe::ref {

// pyround(x / f) * f, e.g. round_by_factor(70, 28) == 56 (std::round would give 84).
int64_t round_by_factor(double x, int64_t f);
// ceil(x / f) * f
int64_t ceil_by_factor(double x, int64_t f);
// floor(x / f) * f
int64_t floor_by_factor(double x, int64_t f);

}  // namespace vidpipe::ref
