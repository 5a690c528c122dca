// reel::Variant: a value model of every Godot 4 Variant type (ids 0..38).
//
// Value semantics (unlike Godot's reference-counted Array/Dictionary): copying a Variant copies
// its contents. Small types (scalars, math types, RID, object ids) live inline; strings use
// std::string (short-string optimised); packed arrays hold contiguous std::vector storage.
//
// Math types hold real_t = float (Godot's standard single-precision builds). The binary codec
// rejects payloads flagged as double-precision real_t with a clear error instead of narrowing.
//
// Equality (operator==) is *identity*: same type and the same bits, so NaN == NaN when the payloads
// match and -0.0 != 0.0. That is what a recorder needs ("bit-exact playback") and what Dictionary
// key lookup uses.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace reel {

// Godot 4 Variant::Type ids, in the order of Godot's core/variant/variant.h. Persisted (they are
// the type bytes of the Godot 4 binary format): never renumber. Checked against a real Godot 4.6
// (tests/test_godot4_variant.cpp). Godot 3 uses other ids; the codec maps them (variant_binary.h).
// Reel format versions 1-2 wrote Vector4 = 11, Vector4i = 12, Transform2D = 13 (a defect); readers
// map those sessions' bytes (DecodeOptions::type_ids, FORMAT.md 5).
enum class Type : uint8_t {
  NIL = 0,
  BOOL = 1,
  INT = 2,
  FLOAT = 3,
  STRING = 4,
  VECTOR2 = 5,
  VECTOR2I = 6,
  RECT2 = 7,
  RECT2I = 8,
  VECTOR3 = 9,
  VECTOR3I = 10,
  TRANSFORM2D = 11,
  VECTOR4 = 12,
  VECTOR4I = 13,
  PLANE = 14,
  QUATERNION = 15,
  AABB = 16,
  BASIS = 17,
  TRANSFORM3D = 18,
  PROJECTION = 19,
  COLOR = 20,
  STRING_NAME = 21,
  NODE_PATH = 22,
  RID = 23,
  OBJECT = 24,
  CALLABLE = 25,
  SIGNAL = 26,
  DICTIONARY = 27,
  ARRAY = 28,
  PACKED_BYTE_ARRAY = 29,
  PACKED_INT32_ARRAY = 30,
  PACKED_INT64_ARRAY = 31,
  PACKED_FLOAT32_ARRAY = 32,
  PACKED_FLOAT64_ARRAY = 33,
  PACKED_STRING_ARRAY = 34,
  PACKED_VECTOR2_ARRAY = 35,
  PACKED_VECTOR3_ARRAY = 36,
  PACKED_COLOR_ARRAY = 37,
  PACKED_VECTOR4_ARRAY = 38,
};
inline constexpr int kTypeCount = 39;

// Godot's own spelling of the type ("Vector3", "PackedInt32Array", "Nil").
std::string_view type_name(Type type);

struct Vector2 {
  float x = 0, y = 0;
};
struct Vector2i {
  int32_t x = 0, y = 0;
};
struct Rect2 {
  Vector2 position, size;
};
struct Rect2i {
  Vector2i position, size;
};
struct Vector3 {
  float x = 0, y = 0, z = 0;
};
struct Vector3i {
  int32_t x = 0, y = 0, z = 0;
};
struct Vector4 {
  float x = 0, y = 0, z = 0, w = 0;
};
struct Vector4i {
  int32_t x = 0, y = 0, z = 0, w = 0;
};
// Columns x, y and origin, as Godot stores them.
struct Transform2D {
  std::array<Vector2, 3> columns{Vector2{1, 0}, Vector2{0, 1}, Vector2{0, 0}};
};
struct Plane {
  Vector3 normal;
  float d = 0;
};
struct Quaternion {
  float x = 0, y = 0, z = 0, w = 1;
};
struct AABB {
  Vector3 position, size;
};
// Row-major, as Godot stores it internally (rows[i] is row i, not column i).
struct Basis {
  std::array<Vector3, 3> rows{Vector3{1, 0, 0}, Vector3{0, 1, 0}, Vector3{0, 0, 1}};
};
struct Transform3D {
  Basis basis;
  Vector3 origin;
};
// Column-major: columns[i] is column i.
struct Projection {
  std::array<Vector4, 4> columns{Vector4{1, 0, 0, 0}, Vector4{0, 1, 0, 0}, Vector4{0, 0, 1, 0},
                                 Vector4{0, 0, 0, 1}};
};
struct Color {
  float r = 0, g = 0, b = 0, a = 1;
};
struct StringName {
  std::string name;
};
// Godot NodePath: names "A/B/C", subnames ":x:y", absolute when it starts with "/".
struct NodePath {
  std::vector<std::string> names;
  std::vector<std::string> subnames;
  bool absolute = false;
};
struct RID {
  uint64_t id = 0;
};
// An Object reference. `instance_id` alone (the usual var_to_bytes form, "object as id"); when
// `full` is set it is a full object (var_to_bytes_with_objects): class name plus stored properties.
class Variant;
struct FullObject;
struct Object {
  uint64_t instance_id = 0;
  std::shared_ptr<const FullObject> full;  // immutable once built; shared on copy
};
// Godot encodes a Callable as its type id only: the target is not serialised.
struct Callable {};
struct Signal {
  std::string name;
  uint64_t object_id = 0;
};

