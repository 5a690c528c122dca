// Dictionary key equality as Godot 4 has it (variant.h: key_equal, key_hash).
//
// What a real Godot 4.6 does (tests/test_godot4_variant.cpp checks each): Dictionary looks keys up
// with Variant::hash_compare plus one rule of its own, that a String and a StringName with the
// same characters are one key. hash_compare is identity except for floats: 0.0 and -0.0 are equal
// and every NaN equals every NaN, in a float key, in the components of math types and packed
// arrays, and inside Array and Dictionary keys. Array keys compare element by element (there
// "a" and &"a" differ); Dictionary keys compare entry by entry in order, their keys by the
// Dictionary rule (there "a" and &"a" are one). So {0.0: 1, -0.0: 2} is {0.0: 2},
// {[0.0]: 1, [-0.0]: 2} has one entry, {["a"]: 1, [&"a"]: 2} two, {{"a": 1}: 1, {&"a": 1}: 2} one.
#include <bit>
#include <cmath>
#include <cstring>

#include <xxhash.h>

#include "reel/variant/variant.h"

namespace reel {
namespace {

// Float components compared by value with NaN == NaN (Godot's hash_compare_scalar).
bool same_float(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}
// Bits that agree whenever same_float does: one zero, one NaN.
uint64_t float_key_bits(double x) {
  if (x == 0) return 0;
  if (std::isnan(x)) return 0x7ff8000000000000ull;
  return std::bit_cast<uint64_t>(x);
}

uint64_t mix(uint64_t h, uint64_t v) {
  return (h ^ v) * 0x9E3779B97F4A7C15ull + (h >> 29);
}

// Math types made of float32 components only (Variant's plain structs, no padding).
template <class T>
constexpr bool kFloatStruct =
    std::is_same_v<T, Vector2> || std::is_same_v<T, Rect2> || std::is_same_v<T, Vector3> ||
    std::is_same_v<T, Transform2D> || std::is_same_v<T, Vector4> || std::is_same_v<T, Plane> ||
    std::is_same_v<T, Quaternion> || std::is_same_v<T, AABB> || std::is_same_v<T, Basis> ||
    std::is_same_v<T, Transform3D> || std::is_same_v<T, Projection> || std::is_same_v<T, Color>;

template <class T>
bool same_floats(const T* a, const T* b, size_t count) {
  static_assert(sizeof(T) % sizeof(float) == 0);
  const size_t n = count * sizeof(T) / sizeof(float);
  for (size_t i = 0; i < n; ++i) {
    float x, y;
    std::memcpy(&x, reinterpret_cast<const char*>(a) + i * sizeof(float), sizeof x);
    std::memcpy(&y, reinterpret_cast<const char*>(b) + i * sizeof(float), sizeof y);
    if (!same_float(x, y)) return false;
  }
  return true;
}
template <class T>
uint64_t hash_floats(const T* p, size_t count, uint64_t h) {
  const size_t n = count * sizeof(T) / sizeof(float);
  for (size_t i = 0; i < n; ++i) {
    float x;
    std::memcpy(&x, reinterpret_cast<const char*>(p) + i * sizeof(float), sizeof x);
    h = mix(h, float_key_bits(x));
  }
  return h;
}

bool hash_compare(const Variant& a, const Variant& b);
uint64_t compare_hash(const Variant& v);

// Dictionary keys are equal when their entries are, in order: keys by the Dictionary rule (a
// String and a StringName alike), values by hash_compare. (Godot compares them as sets but hashes
// them in order, so {"a": 1, "b": 2} and {"b": 2, "a": 1} are two keys.)
bool same_entries(const Dictionary& a, const Dictionary& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!key_equal(a.keys()[i], b.keys()[i]) || !hash_compare(a.values()[i], b.values()[i])) {
      return false;
    }
  }
  return true;
}

