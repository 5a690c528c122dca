// Rounding to the lossy grid (format/codec/grid_round.h, internal to reel_format): it must agree with
// std::llround everywhere the codec uses it (|x| < 2^22), or files would change.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "../format/codec/grid_round.h"

namespace reel {
namespace {

double next_up(double x) {
  return std::nextafter(x, INFINITY);
}
double next_down(double x) {
  return std::nextafter(x, -INFINITY);
}

}  // namespace

TEST_CASE("grid rounding is llround: halves away from zero, and their neighbours", "[grid]") {
  for (int64_t n = -5000; n <= 5000; ++n) {
    for (double half : {double(n) + 0.5, double(n) - 0.5, double(n)}) {
      for (double x : {half, next_up(half), next_down(half)}) {
        INFO(x);
        REQUIRE(round_half_away(x) == std::llround(x));
      }
    }
  }
  for (double x : {0.0, -0.0, 0.49999999999999994, -0.49999999999999994, 4194303.5, -4194303.5,
                   4194303.999999999, 1e-300, -1e-300}) {
    INFO(x);
    REQUIRE(round_half_away(x) == std::llround(x));
  }
}

TEST_CASE("grid rounding is llround on random lanes over steps", "[grid]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> lane(-400.0f, 400.0f);
  for (double step : {1e-4, 0.01 * 3.141592653589793 / 180.0, 0.5}) {
    for (int i = 0; i < 200000; ++i) {
      const double g = double(lane(rng)) / step;
      if (!(std::fabs(g) < double(1 << 22))) continue;
      INFO(g);
      REQUIRE(round_half_away(g) == std::llround(g));
    }
  }
}

}  // namespace reel
