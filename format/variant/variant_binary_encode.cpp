// Godot Variant binary encoder (var_to_bytes / var2bytes). Byte layout: see
// docs/godot-variant-binary.md sections 3-8; dialect differences: section 10.
#include <algorithm>
#include <cmath>
#include <limits>

#include "reel/variant/variant_binary.h"
#include "variant_binary_internal.h"

namespace reel {
namespace {

using namespace binary_internal;

class Encoder {
 public:
  Encoder(std::vector<uint8_t>& out, const EncodeOptions& options)
      : out_(out),
        full_objects_(options.full_objects),
        godot3_(options.dialect == GodotDialect::kGodot3) {}

  ~Encoder() { out_.resize(pos_); }  // drops the unused slack
  bool encode(const Variant& v, int depth);
  const Status& error() const { return error_; }

 private:
  bool fail(Status status) const {
    error_ = std::move(status);
    return false;
  }
  // `out_` may hold slack beyond pos_ (zero-filled by resize); small writes go through it. The
  // slack doubles what this encode has written so far, not the whole vector: appending one small
  // value to a large buffer must not zero-fill a buffer's worth of slack (that made repeated
  // appends quadratic).
  uint8_t* grow(size_t n) {
    if (out_.size() - pos_ < n) [[unlikely]]
      out_.resize(std::max(pos_ + (pos_ - start_), pos_ + n + 256));
    uint8_t* p = out_.data() + pos_;
    pos_ += n;
    return p;
  }
  void put_u32(uint32_t v) { store_le(grow(4), v); }
  void put_u64(uint64_t v) { store_le(grow(8), v); }
  void put_zeros(size_t n) { std::memset(grow(n), 0, n); }
  // Appends `bytes` bytes of `Width`-byte little-endian words (bulk copy on little-endian hosts).
  template <size_t Width>
  void put_words(const void* p, size_t bytes) {
    if (bytes == 0) return;
    uint8_t* dst;
    if (bytes <= 64 || out_.size() - pos_ >= bytes) {
      dst = grow(bytes);
    } else {  // bulk: drop the slack and append without zero-filling first
      const auto* b = static_cast<const uint8_t*>(p);
      out_.resize(pos_);
      out_.insert(out_.end(), b, b + bytes);
      to_or_from_le_words<Width>(out_.data() + pos_, bytes);
      pos_ += bytes;
      return;
    }
    std::memcpy(dst, p, bytes);
    to_or_from_le_words<Width>(dst, bytes);
  }
  template <class T>
  void put_struct(const T& v) {
    static_assert(kIsWordStruct<T>);
    put_words<4>(&v, sizeof v);
  }
  // gstr: u32 byte length, the bytes, zero padding to 4.
  void put_gstr(std::string_view s) {
    if (s.size() > 64) {  // put_words' bulk path
      put_u32(static_cast<uint32_t>(s.size()));
      put_words<1>(s.data(), s.size());
      put_zeros(pad4(s.size()));
      return;
    }
    const size_t padded = s.size() + pad4(s.size());
    uint8_t* p = grow(4 + padded);
    store_le(p, static_cast<uint32_t>(s.size()));
    if (padded != 0) store_le(p + padded, uint32_t{0});  // the last word: its padding is zero
    if (!s.empty()) std::memcpy(p + 4, s.data(), s.size());
  }

  bool put_header(Type type, uint32_t flags) {
    if (godot3_) [[unlikely]]
      return put_godot3_header(type, flags);
    put_u32(static_cast<uint32_t>(type) | flags);
    return true;
  }
  bool put_godot3_header(Type type, uint32_t flags);
  // Containers and full objects nested more than kMaxEncodeDepth levels (as the decoder checks;
  // `depth` counts the containers around this one).
  bool check_depth(int depth) const {
    if (depth >= kMaxEncodeDepth) {
      return fail(
          Status::invalid_argument("Variant nesting deeper than {} levels", kMaxEncodeDepth));
    }
    return true;
  }
  bool check_length(size_t n, std::string_view what) const;
  bool put_string(std::string_view s, std::string_view what);
  void put_int(int64_t v);
  void put_float(double d);
  bool put_node_path(const NodePath& path);
  bool put_object(const Object& object, int depth);
  uint32_t container_kind(const ContainerType& t) const;
  bool check_container_type(const ContainerType& t, std::string_view what) const;
  bool put_container_type(const ContainerType& t);
  bool put_array(const Array& array, int depth);
  bool put_dictionary(const Dictionary& dict, int depth);
  bool encode_key(const Variant& key, int depth);
  template <size_t Width, class Vec>
  bool put_packed(Type type, const Vec& v);
  bool put_packed_bytes(const PackedByteArray& v);
  bool put_packed_strings(const PackedStringArray& v);

