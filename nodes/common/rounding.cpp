#include "common/rounding.hpp"

#include <cmath>

namespace vidpipe::ref {

double round_half_even(double x) {
  // std::round rounds ties away from zero; fix up exact .5 ties to the even neighbour.
  if (std::fabs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
  return std::round(x);
}

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
