// Internals shared by the Variant binary encoder and decoder (variant_binary_*.cpp): header bits,
// the Godot 3 type-id mapping and little-endian load/store helpers.
//
// Wire facts (docs/godot-variant-binary.md): every field is little-endian; the header word
// holds the type id in bits 0-7 and flags in bits 16-19; every encoded Variant is 4-byte aligned.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "reel/variant/variant.h"

// The codec's internals return bool (true = ok) and keep the error Status in the coder: a Status
// per field read or written would cost more than the field itself on the hot path.
#define REEL_TRY(expr)        \
  do {                        \
    if (!(expr)) [[unlikely]] \
      return false;           \
  } while (0)

namespace reel::binary_internal {

inline constexpr uint32_t kTypeMask = 0xFF;
// INT/FLOAT: 64-bit payload; real_t math types: f64 components; OBJECT: payload is an id.
inline constexpr uint32_t kFlag64 = 1u << 16;
inline constexpr int kArrayKindShift = 16;
inline constexpr int kDictKeyKindShift = 16;
inline constexpr int kDictValueKindShift = 18;
inline constexpr uint32_t kNodePathNewFormat = 0x80000000u;
inline constexpr uint32_t kNodePathAbsolute = 1;
inline constexpr uint32_t kNodePathLegacyProperty = 2;       // one extra subname follows
inline constexpr uint32_t kContainerCountMask = 0x7FFFFFFF;  // bit 31: legacy "shared" flag
inline constexpr int kMaxEncodeDepth = 1024;
inline constexpr int kGodot3TypeCount = 27;
inline constexpr std::string_view kEncodedObjectAsId = "EncodedObjectAsID";
inline constexpr bool kLittleEndianHost = std::endian::native == std::endian::little;

// Godot 3 wire id of each Godot 4 type; -1 where Godot 3 has no such type.
inline constexpr std::array<int8_t, kTypeCount> kGodot3IdOf = {
    0,  1,  2,  3,  4,  5,  -1, 6,  -1, 7,  -1, 8,  -1, -1, 9,  10, 11, 12, 13, -1,
    14, -1, 15, 16, 17, -1, -1, 18, 19, 20, 21, -1, 22, -1, 23, 24, 25, 26, -1,
};
// Godot 4 type of each Godot 3 wire id.
inline constexpr std::array<Type, kGodot3TypeCount> kTypeOfGodot3Id = {
    Type::NIL,
    Type::BOOL,
    Type::INT,
    Type::FLOAT,
    Type::STRING,
    Type::VECTOR2,
    Type::RECT2,
    Type::VECTOR3,
    Type::TRANSFORM2D,
    Type::PLANE,
    Type::QUATERNION,
    Type::AABB,
    Type::BASIS,
    Type::TRANSFORM3D,
    Type::COLOR,
    Type::NODE_PATH,
    Type::RID,
    Type::OBJECT,
    Type::DICTIONARY,
    Type::ARRAY,
    Type::PACKED_BYTE_ARRAY,
    Type::PACKED_INT32_ARRAY,
    Type::PACKED_FLOAT32_ARRAY,
    Type::PACKED_STRING_ARRAY,
    Type::PACKED_VECTOR2_ARRAY,
    Type::PACKED_VECTOR3_ARRAY,
    Type::PACKED_COLOR_ARRAY,
};

// Reverses the bytes of every `Width`-byte word in [p, p + bytes). No-op on little-endian hosts,
// where the in-memory layout already is the wire layout.
template <size_t Width>
inline void to_or_from_le_words(void* p, size_t bytes) {
  if constexpr (!kLittleEndianHost) {
    auto* b = static_cast<uint8_t*>(p);
    for (size_t i = 0; i + Width <= bytes; i += Width) {
      for (size_t j = 0; j < Width / 2; ++j) std::swap(b[i + j], b[i + Width - 1 - j]);
    }
  } else {
    (void)p;
    (void)bytes;
  }
}

template <class T>
inline T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  to_or_from_le_words<sizeof(T)>(&v, sizeof v);
  return v;
}

template <class T>
inline void store_le(uint8_t* p, T v) {
  to_or_from_le_words<sizeof(T)>(&v, sizeof v);
  std::memcpy(p, &v, sizeof v);
}

inline constexpr size_t pad4(size_t n) {
  return (4 - n % 4) % 4;
}

// Plain structs of 4-byte components written component-wise in memory order (the Godot wire
// order for every math type, see variant.h): no padding allowed.
template <class T>
inline constexpr bool kIsWordStruct = std::is_trivially_copyable_v<T> && sizeof(T) % 4 == 0 &&
                                      alignof(T) == 4;

}  // namespace reel::binary_internal