  std::vector<uint8_t>& out_;
  size_t start_ = out_.size();  // where this encode began appending
  size_t pos_ = start_;         // end of the encoded bytes
  mutable Status error_;
  bool full_objects_;
  bool godot3_;
};

bool Encoder::put_godot3_header(Type type, uint32_t flags) {
  const int g3 = kGodot3IdOf[static_cast<size_t>(type)];
  if (g3 < 0) {
    return fail(
        Status::invalid_argument("cannot encode {} in the Godot 3 dialect: Godot 3 has no {} type",
                                 type_name(type), type_name(type)));
  }
  put_u32(static_cast<uint32_t>(g3) | flags);
  return true;
}

// Godot decodes lengths and counts as signed int32.
bool Encoder::check_length(size_t n, std::string_view what) const {
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return fail(Status::invalid_argument(
        "{} has {} elements/bytes, more than Godot's limit of 2^31-1", what, n));
  }
  return true;
}

bool Encoder::put_string(std::string_view s, std::string_view what) {
  REEL_TRY(check_length(s.size(), what));
  put_gstr(s);
  return true;
}

// 32-bit payload when the value fits in int32, else 64-bit with the flag (a rule on the value).
void Encoder::put_int(int64_t v) {
  if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    put_u32(static_cast<uint32_t>(Type::INT));
    put_u32(static_cast<uint32_t>(static_cast<int32_t>(v)));
  } else {
    put_u32(static_cast<uint32_t>(Type::INT) | kFlag64);
    put_u64(static_cast<uint64_t>(v));
  }
}

// f32 when (double)(float)d == d (so NaN, which never equals itself, is always f64). Values beyond
// float range are tested without the (undefined) narrowing conversion.
void Encoder::put_float(double d) {
  const bool fits = std::isfinite(d) ? std::fabs(d) <= std::numeric_limits<float>::max() &&
                                           static_cast<double>(static_cast<float>(d)) == d
                                     : std::isinf(d);
  if (fits) {
    put_u32(static_cast<uint32_t>(Type::FLOAT));
    store_le(grow(4), static_cast<float>(d));
  } else {
    put_u32(static_cast<uint32_t>(Type::FLOAT) | kFlag64);
    store_le(grow(8), d);
  }
}

bool Encoder::put_node_path(const NodePath& path) {
  REEL_TRY(check_length(path.names.size() + path.subnames.size(), "NodePath"));
  put_u32(static_cast<uint32_t>(path.names.size()) | kNodePathNewFormat);
  put_u32(static_cast<uint32_t>(path.subnames.size()));
  put_u32(path.absolute ? kNodePathAbsolute : 0);
  for (const auto& name : path.names) REEL_TRY(put_string(name, "NodePath name"));
  for (const auto& name : path.subnames) REEL_TRY(put_string(name, "NodePath subname"));
  return true;
}

bool Encoder::put_object(const Object& object, int depth) {
  if (object.full && full_objects_) {
    REEL_TRY(check_depth(depth));
    const FullObject& full = *object.full;
    if (full.property_names.size() != full.property_values.size()) {
      return fail(Status::invalid_argument(
          "Object of class '{}' has {} property names but {} values", full.class_name,
          full.property_names.size(), full.property_values.size()));
    }
    REEL_TRY(put_header(Type::OBJECT, 0));
    REEL_TRY(put_string(full.class_name, "Object class name"));
    REEL_TRY(check_length(full.property_names.size(), "Object property list"));
    put_u32(static_cast<uint32_t>(full.property_names.size()));
    for (size_t i = 0; i < full.property_names.size(); ++i) {
      REEL_TRY(put_string(full.property_names[i], "Object property name"));
      REEL_TRY(encode(full.property_values[i], depth + 1));
    }
    return true;
  }
  const bool is_null = object.instance_id == 0 && !object.full;
  if (is_null && !godot3_) return put_header(Type::NIL, 0);  // Godot 4: null Object -> NIL
  if (is_null && full_objects_) {
    REEL_TRY(put_header(Type::OBJECT, 0));  // Godot 3: empty class name
    put_u32(0);
    return true;
  }
  REEL_TRY(put_header(Type::OBJECT, kFlag64));  // object as id
  put_u64(object.instance_id);
  return true;
}

// The 2-bit kind Godot writes for a container type (docs/godot-variant-binary.md section 6).
uint32_t Encoder::container_kind(const ContainerType& t) const {
  switch (t.kind) {
    case ContainerKind::kNone:
      return 0;
    case ContainerKind::kBuiltin:
      return t.builtin == Type::NIL ? 0 : 1;
    case ContainerKind::kClassName:
      return 2;
    case ContainerKind::kScript:
      return full_objects_ ? 3 : 2;
  }
  return 0;
}

