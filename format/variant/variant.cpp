#include "reel/variant/variant.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include <xxhash.h>

namespace reel {
namespace {

constexpr std::string_view kTypeNames[kTypeCount] = {
    "Nil",
    "bool",
    "int",
    "float",
    "String",
    "Vector2",
    "Vector2i",
    "Rect2",
    "Rect2i",
    "Vector3",
    "Vector3i",
    "Transform2D",
    "Vector4",
    "Vector4i",
    "Plane",
    "Quaternion",
    "AABB",
    "Basis",
    "Transform3D",
    "Projection",
    "Color",
    "StringName",
    "NodePath",
    "RID",
    "Object",
    "Callable",
    "Signal",
    "Dictionary",
    "Array",
    "PackedByteArray",
    "PackedInt32Array",
    "PackedInt64Array",
    "PackedFloat32Array",
    "PackedFloat64Array",
    "PackedStringArray",
    "PackedVector2Array",
    "PackedVector3Array",
    "PackedColorArray",
    "PackedVector4Array",
};

// Plain structs of floats/ints with no padding: compared and hashed by their bytes, which gives
// identity semantics (NaN payloads and the sign of zero count).
template <class T>
constexpr bool kIsFloatPod =
    std::is_trivially_copyable_v<T> && !std::is_same_v<T, std::monostate> &&
    !std::is_same_v<T, Callable> && !std::is_same_v<T, bool>;

template <class T>
bool bytes_equal(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

bool container_type_equal(const ContainerType& a, const ContainerType& b) {
  return a.kind == b.kind && a.builtin == b.builtin && a.name == b.name;
}

bool full_object_equal(const FullObject* a, const FullObject* b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->class_name == b->class_name && a->property_names == b->property_names &&
         a->property_values == b->property_values;
}

template <class T>
bool same_value(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, Callable>) {
    return true;
  } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                       std::is_same_v<T, std::string> || std::is_same_v<T, PackedByteArray> ||
                       std::is_same_v<T, PackedInt32Array> || std::is_same_v<T, PackedInt64Array> ||
                       std::is_same_v<T, PackedStringArray>) {
    return a == b;
  } else if constexpr (std::is_same_v<T, StringName>) {
    return a.name == b.name;
  } else if constexpr (std::is_same_v<T, NodePath>) {
    return a.absolute == b.absolute && a.names == b.names && a.subnames == b.subnames;
  } else if constexpr (std::is_same_v<T, Object>) {
    return a.instance_id == b.instance_id && full_object_equal(a.full.get(), b.full.get());
  } else if constexpr (std::is_same_v<T, Signal>) {
    return a.name == b.name && a.object_id == b.object_id;
  } else if constexpr (std::is_same_v<T, Array>) {
    return container_type_equal(a.element_type, b.element_type) && a.items == b.items;
  } else if constexpr (std::is_same_v<T, Boxed<Dictionary>>) {
    return same_value(a.get(), b.get());
  } else if constexpr (std::is_same_v<T, Dictionary>) {
    return container_type_equal(a.key_type, b.key_type) &&
           container_type_equal(a.value_type, b.value_type) && a.keys() == b.keys() &&
           a.values() == b.values();
  } else if constexpr (std::is_same_v<T, PackedFloat32Array> ||
                       std::is_same_v<T, PackedFloat64Array> ||
                       std::is_same_v<T, PackedVector2Array> ||
                       std::is_same_v<T, PackedVector3Array> ||
                       std::is_same_v<T, PackedColorArray> ||
                       std::is_same_v<T, PackedVector4Array>) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0);
  } else {
    static_assert(kIsFloatPod<T>, "every remaining alternative is a plain struct of numbers");
    return bytes_equal(a, b);
  }
}

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed) {
  return XXH3_64bits_withSeed(p, n, seed);
}
uint64_t hash_string(const std::string& s, uint64_t seed) {
  return hash_bytes(s.data(), s.size(), seed);
}