// Variant::hash_compare: same type, then identity but for the float rule.
bool hash_compare(const Variant& a, const Variant& b) {
  if (a.type() != b.type()) return false;
  return std::visit(
      [&a, &b](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        const T& y = *std::get_if<T>(&b.storage());
        if constexpr (std::is_same_v<T, double>) {
          return same_float(x, y);
        } else if constexpr (kFloatStruct<T>) {
          return same_floats(&x, &y, 1);
        } else if constexpr (std::is_same_v<T, PackedFloat32Array> ||
                             std::is_same_v<T, PackedFloat64Array> ||
                             std::is_same_v<T, PackedVector2Array> ||
                             std::is_same_v<T, PackedVector3Array> ||
                             std::is_same_v<T, PackedColorArray> ||
                             std::is_same_v<T, PackedVector4Array>) {
          if (x.size() != y.size()) return false;
          if constexpr (std::is_same_v<T, PackedFloat64Array>) {
            for (size_t i = 0; i < x.size(); ++i) {
              if (!same_float(x[i], y[i])) return false;
            }
            return true;
          } else {
            return same_floats(x.data(), y.data(), x.size());
          }
        } else if constexpr (std::is_same_v<T, Array>) {
          if (x.items.size() != y.items.size()) return false;
          for (size_t i = 0; i < x.items.size(); ++i) {
            if (!hash_compare(x.items[i], y.items[i])) return false;
          }
          return true;
        } else if constexpr (std::is_same_v<T, Boxed<Dictionary>>) {
          return same_entries(x.get(), y.get());
        } else {
          return a == b;  // no floats inside: identity
        }
      },
      a.storage());
}

// Consistent with hash_compare (and, for a String or StringName inside a Dictionary key, with the
// Dictionary rule: they hash alike everywhere).
uint64_t compare_hash(const Variant& v) {
  const uint64_t seed = static_cast<uint64_t>(v.type());
  if (const std::string* s = string_like(v)) {
    return XXH3_64bits_withSeed(s->data(), s->size(), static_cast<uint64_t>(Type::STRING));
  }
  return std::visit(
      [&v, seed](const auto& x) -> uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, double>) {
          return mix(seed, float_key_bits(x));
        } else if constexpr (kFloatStruct<T>) {
          return hash_floats(&x, 1, seed);
        } else if constexpr (std::is_same_v<T, PackedFloat64Array>) {
          uint64_t h = seed + x.size();
          for (double d : x) h = mix(h, float_key_bits(d));
          return h;
        } else if constexpr (std::is_same_v<T, PackedFloat32Array> ||
                             std::is_same_v<T, PackedVector2Array> ||
                             std::is_same_v<T, PackedVector3Array> ||
                             std::is_same_v<T, PackedColorArray> ||
                             std::is_same_v<T, PackedVector4Array>) {
          return hash_floats(x.data(), x.size(), seed + x.size());
        } else if constexpr (std::is_same_v<T, Array>) {
          uint64_t h = seed + x.items.size();
          for (const Variant& item : x.items) h = mix(h, compare_hash(item));
          return h;
        } else if constexpr (std::is_same_v<T, Boxed<Dictionary>>) {
          const Dictionary& d = x.get();
          uint64_t h = seed + d.size();
          for (size_t i = 0; i < d.size(); ++i) {
            h = mix(mix(h, compare_hash(d.keys()[i])), compare_hash(d.values()[i]));
          }
          return h;
        } else {
          return v.hash();
        }
      },
      v.storage());
}

}  // namespace

const std::string* string_like(const Variant& v) {
  if (const auto* s = v.get_if<std::string>()) return s;
  if (const auto* n = v.get_if<StringName>()) return &n->name;
  return nullptr;
}

bool key_equal(const Variant& a, const Variant& b) {
  if (const std::string* sa = string_like(a)) {  // the usual keys first
    const std::string* sb = string_like(b);
    return sb && *sa == *sb;
  }
  return hash_compare(a, b);
}

uint64_t key_hash(const Variant& key) {
  return compare_hash(key);
}

}  // namespace reel
