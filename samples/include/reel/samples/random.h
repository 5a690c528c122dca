// Portable, seeded randomness for the sample generators.
//
// std::mt19937_64 is specified bit-for-bit by the standard, but the distributions
// (std::uniform_real_distribution, std::normal_distribution ...) are not: libstdc++ and libc++
// produce different sequences from the same engine. Every distribution here is therefore written
// out explicitly, so a seed yields the same session on every machine (given an IEEE-754 libm;
// normal() uses std::log/std::sqrt/std::cos/std::sin, each correctly rounded or nearly so on every
// mainstream libm, and its results are rounded to float by the callers).
#pragma once

#include <array>
#include <cstdint>
#include <random>

namespace reel::samples {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1): the top 53 bits of one draw.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n). REQUIRES: n > 0. (Modulo bias below 2^-40 for the small n used.)
  uint64_t below(uint64_t n) { return engine_() % n; }
  bool chance(double probability) { return uniform() < probability; }
  // Exponentially distributed with the given mean (inverse transform).
  double exponential(double mean);
  // Standard normal N(0, 1) by the Box-Muller transform; draws come in pairs, the second one is
  // cached for the next call.
  double normal();

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// A fixed table of N(0, 1) samples drawn with Random::normal(), read back at random indexes: about
// 20x cheaper per sample than Box-Muller, which matters when the crowd sample needs ~1800 normal
// samples per frame. 2^14 distinct values give 14 bits of entropy per sample, more than a float
// position keeps of a 0.1 mm jitter, so the jitter stays as incompressible as true noise.
class NormalTable {
 public:
  static constexpr int kBits = 14;
  static constexpr uint32_t kSize = 1u << kBits;

  explicit NormalTable(uint64_t seed);
  // Four standard normal samples from one 64-bit draw of `random`.
  std::array<float, 4> next4(Random& random) const {
    const uint64_t bits = random.next_u64();
    constexpr uint64_t kMask = kSize - 1;
    return {table_[bits & kMask], table_[(bits >> 16) & kMask], table_[(bits >> 32) & kMask],
            table_[(bits >> 48) & kMask]};
  }

 private:
  std::array<float, kSize> table_{};
};

}  // namespace reel::samples
