// Python-exact rounding helpers of qwen-vl-utils (docs/qwen-reference.md §2.1).
// Python's round() and torch.round() are round-half-to-even, NOT C's std::round.
#pragma once

#include <cstdint>

namespace vidpipe::ref {

// Round to nearest, ties to even (Python round / torch.round / numpy.round).
double round_half_even(double x);

// pyround(x / f) * f, e.g. round_by_factor(70, 28) == 56 (std::round would give 84).
int64_t round_by_factor(double x, int64_t f);
// ceil(x / f) * f
int64_t ceil_by_factor(double x, int64_t f);
// floor(x / f) * f
int64_t floor_by_factor(double x, int64_t f);

}  // namespace vidpipe::ref
