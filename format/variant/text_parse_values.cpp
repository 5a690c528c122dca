// parse_text's constructors: the Parser's readers for math types, packed arrays, String and
// StringName, NodePath, RID, Callable, Signal and Object (text_parser.h).
#include <cstring>
#include <memory>
#include <type_traits>

#include "text_parser.h"

namespace reel::text_internal {

// Godot's NodePath(String): leading '/' = absolute; names split on '/', subnames (after the
// first ':') split on ':'; empty parts are skipped.
NodePath node_path_from_string(std::string_view s) {
  NodePath p;
  p.absolute = !s.empty() && s[0] == '/';
  const size_t colon = s.find(':');
  const std::string_view names = s.substr(0, colon);
  auto split = [](std::string_view text, char sep, std::vector<std::string>& out) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(sep, start);
      if (end == std::string_view::npos) end = text.size();
      if (end > start) out.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
  };
  split(names, '/', p.names);
  if (colon != std::string_view::npos) split(s.substr(colon + 1), ':', p.subnames);
  return p;
}

// ---- constructors ----

Status Parser::math_value(std::string_view name, Type type, Variant& out) {
  switch (type) {
    case Type::VECTOR2:
      return math_parts<Vector2, float>(name, out);
    case Type::RECT2:
      return math_parts<Rect2, float>(name, out);
    case Type::VECTOR3:
      return math_parts<Vector3, float>(name, out);
    case Type::VECTOR4:
      return math_parts<Vector4, float>(name, out);
    case Type::TRANSFORM2D:
      return math_parts<Transform2D, float>(name, out);
    case Type::PLANE:
      return math_parts<Plane, float>(name, out);
    case Type::QUATERNION:
      return math_parts<Quaternion, float>(name, out);
    case Type::AABB:
      return math_parts<AABB, float>(name, out);
    case Type::BASIS:
      return math_parts<Basis, float>(name, out);
    case Type::TRANSFORM3D:
      return math_parts<Transform3D, float>(name, out);
    case Type::PROJECTION:
      return math_parts<Projection, float>(name, out);
    case Type::COLOR:
      return math_parts<Color, float>(name, out);
    case Type::VECTOR2I:
      return math_parts<Vector2i, int32_t>(name, out);
    case Type::RECT2I:
      return math_parts<Rect2i, int32_t>(name, out);
    case Type::VECTOR3I:
      return math_parts<Vector3i, int32_t>(name, out);
    case Type::VECTOR4I:
      return math_parts<Vector4i, int32_t>(name, out);
    default:
      return Status::internal("no math constructor for {}", name);
  }
}

template <class E>
Status Parser::component(const Number& n, E& out, std::string_view name) {
  if constexpr (std::is_same_v<E, float>) {
    (void)name;
    return to_float(n, out);
  } else {
    return to_bounded(n, out, fmt::format("for an int32 component of {}", name));
  }
}

// T is a padding-free struct of N components E listed in text order (see the printer).
template <class T, class E>
Status Parser::math_parts(std::string_view name, Variant& out) {
  constexpr size_t kCount = sizeof(T) / sizeof(E);
  E parts[kCount];
  REEL_RETURN_IF_ERROR(expect('(', fmt::format("after {}", name)));
  for (size_t i = 0; i < kCount; ++i) {
    if (i > 0 && !accept(',')) {
      return error("expected ',' before component {} of {} in {}, found {}", i + 1, kCount, name,
                   found());
    }
    Number n;
    REEL_RETURN_IF_ERROR(scan_number(n));
    REEL_RETURN_IF_ERROR(component(n, parts[i], name));
  }
  accept(',');
  if (!accept(')')) {
    return error("expected ')' after {} components ({} takes {}), found {}", name, name, kCount,
                 found());
  }
  T v;
  std::memcpy(&v, parts, sizeof(T));
  out = v;
  return Status::ok_status();
}

// Comma-separated list up to ')', trailing comma allowed; `item` reads one element.
template <class Fn>
Status Parser::list_until_paren(std::string_view name, Fn&& item) {
  REEL_RETURN_IF_ERROR(expect('(', fmt::format("after {}", name)));
  if (accept(')')) return Status::ok_status();
  while (true) {
    REEL_RETURN_IF_ERROR(item());
    if (accept(')')) return Status::ok_status();
    if (!accept(',')) return error("expected ',' or ')' in {}, found {}", name, found());
    if (accept(')')) return Status::ok_status();
  }
}

template <class E>
Status Parser::packed_numbers(std::string_view name, std::vector<E>& out) {
  return list_until_paren(name, [&]() -> Status {
    Number n;
    REEL_RETURN_IF_ERROR(scan_number(n));
    E e{};
    if constexpr (std::is_same_v<E, float>) {
      REEL_RETURN_IF_ERROR(to_float(n, e));
    } else if constexpr (std::is_same_v<E, double>) {
      REEL_RETURN_IF_ERROR(to_double(n, e));
    } else {
      REEL_RETURN_IF_ERROR(to_bounded(n, e, fmt::format("for an element of {}", name)));
    }
    out.push_back(e);
    return Status::ok_status();
  });
}