// Typed-container descriptor (Godot 4.3+ typed Array, 4.4+ typed Dictionary key/value).
enum class ContainerKind : uint8_t { kNone = 0, kBuiltin = 1, kClassName = 2, kScript = 3 };
struct ContainerType {
  ContainerKind kind = ContainerKind::kNone;
  Type builtin = Type::NIL;  // for kBuiltin
  std::string name;          // class name (kClassName) or res:// script path (kScript)
};

class Array {
 public:
  ContainerType element_type;
  std::vector<Variant> items;
};

// Insertion-ordered map with Godot 4's key equality (key_equal below). Setting an existing key
// replaces its value in place, keeping its position and the first key's form (Godot's behaviour:
// `d["a"] = 1; d[&"a"] = 2` leaves one entry, key String "a", value 2).
class Dictionary {
 public:
  ContainerType key_type, value_type;

  // Defined after Variant (below): std::vector<Variant> needs a complete Variant (clang).
  size_t size() const;
  bool empty() const;
  const std::vector<Variant>& keys() const { return keys_; }
  const std::vector<Variant>& values() const { return values_; }
  std::vector<Variant>& mutable_values() { return values_; }

  // Returns nullptr when absent.
  const Variant* find(const Variant& key) const;
  Variant* find(const Variant& key);
  void set(Variant key, Variant value);
  // Appends without checking for an existing key. REQUIRES: key is not present.
  void append_unique(Variant key, Variant value);
  bool erase(const Variant& key);
  void reserve(size_t n);

 private:
  // The binary decoder fills keys_/values_ in place (variant_binary_decode.cpp), keeping the
  // invariants below.
  friend class DictionaryBuilder;

  size_t index_of(const Variant& key) const;  // size() when absent
  void rebuild_index() const;

  // Invariants: keys_.size() == values_.size(); keys are pairwise distinct (key_equal); index_,
  // when set and index_->size() == keys_.size(), holds (hash, position) of every key, sorted.
  std::vector<Variant> keys_;
  std::vector<Variant> values_;
  // Hash index, built lazily once the dictionary is large enough that a linear scan would be
  // quadratic for hostile input; maps key hash -> first index (collisions fall back to a scan).
  mutable std::shared_ptr<std::vector<std::pair<uint64_t, uint32_t>>> index_;
};

// A Variant alternative kept out of line so that every Variant stays small (72 bytes: the largest
// inline alternatives, Projection and Array, plus the type index): a Dictionary inline would make
// every Variant, frame change and world-state slot twice as large. Value semantics: copies are
// deep, moves steal the pointer; an empty box (default or moved-from) reads as an empty T.
template <class T>
class Boxed {
 public:
  Boxed() noexcept = default;
  Boxed(T&& v) : p_(std::make_unique<T>(std::move(v))) {}  // NOLINT
  Boxed(const T& v) : p_(std::make_unique<T>(v)) {}        // NOLINT
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;

  const T& get() const { return p_ ? *p_ : empty(); }
  T& get() {
    if (!p_) p_ = std::make_unique<T>();
    return *p_;
  }

 private:
  static const T& empty() {
    static const T kEmpty;
    return kEmpty;
  }
  std::unique_ptr<T> p_;
};

using PackedByteArray = std::vector<uint8_t>;
using PackedInt32Array = std::vector<int32_t>;
using PackedInt64Array = std::vector<int64_t>;
using PackedFloat32Array = std::vector<float>;
using PackedFloat64Array = std::vector<double>;
using PackedStringArray = std::vector<std::string>;
using PackedVector2Array = std::vector<Vector2>;
using PackedVector3Array = std::vector<Vector3>;
using PackedColorArray = std::vector<Color>;
using PackedVector4Array = std::vector<Vector4>;

