// LEB128 varints and zigzag mapping (FORMAT.md 6). Internal to reel_format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace reel::varint {

inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline int size_of(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void put(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}
inline void put_signed(std::vector<uint8_t>& out, int64_t v) { put(out, zigzag(v)); }

// Reads a varint at `pos` (< end), advancing pos. False on truncation or more than 10 bytes.
inline bool get(std::span<const uint8_t> in, size_t& pos, size_t end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= end) return false;
    uint8_t b = in[pos++];
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return shift < 63 || b <= 1;
  }
  return false;
}

}  // namespace reel::varint
