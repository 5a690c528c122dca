// parse_text: a recursive-descent reader for Godot's Variant text form (grammar in FORMAT.md
// section 2). Accepts everything to_text writes plus Godot 3/4 alternatives. Never throws; every
// error names the character (byte) offset and what was expected. Nesting is capped at
// kMaxTextDepth so hostile input cannot overflow the stack; memory grows linearly with the input.
// The Parser (text_parser.h) is split by concern; this file holds the entry point and the value
// dispatch.
#include "text_parser.h"

namespace reel {
namespace text_internal {
namespace {

// Math constructors whose arguments are float32 components in memory order (see the printer).
struct FloatCtor {
  std::string_view name;
  Type type;
};
constexpr FloatCtor kFloatCtors[] = {
    {"Vector2", Type::VECTOR2},
    {"Rect2", Type::RECT2},
    {"Vector3", Type::VECTOR3},
    {"Vector4", Type::VECTOR4},
    {"Transform2D", Type::TRANSFORM2D},
    {"Plane", Type::PLANE},
    {"Quaternion", Type::QUATERNION},
    {"Quat", Type::QUATERNION},
    {"AABB", Type::AABB},
    {"Basis", Type::BASIS},
    {"Transform3D", Type::TRANSFORM3D},
    {"Transform", Type::TRANSFORM3D},
    {"Projection", Type::PROJECTION},
    {"Color", Type::COLOR},
    {"Vector2i", Type::VECTOR2I},
    {"Rect2i", Type::RECT2I},
    {"Vector3i", Type::VECTOR3I},
    {"Vector4i", Type::VECTOR4I},
};

// Packed arrays and their Godot 3 names.
struct PackedCtor {
  std::string_view name;
  Type type;
};
constexpr PackedCtor kPackedCtors[] = {
    {"PackedByteArray", Type::PACKED_BYTE_ARRAY},
    {"PoolByteArray", Type::PACKED_BYTE_ARRAY},
    {"PackedInt32Array", Type::PACKED_INT32_ARRAY},
    {"PoolIntArray", Type::PACKED_INT32_ARRAY},
    {"PackedInt64Array", Type::PACKED_INT64_ARRAY},
    {"PackedFloat32Array", Type::PACKED_FLOAT32_ARRAY},
    {"PoolRealArray", Type::PACKED_FLOAT32_ARRAY},
    {"PackedFloat64Array", Type::PACKED_FLOAT64_ARRAY},
    {"PackedStringArray", Type::PACKED_STRING_ARRAY},
    {"PoolStringArray", Type::PACKED_STRING_ARRAY},
    {"PackedVector2Array", Type::PACKED_VECTOR2_ARRAY},
    {"PoolVector2Array", Type::PACKED_VECTOR2_ARRAY},
    {"PackedVector3Array", Type::PACKED_VECTOR3_ARRAY},
    {"PoolVector3Array", Type::PACKED_VECTOR3_ARRAY},
    {"PackedColorArray", Type::PACKED_COLOR_ARRAY},
    {"PoolColorArray", Type::PACKED_COLOR_ARRAY},
    {"PackedVector4Array", Type::PACKED_VECTOR4_ARRAY},
};

}  // namespace

Status Parser::document(Variant& out) {
  REEL_RETURN_IF_ERROR(value(out));
  skip_ws();
  if (pos_ < s_.size()) return error("expected end of input after the value, found {}", found());
  return Status::ok_status();
}

// ---- values ----
Status Parser::value(Variant& out) {
  skip_ws();
  if (pos_ >= s_.size()) return error("expected a value, found end of input");
  const char c = s_[pos_];
  if (c == '"') {
    std::string s;
    REEL_RETURN_IF_ERROR(quoted(s));
    out = std::move(s);
    return Status::ok_status();
  }
  if (c == '&' || c == '^') return prefixed_string(out);
  if (c == '[') return array_value(out);
  if (c == '{') return dictionary_value(out);
  if (is_digit(c) || c == '-' || c == '+' || c == '.') return number_value(out);
  if (is_ident_start(c)) return word_value(out);
  return error("expected a value, found {}", found());
}

Status Parser::prefixed_string(Variant& out) {
  const bool string_name = s_[pos_] == '&';
  ++pos_;
  if (pos_ >= s_.size() || s_[pos_] != '"') {
    return error("expected '\"' after '{}', found {}", string_name ? '&' : '^', found());
  }
  std::string s;
  REEL_RETURN_IF_ERROR(quoted(s));
  if (string_name) {
    out = StringName{std::move(s)};
  } else {
    out = node_path_from_string(s);
  }
  return Status::ok_status();
}

Status Parser::number_value(Variant& out) {
  Number n;
  REEL_RETURN_IF_ERROR(scan_number(n));
  if (n.kind == Number::Kind::kInt) {
    int64_t i = 0;
    REEL_RETURN_IF_ERROR(to_int64(n, i));
    out = i;
  } else {
    double d = 0;
    REEL_RETURN_IF_ERROR(to_double(n, d));
    out = d;
  }
  return Status::ok_status();
}

Status Parser::word_value(Variant& out) {
  const size_t start = pos_;
  const std::string_view word = identifier();
  if (word == "null" || word == "nil") {
    out = Variant();
    return Status::ok_status();
  }
  if (word == "true" || word == "false") {
    out = (word == "true");
    return Status::ok_status();
  }
  if (word == "inf" || word == "inf_neg" || word == "nan") {
    pos_ = start;
    return number_value(out);
  }
  for (const auto& ctor : kFloatCtors) {
    if (word == ctor.name) return math_value(ctor.name, ctor.type, out);
  }
  for (const auto& ctor : kPackedCtors) {
    if (word == ctor.name) return packed_value(ctor.name, ctor.type, out);
  }
  if (word == "StringName") return string_ctor_value(word, out);
  if (word == "String") return string_ctor_value(word, out);
  if (word == "NodePath") return node_path_value(out);
  if (word == "RID") return rid_value(out);
  if (word == "Object") return object_value(out);
  if (word == "Callable") return callable_value(out);
  if (word == "Signal") return signal_value(out);
  if (word == "Array") return typed_array_value(out);
  if (word == "Dictionary") return typed_dictionary_value(out);
  return error_at(start, "unknown identifier '{}' (expected a value)", word);
}

}  // namespace text_internal

Result<Variant> parse_text(std::string_view text) {
  text_internal::Parser parser(text);
  Variant out;
  REEL_RETURN_IF_ERROR(parser.document(out));
  return out;
}

}  // namespace reel