bool Encoder::check_container_type(const ContainerType& t, std::string_view what) const {
  if (static_cast<uint8_t>(t.kind) > 3) {
    return fail(Status::invalid_argument("{} has an invalid container kind {}", what,
                                         static_cast<int>(t.kind)));
  }
  if (t.kind == ContainerKind::kBuiltin && static_cast<size_t>(t.builtin) >= kTypeCount) {
    return fail(Status::invalid_argument("{} has an invalid builtin type id {}", what,
                                         static_cast<int>(t.builtin)));
  }
  if (godot3_ && container_kind(t) != 0) {
    return fail(Status::invalid_argument("cannot encode a typed {} in the Godot 3 dialect", what));
  }
  return true;
}

bool Encoder::put_container_type(const ContainerType& t) {
  switch (container_kind(t)) {
    case 1:
      put_u32(static_cast<uint32_t>(t.builtin));
      return true;
    case 2:  // var_to_bytes hides the real class behind EncodedObjectAsID
      return put_string(full_objects_ ? std::string_view(t.name) : kEncodedObjectAsId,
                        "container class name");
    case 3:
      return put_string(t.name, "container script path");
    default:
      return true;
  }
}

bool Encoder::put_array(const Array& array, int depth) {
  REEL_TRY(check_depth(depth));
  REEL_TRY(check_container_type(array.element_type, "Array"));
  REEL_TRY(check_length(array.items.size(), "Array"));
  REEL_TRY(put_header(Type::ARRAY, container_kind(array.element_type) << kArrayKindShift));
  REEL_TRY(put_container_type(array.element_type));
  put_u32(static_cast<uint32_t>(array.items.size()));
  for (const Variant& item : array.items) REEL_TRY(encode(item, depth + 1));
  return true;
}

bool Encoder::put_dictionary(const Dictionary& dict, int depth) {
  REEL_TRY(check_depth(depth));
  REEL_TRY(check_container_type(dict.key_type, "Dictionary key"));
  REEL_TRY(check_container_type(dict.value_type, "Dictionary value"));
  REEL_TRY(check_length(dict.size(), "Dictionary"));
  const uint32_t flags = container_kind(dict.key_type) << kDictKeyKindShift |
                         container_kind(dict.value_type) << kDictValueKindShift;
  REEL_TRY(put_header(Type::DICTIONARY, flags));
  REEL_TRY(put_container_type(dict.key_type));
  REEL_TRY(put_container_type(dict.value_type));
  put_u32(static_cast<uint32_t>(dict.size()));
  const auto& keys = dict.keys();
  const auto& values = dict.values();
  for (size_t i = 0; i < keys.size(); ++i) {
    REEL_TRY(encode_key(keys[i], depth + 1));
    REEL_TRY(encode(values[i], depth + 1));
  }
  return true;
}

// Dictionary keys are nearly always StringNames: written without the type switch, whose indirect
// jump then only has to predict the values.
bool Encoder::encode_key(const Variant& key, int depth) {
  if (const StringName* name = key.get_if<StringName>()) {
    REEL_TRY(put_header(Type::STRING_NAME, 0));
    return put_string(name->name, "StringName");
  }
  return encode(key, depth);
}

template <size_t Width, class Vec>
bool Encoder::put_packed(Type type, const Vec& v) {
  REEL_TRY(check_length(v.size(), type_name(type)));
  REEL_TRY(put_header(type, 0));
  put_u32(static_cast<uint32_t>(v.size()));
  put_words<Width>(v.data(), v.size() * sizeof(v[0]));
  return true;
}

bool Encoder::put_packed_bytes(const PackedByteArray& v) {
  REEL_TRY(check_length(v.size(), "PackedByteArray"));
  REEL_TRY(put_header(Type::PACKED_BYTE_ARRAY, 0));
  put_u32(static_cast<uint32_t>(v.size()));
  put_words<1>(v.data(), v.size());
  put_zeros(pad4(v.size()));
  return true;
}

// Each element: u32 (N+1), N bytes, a NUL, zero padding so N+1 rounds up to 4.
bool Encoder::put_packed_strings(const PackedStringArray& v) {
  REEL_TRY(check_length(v.size(), "PackedStringArray"));
  REEL_TRY(put_header(Type::PACKED_STRING_ARRAY, 0));
  put_u32(static_cast<uint32_t>(v.size()));
  for (const std::string& s : v) {
    REEL_TRY(check_length(s.size() + 1, "PackedStringArray element"));
    put_u32(static_cast<uint32_t>(s.size() + 1));
    put_words<1>(s.data(), s.size());
    put_zeros(1 + pad4(s.size() + 1));
  }
  return true;
}