// Packed arrays of float32 structs (Vector2, Vector3, Color, Vector4): flattened components.
template <class E>
Status Parser::packed_structs(std::string_view name, Variant& out) {
  constexpr size_t kArity = sizeof(E) / sizeof(float);
  const size_t start = pos_;
  std::vector<float> flat;
  REEL_RETURN_IF_ERROR(packed_numbers(name, flat));
  if (flat.size() % kArity != 0) {
    return error_at(start, "{} needs a multiple of {} numbers, got {}", name, kArity, flat.size());
  }
  std::vector<E> items(flat.size() / kArity);
  if (!items.empty())
    std::memcpy(static_cast<void*>(items.data()), flat.data(), flat.size() * sizeof(float));
  out = std::move(items);
  return Status::ok_status();
}

Status Parser::packed_strings(std::string_view name, Variant& out) {
  PackedStringArray items;
  REEL_RETURN_IF_ERROR(list_until_paren(name, [&]() -> Status {
    std::string s;
    REEL_RETURN_IF_ERROR(expect_quoted(s, fmt::format("in {}", name)));
    items.push_back(std::move(s));
    return Status::ok_status();
  }));
  out = std::move(items);
  return Status::ok_status();
}

// PackedByteArray(1, 2, 3) or, as Godot 4.3+ writes in .tres files, PackedByteArray("base64").
Status Parser::packed_bytes(std::string_view name, Variant& out) {
  const size_t after_name = pos_;
  if (accept('(') && next_is('"')) {
    const size_t at = pos_;
    std::string text;
    REEL_RETURN_IF_ERROR(quoted(text));
    PackedByteArray bytes;
    REEL_RETURN_IF_ERROR(base64_decode(at, text, bytes));
    REEL_RETURN_IF_ERROR(expect(')', fmt::format("after the base64 string of {}", name)));
    out = std::move(bytes);
    return Status::ok_status();
  }
  pos_ = after_name;
  PackedByteArray bytes;
  REEL_RETURN_IF_ERROR(packed_numbers(name, bytes));
  out = std::move(bytes);
  return Status::ok_status();
}

Status Parser::base64_decode(size_t at, std::string_view text, PackedByteArray& out) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int v = sextet(text[i]);
    if (v < 0) return error_at(at, "invalid base64 character at index {} of the string", i);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return Status::ok_status();
}

Status Parser::packed_value(std::string_view name, Type type, Variant& out) {
  switch (type) {
    case Type::PACKED_BYTE_ARRAY:
      return packed_bytes(name, out);
    case Type::PACKED_INT32_ARRAY:
      return packed_into<int32_t>(name, out);
    case Type::PACKED_INT64_ARRAY:
      return packed_into<int64_t>(name, out);
    case Type::PACKED_FLOAT32_ARRAY:
      return packed_into<float>(name, out);
    case Type::PACKED_FLOAT64_ARRAY:
      return packed_into<double>(name, out);
    case Type::PACKED_STRING_ARRAY:
      return packed_strings(name, out);
    case Type::PACKED_VECTOR2_ARRAY:
      return packed_structs<Vector2>(name, out);
    case Type::PACKED_VECTOR3_ARRAY:
      return packed_structs<Vector3>(name, out);
    case Type::PACKED_COLOR_ARRAY:
      return packed_structs<Color>(name, out);
    case Type::PACKED_VECTOR4_ARRAY:
      return packed_structs<Vector4>(name, out);
    default:
      return Status::internal("no packed constructor for {}", name);
  }
}

template <class E>
Status Parser::packed_into(std::string_view name, Variant& out) {
  std::vector<E> items;
  REEL_RETURN_IF_ERROR(packed_numbers(name, items));
  out = std::move(items);
  return Status::ok_status();
}

// StringName("x") / String("x").
Status Parser::string_ctor_value(std::string_view name, Variant& out) {
  std::string s;
  REEL_RETURN_IF_ERROR(expect('(', fmt::format("after {}", name)));
  REEL_RETURN_IF_ERROR(expect_quoted(s, fmt::format("in {}", name)));
  REEL_RETURN_IF_ERROR(expect(')', fmt::format("after the {} string", name)));
  if (name == "StringName") {
    out = StringName{std::move(s)};
  } else {
    out = std::move(s);
  }
  return Status::ok_status();
}

