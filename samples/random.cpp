#include "reel/samples/random.h"

#include <cmath>
#include <numbers>

namespace reel::samples {

double Random::exponential(double mean) {
  // 1 - u is in (0, 1], so the log is finite.
  return -mean * std::log(1.0 - uniform());
}

double Random::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * std::numbers::pi * u2;
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

NormalTable::NormalTable(uint64_t seed) {
  Random random(seed);
  for (float& value : table_) value = static_cast<float>(random.normal());
}

}  // namespace reel::samples