class Variant {
 public:
  // The alternative index of Storage equals the Godot 4 type id. A Dictionary is stored boxed
  // (StoredAs<Dictionary>); the accessors below hand out the Dictionary itself.
  using Storage =
      std::variant<std::monostate, bool, int64_t, double, std::string, Vector2, Vector2i, Rect2,
                   Rect2i, Vector3, Vector3i, Transform2D, Vector4, Vector4i, Plane, Quaternion,
                   AABB, Basis, Transform3D, Projection, Color, StringName, NodePath, RID, Object,
                   Callable, Signal, Boxed<Dictionary>, Array, PackedByteArray, PackedInt32Array,
                   PackedInt64Array, PackedFloat32Array, PackedFloat64Array, PackedStringArray,
                   PackedVector2Array, PackedVector3Array, PackedColorArray, PackedVector4Array>;
  static_assert(std::variant_size_v<Storage> == kTypeCount);

  // User-provided on purpose: a defaulted constructor would make value-initialization
  // (Variant{}, vector::emplace_back(), resize) zero-fill all 72 bytes before constructing NIL.
  Variant() noexcept {}
  Variant(std::nullptr_t) {}                           // NOLINT
  Variant(bool v) : v_(v) {}                           // NOLINT
  Variant(int v) : v_(int64_t{v}) {}                   // NOLINT
  Variant(int64_t v) : v_(v) {}                        // NOLINT
  Variant(double v) : v_(v) {}                         // NOLINT
  Variant(const char* v) : v_(std::string(v)) {}       // NOLINT
  Variant(std::string v) : v_(std::move(v)) {}         // NOLINT
  Variant(std::string_view v) : v_(std::string(v)) {}  // NOLINT
  // clang-format 14 folds a requires-clause into the declaration it constrains.
  // clang-format off
  template <class T>
    requires(!std::is_same_v<std::decay_t<T>, Variant> &&
             std::is_constructible_v<Storage, T &&> && !std::is_arithmetic_v<std::decay_t<T>>)
  Variant(T&& v) : v_(std::forward<T>(v)) {}  // NOLINT
  // clang-format on

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_nil() const { return v_.index() == 0; }

  template <class T>
  using StoredAs = std::conditional_t<std::is_same_v<T, Dictionary>, Boxed<Dictionary>, T>;

  template <class T>
  bool is() const {
    return std::holds_alternative<StoredAs<T>>(v_);
  }
  // REQUIRES: is<T>().
  template <class T>
  const T& get() const {
    return *get_if<T>();
  }
  template <class T>
  T& get() {
    return *get_if<T>();
  }
  template <class T>
  const T* get_if() const {
    if constexpr (std::is_same_v<T, Dictionary>) {
      const auto* box = std::get_if<Boxed<Dictionary>>(&v_);
      return box ? &box->get() : nullptr;
    } else {
      return std::get_if<T>(&v_);
    }
  }
  template <class T>
  T* get_if() {
    if constexpr (std::is_same_v<T, Dictionary>) {
      auto* box = std::get_if<Boxed<Dictionary>>(&v_);
      return box ? &box->get() : nullptr;
    } else {
      return std::get_if<T>(&v_);
    }
  }
  // Replaces the value with a default T and returns it.
  template <class T>
  T& emplace() {
    if constexpr (std::is_same_v<T, Dictionary>) {
      return v_.template emplace<Boxed<Dictionary>>(Dictionary{}).get();
    } else {
      return v_.template emplace<T>();
    }
  }

  const Storage& storage() const { return v_; }
  Storage& storage() { return v_; }

  // Identity: same type, same bits (recursively). See the file comment.
  friend bool operator==(const Variant& a, const Variant& b);
  // A hash consistent with operator==.
  uint64_t hash() const;

 private:
  Storage v_;
};

// Dictionary key equality, as Godot 4's Dictionary compares keys (checked against a real Godot 4.6,
// tests/test_godot4_variant.cpp; the rules: format/variant_keys.cpp): a String and a StringName
// with the same characters are one key; otherwise Godot's hash_compare, which is identity except
// that float components compare by value with NaN == NaN (0.0 and -0.0 are one key, so are any
// two NaNs), inside Array and Dictionary keys too. key_hash is consistent with it. Variant's own
// operator== stays identity: it is what bit-exact playback needs.
bool key_equal(const Variant& a, const Variant& b);
uint64_t key_hash(const Variant& key);
// The characters of a String or a StringName; nullptr for other types.
const std::string* string_like(const Variant& v);

// Full object payload (var_to_bytes_with_objects): class name and its stored properties, in
// get_property_list order.
struct FullObject {
  std::string class_name;
  std::vector<std::string> property_names;
  std::vector<Variant> property_values;
};

inline size_t Dictionary::size() const {
  return keys_.size();
}
inline bool Dictionary::empty() const {
  return keys_.empty();
}

}  // namespace reel
