// Rounding to the lossy grid (FORMAT.md 6, "Lossy mode"). Internal to reel_format.
#pragma once

#include <cstdint>

namespace reel {

// std::llround (nearest, halves away from zero) for |x| < 2^52, inline: the codec rounds every
// lane of a lossy value, and llround is an out-of-line libm call. Exact: the truncation is exact,
// and x - trunc(x) is exact for |x| < 2^52 (both have the same exponent or the result is x).
inline int64_t round_half_away(double x) {
  const auto whole = static_cast<int64_t>(x);  // toward zero
  const double fraction = x - static_cast<double>(whole);
  // Without branches: lane values round either way unpredictably.
  return whole + static_cast<int64_t>(fraction >= 0.5) - static_cast<int64_t>(fraction <= -0.5);
}

}  // namespace reel
