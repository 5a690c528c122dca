// The LEB128 varints (format/codec/varint.h, internal to reel_format): the reader's fast path
// and its byte-by-byte path near the end of a buffer must agree on every length.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "../format/codec/varint.h"

namespace reel {
namespace {

// Calls check(v) for 50 random values of every significant bit length 0..64 (every varint
// length 1..10).
template <class Check>
void for_values_of_every_length(uint64_t seed, Check check) {
  std::mt19937_64 rng(seed);
  for (int bits = 0; bits <= 64; ++bits) {
    for (int trial = 0; trial < 50; ++trial) {
      check(bits == 0 ? 0 : (rng() >> (64 - bits)) | (uint64_t{1} << (bits - 1)));
    }
  }
}

TEST_CASE("varint get reads every length the same with or without slack after it", "[varint]") {
  for_values_of_every_length(7, [](uint64_t v) {
    std::vector<uint8_t> bytes;
    varint::put(bytes, v);
    REQUIRE(bytes.size() == size_t(varint::size_of(v)));
    for (size_t slack : {size_t{0}, size_t{3}, size_t{16}}) {
      std::vector<uint8_t> buf = bytes;
      buf.resize(bytes.size() + slack, 0xff);  // continuation bytes: must not be read into v
      size_t pos = 0;
      uint64_t got = 0;
      REQUIRE(varint::get(buf, pos, buf.size(), got));
      REQUIRE(got == v);
      REQUIRE(pos == bytes.size());
    }
  });
}

TEST_CASE("varint put_raw writes every length as put does", "[varint]") {
  for_values_of_every_length(11, [](uint64_t v) {
    std::vector<uint8_t> expected;
    varint::put(expected, v);
    std::vector<uint8_t> buf(16, 0xaa);
    uint8_t* end = varint::put_raw(buf.data(), v);
    REQUIRE(size_t(end - buf.data()) == expected.size());
    REQUIRE(std::vector<uint8_t>(buf.data(), end) == expected);
    REQUIRE(buf[end - buf.data()] == 0xaa);  // nothing written past the varint
  });
}

TEST_CASE("varint get refuses truncation, overlong and overflowing input", "[varint]") {
  std::vector<uint8_t> overlong(11, 0x80);
  overlong.back() = 0;
  overlong.resize(24, 0);
  size_t pos = 0;
  uint64_t v = 0;
  REQUIRE_FALSE(varint::get(overlong, pos, overlong.size(), v));

  std::vector<uint8_t> overflow(9, 0xff);
  overflow.push_back(0x02);  // a 10th byte above 1 would need bit 64
  overflow.resize(24, 0);
  pos = 0;
  REQUIRE_FALSE(varint::get(overflow, pos, overflow.size(), v));

  std::vector<uint8_t> truncated = {0x80, 0x80};
  pos = 0;
  REQUIRE_FALSE(varint::get(truncated, pos, truncated.size(), v));
}

}  // namespace
}  // namespace reel
