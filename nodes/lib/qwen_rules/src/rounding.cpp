#include <vidpipe/qwen_rules/rounding.hpp>

#include <cmath>

namespace vidpipe::ref {

int64_t round_by_factor(double x, int64_t f) {
  return static_cast<int64_t>(round_half_even(x / static_cast<double>(f))) * f;
}

int64_t ceil_by_factor(double x, int64_t f) {
  return static_cast<int64_t>(std::ceil(x / static_cast<double>(f))) * f;
}

int64_t floor_by_factor(double x, int64_t f) {
  return static_cast<int64_t>(std::floor(x / static_cast<double>(f))) * f;
}

}  // namespace vidpipe::ref