bool Encoder::encode(const Variant& v, int depth) {
  const Type type = v.type();
  switch (type) {
    case Type::NIL:
    case Type::CALLABLE:  // the target is not serialised
      return put_header(type, 0);
    case Type::BOOL:
      REEL_TRY(put_header(type, 0));
      put_u32(v.get<bool>() ? 1 : 0);
      return true;
    case Type::INT:
      put_int(v.get<int64_t>());  // same id in both dialects
      return true;
    case Type::FLOAT:
      put_float(v.get<double>());
      return true;
    case Type::STRING:
      REEL_TRY(put_header(type, 0));
      return put_string(v.get<std::string>(), "String");
    case Type::STRING_NAME:
      REEL_TRY(put_header(type, 0));
      return put_string(v.get<StringName>().name, "StringName");
#define REEL_STRUCT_CASE(TYPE, T)  \
  case Type::TYPE:                 \
    REEL_TRY(put_header(type, 0)); \
    put_struct(v.get<T>());        \
    return true;
      REEL_STRUCT_CASE(VECTOR2, Vector2)
      REEL_STRUCT_CASE(VECTOR2I, Vector2i)
      REEL_STRUCT_CASE(RECT2, Rect2)
      REEL_STRUCT_CASE(RECT2I, Rect2i)
      REEL_STRUCT_CASE(VECTOR3, Vector3)
      REEL_STRUCT_CASE(VECTOR3I, Vector3i)
      REEL_STRUCT_CASE(VECTOR4, Vector4)
      REEL_STRUCT_CASE(VECTOR4I, Vector4i)
      REEL_STRUCT_CASE(TRANSFORM2D, Transform2D)
      REEL_STRUCT_CASE(PLANE, Plane)
      REEL_STRUCT_CASE(QUATERNION, Quaternion)
      REEL_STRUCT_CASE(AABB, AABB)
      REEL_STRUCT_CASE(BASIS, Basis)
      REEL_STRUCT_CASE(TRANSFORM3D, Transform3D)
      REEL_STRUCT_CASE(PROJECTION, Projection)
      REEL_STRUCT_CASE(COLOR, Color)
#undef REEL_STRUCT_CASE
    case Type::NODE_PATH:
      REEL_TRY(put_header(type, 0));
      return put_node_path(v.get<NodePath>());
    case Type::RID:
      REEL_TRY(put_header(type, 0));
      if (!godot3_) put_u64(v.get<RID>().id);  // Godot 3 writes the header only
      return true;
    case Type::OBJECT:
      return put_object(v.get<Object>(), depth);
    case Type::SIGNAL:
      REEL_TRY(put_header(type, 0));
      REEL_TRY(put_string(v.get<Signal>().name, "Signal name"));
      put_u64(v.get<Signal>().object_id);
      return true;
    case Type::DICTIONARY:
      return put_dictionary(v.get<Dictionary>(), depth);
    case Type::ARRAY:
      return put_array(v.get<Array>(), depth);
    case Type::PACKED_BYTE_ARRAY:
      return put_packed_bytes(v.get<PackedByteArray>());
    case Type::PACKED_INT32_ARRAY:
      return put_packed<4>(type, v.get<PackedInt32Array>());
    case Type::PACKED_INT64_ARRAY:
      return put_packed<8>(type, v.get<PackedInt64Array>());
    case Type::PACKED_FLOAT32_ARRAY:
      return put_packed<4>(type, v.get<PackedFloat32Array>());
    case Type::PACKED_FLOAT64_ARRAY:
      return put_packed<8>(type, v.get<PackedFloat64Array>());
    case Type::PACKED_STRING_ARRAY:
      return put_packed_strings(v.get<PackedStringArray>());
    case Type::PACKED_VECTOR2_ARRAY:
      return put_packed<4>(type, v.get<PackedVector2Array>());
    case Type::PACKED_VECTOR3_ARRAY:
      return put_packed<4>(type, v.get<PackedVector3Array>());
    case Type::PACKED_COLOR_ARRAY:
      return put_packed<4>(type, v.get<PackedColorArray>());
    case Type::PACKED_VECTOR4_ARRAY:
      return put_packed<4>(type, v.get<PackedVector4Array>());
  }
  return fail(Status::internal("unhandled Variant type {}", static_cast<int>(type)));
}

}  // namespace

Status encode_variant(const Variant& value, std::vector<uint8_t>& out,
                      const EncodeOptions& options) {
  const size_t start = out.size();
  Status status;
  {
    Encoder encoder(out, options);
    if (encoder.encode(value, 0)) return {};
    status = encoder.error();
  }
  out.resize(start);
  return status;
}

Result<std::vector<uint8_t>> encode_to_bytes(const Variant& value, const EncodeOptions& options) {
  std::vector<uint8_t> out;
  out.reserve(256);
  REEL_RETURN_IF_ERROR(encode_variant(value, out, options));
  return out;
}

}  // namespace reel