// NodePath("A/B:x"), or Reel's structured form for paths no string spells:
// NodePath(PackedStringArray(names...), PackedStringArray(subnames...), absolute).
Status Parser::node_path_value(Variant& out) {
  REEL_RETURN_IF_ERROR(expect('(', "after NodePath"));
  skip_ws();
  if (next_is('"')) {
    std::string s;
    REEL_RETURN_IF_ERROR(quoted(s));
    REEL_RETURN_IF_ERROR(expect(')', "after the NodePath string"));
    out = node_path_from_string(s);
    return Status::ok_status();
  }
  NodePath p;
  Variant names, subnames, absolute;
  REEL_RETURN_IF_ERROR(typed_argument(names, Type::PACKED_STRING_ARRAY, "NodePath names"));
  REEL_RETURN_IF_ERROR(expect(',', "after the NodePath names"));
  REEL_RETURN_IF_ERROR(typed_argument(subnames, Type::PACKED_STRING_ARRAY, "NodePath subnames"));
  REEL_RETURN_IF_ERROR(expect(',', "after the NodePath subnames"));
  REEL_RETURN_IF_ERROR(typed_argument(absolute, Type::BOOL, "NodePath absolute flag"));
  REEL_RETURN_IF_ERROR(expect(')', "after the NodePath absolute flag"));
  p.names = std::move(names.get<PackedStringArray>());
  p.subnames = std::move(subnames.get<PackedStringArray>());
  p.absolute = absolute.get<bool>();
  out = std::move(p);
  return Status::ok_status();
}

Status Parser::typed_argument(Variant& out, Type type, std::string_view what) {
  skip_ws();
  const size_t at = pos_;
  REEL_RETURN_IF_ERROR(value(out));
  if (out.type() != type) {
    return error_at(at, "expected a {} for the {}, found a {}", type_name(type), what,
                    type_name(out.type()));
  }
  return Status::ok_status();
}

Status Parser::id_argument(uint64_t& id, std::string_view what) {
  Number n;
  REEL_RETURN_IF_ERROR(scan_number(n));
  return to_uint64_id(n, id, what);
}

// RID() or RID(id).
Status Parser::rid_value(Variant& out) {
  RID rid;
  REEL_RETURN_IF_ERROR(expect('(', "after RID"));
  if (!accept(')')) {
    REEL_RETURN_IF_ERROR(id_argument(rid.id, "for a RID id"));
    REEL_RETURN_IF_ERROR(expect(')', "after the RID id"));
  }
  out = rid;
  return Status::ok_status();
}

Status Parser::callable_value(Variant& out) {
  REEL_RETURN_IF_ERROR(expect('(', "after Callable"));
  REEL_RETURN_IF_ERROR(expect(')', "after 'Callable(' (a Callable has no text payload)"));
  out = Callable{};
  return Status::ok_status();
}

// Signal() or Signal("name", object_id).
Status Parser::signal_value(Variant& out) {
  Signal sig;
  REEL_RETURN_IF_ERROR(expect('(', "after Signal"));
  if (!accept(')')) {
    REEL_RETURN_IF_ERROR(expect_quoted(sig.name, "for the Signal name"));
    REEL_RETURN_IF_ERROR(expect(',', "after the Signal name"));
    REEL_RETURN_IF_ERROR(id_argument(sig.object_id, "for the Signal object id"));
    REEL_RETURN_IF_ERROR(expect(')', "after the Signal object id"));
  }
  out = std::move(sig);
  return Status::ok_status();
}

// Object(id) | Object([id,] Class {, "prop": value} [,]). Class is an identifier or a string.
Status Parser::object_value(Variant& out) {
  const size_t at = pos_;
  REEL_RETURN_IF_ERROR(expect('(', "after Object"));
  REEL_RETURN_IF_ERROR(enter(at));
  Status s = object_body(out);
  leave();
  return s;
}

Status Parser::object_body(Variant& out) {
  Object obj;
  skip_ws();
  if (pos_ < s_.size() && is_digit(s_[pos_])) {
    REEL_RETURN_IF_ERROR(id_argument(obj.instance_id, "for an Object instance id"));
    if (accept(')')) {
      out = std::move(obj);
      return Status::ok_status();
    }
    REEL_RETURN_IF_ERROR(expect(',', "or ')' after the Object instance id"));
  }
  auto full = std::make_shared<FullObject>();
  REEL_RETURN_IF_ERROR(class_name(full->class_name, "for the Object class"));
  while (!accept(')')) {
    if (!accept(',')) return error("expected ',' or ')' in Object, found {}", found());
    if (accept(')')) break;
    std::string name;
    Variant v;
    REEL_RETURN_IF_ERROR(expect_quoted(name, "for an Object property name"));
    REEL_RETURN_IF_ERROR(expect(':', "after the Object property name"));
    REEL_RETURN_IF_ERROR(value(v));
    full->property_names.push_back(std::move(name));
    full->property_values.push_back(std::move(v));
  }
  obj.full = std::move(full);
  out = std::move(obj);
  return Status::ok_status();
}

Status Parser::class_name(std::string& out, std::string_view what) {
  skip_ws();
  if (next_is('"')) return quoted(out);
  const std::string_view word = identifier();
  if (word.empty()) return error("expected a class name {}, found {}", what, found());
  out = std::string(word);
  return Status::ok_status();
}

}  // namespace reel::text_internal