template <class T>
uint64_t hash_value(const T& v, uint64_t seed) {
  if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, Callable>) {
    return seed;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return hash_string(v, seed);
  } else if constexpr (std::is_same_v<T, StringName>) {
    return hash_string(v.name, seed);
  } else if constexpr (std::is_same_v<T, NodePath>) {
    uint64_t h = seed ^ (v.absolute ? 1 : 0);
    for (const auto& n : v.names) h = hash_string(n, h);
    h = hash_bytes("/", 1, h);
    for (const auto& n : v.subnames) h = hash_string(n, h);
    return h;
  } else if constexpr (std::is_same_v<T, Boxed<Dictionary>>) {
    return hash_value(v.get(), seed);
  } else if constexpr (std::is_same_v<T, Object>) {
    return hash_bytes(&v.instance_id, sizeof v.instance_id, seed);
  } else if constexpr (std::is_same_v<T, Signal>) {
    return hash_bytes(&v.object_id, sizeof v.object_id, hash_string(v.name, seed));
  } else if constexpr (std::is_same_v<T, Array>) {
    uint64_t h = seed + v.items.size();
    for (const auto& item : v.items) h = item.hash() ^ (h * 0x9E3779B97F4A7C15ull);
    return h;
  } else if constexpr (std::is_same_v<T, Dictionary>) {
    uint64_t h = seed + v.size();
    for (size_t i = 0; i < v.size(); ++i) {
      h = v.keys()[i].hash() ^ (h * 0x9E3779B97F4A7C15ull);
      h = v.values()[i].hash() ^ (h * 0x9E3779B97F4A7C15ull);
    }
    return h;
  } else if constexpr (std::is_same_v<T, PackedStringArray>) {
    uint64_t h = seed + v.size();
    for (const auto& s : v) h = hash_string(s, h);
    return h;
  } else if constexpr (std::is_same_v<T, PackedByteArray> || std::is_same_v<T, PackedInt32Array> ||
                       std::is_same_v<T, PackedInt64Array> ||
                       std::is_same_v<T, PackedFloat32Array> ||
                       std::is_same_v<T, PackedFloat64Array> ||
                       std::is_same_v<T, PackedVector2Array> ||
                       std::is_same_v<T, PackedVector3Array> ||
                       std::is_same_v<T, PackedColorArray> ||
                       std::is_same_v<T, PackedVector4Array>) {
    return hash_bytes(v.data(), v.size() * sizeof(typename T::value_type), seed);
  } else {
    return hash_bytes(&v, sizeof v, seed);
  }
}

constexpr size_t kIndexThreshold = 16;

}  // namespace

std::string_view type_name(Type type) {
  auto i = static_cast<size_t>(type);
  return i < kTypeCount ? kTypeNames[i] : std::string_view("<invalid type>");
}

bool operator==(const Variant& a, const Variant& b) {
  if (a.v_.index() != b.v_.index()) return false;
  // The usual Dictionary keys, compared without the visit's indirect call.
  if (const auto* name = std::get_if<StringName>(&a.v_)) {
    return name->name == std::get_if<StringName>(&b.v_)->name;
  }
  if (const auto* string = std::get_if<std::string>(&a.v_)) {
    return *string == *std::get_if<std::string>(&b.v_);
  }
  return std::visit(
      [&b](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return same_value(x, *std::get_if<T>(&b.v_));
      },
      a.v_);
}

uint64_t Variant::hash() const {
  return std::visit([this](const auto& x) { return hash_value(x, v_.index()); }, v_);
}

size_t Dictionary::index_of(const Variant& key) const {
  if (keys_.size() < kIndexThreshold) {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (key_equal(keys_[i], key)) return i;
    }
    return keys_.size();
  }
  if (!index_ || index_->size() != keys_.size()) rebuild_index();
  const uint64_t h = key_hash(key);
  auto it = std::lower_bound(index_->begin(), index_->end(), std::pair<uint64_t, uint32_t>{h, 0});
  for (; it != index_->end() && it->first == h; ++it) {
    if (key_equal(keys_[it->second], key)) return it->second;
  }
  return keys_.size();
}

void Dictionary::rebuild_index() const {
  auto idx = std::make_shared<std::vector<std::pair<uint64_t, uint32_t>>>();
  idx->reserve(keys_.size());
  for (size_t i = 0; i < keys_.size(); ++i) idx->emplace_back(key_hash(keys_[i]), uint32_t(i));
  std::sort(idx->begin(), idx->end());
  index_ = std::move(idx);
}

const Variant* Dictionary::find(const Variant& key) const {
  size_t i = index_of(key);
  return i < keys_.size() ? &values_[i] : nullptr;
}

Variant* Dictionary::find(const Variant& key) {
  size_t i = index_of(key);
  return i < keys_.size() ? &values_[i] : nullptr;
}

void Dictionary::set(Variant key, Variant value) {
  if (Variant* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  append_unique(std::move(key), std::move(value));
}

void Dictionary::append_unique(Variant key, Variant value) {
  // Copies of a Dictionary share its index until one of them changes: only a sole owner may
  // update the index in place (one insertion instead of a rebuild); others drop their reference.
  if (index_ && index_.use_count() == 1 && index_->size() == keys_.size()) {
    std::pair<uint64_t, uint32_t> entry{key_hash(key), uint32_t(keys_.size())};
    index_->insert(std::upper_bound(index_->begin(), index_->end(), entry), entry);
  } else {
    index_.reset();
  }
  keys_.push_back(std::move(key));
  values_.push_back(std::move(value));
}

bool Dictionary::erase(const Variant& key) {
  size_t i = index_of(key);
  if (i == keys_.size()) return false;
  keys_.erase(keys_.begin() + static_cast<ptrdiff_t>(i));
  values_.erase(values_.begin() + static_cast<ptrdiff_t>(i));
  index_.reset();
  return true;
}

void Dictionary::reserve(size_t n) {
  keys_.reserve(n);
  values_.reserve(n);
}

}  // namespace reel
