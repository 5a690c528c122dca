// to_text: Godot 4 var_to_str spelling, made exact (see FORMAT.md section 2).
//
// Invariant: for every Variant v, parse_text(to_text(v)) == v (identity equality). Every spelling
// below has a matching rule in variant_text_parse.cpp; the spellings Godot lacks (NaN payloads,
// invalid UTF-8 bytes, object ids, non-canonical NodePaths) are documented in FORMAT.md.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "reel/variant/variant_text.h"

namespace reel {
namespace {

constexpr uint64_t kDefaultNan64 = 0x7ff8000000000000ull;  // what `nan` parses to for a double
constexpr uint32_t kDefaultNan32 = 0x7fc00000u;            // what `nan` parses to for a float32

// FLOAT values (doubles): shortest round-trip decimal; `force_point` appends ".0" when the text
// has neither '.' nor an exponent, so that it reads back as a float and not an int.
void append_double(std::string& out, double d, bool force_point) {
  if (std::isnan(d)) {
    const auto bits = std::bit_cast<uint64_t>(d);
    out += bits == kDefaultNan64 ? std::string("nan") : fmt::format("nan(0x{:016x})", bits);
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "inf" : "-inf";
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  out += text;
  if (force_point && text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// real_t components (float32): float32-shortest decimal, no forced ".0" (Godot's spelling).
void append_float(std::string& out, float f) {
  if (std::isnan(f)) {
    const auto bits = std::bit_cast<uint32_t>(f);
    out += bits == kDefaultNan32 ? std::string("nan") : fmt::format("nan(0x{:08x})", bits);
    return;
  }
  if (std::isinf(f)) {
    out += f > 0 ? "inf" : "-inf";
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, f);
  out.append(buf, r.ptr);
}

// Length of the strictly valid UTF-8 sequence starting at s[i] (no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 when the byte there does not start one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) -> unsigned { return static_cast<unsigned char>(s[k]); };
  const unsigned c = byte(i);
  size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the first continuation byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

bool append_simple_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return true;
    case '\\':
      out += "\\\\";
      return true;
    case '\n':
      out += "\\n";
      return true;
    case '\t':
      out += "\\t";
      return true;
    case '\r':
      out += "\\r";
      return true;
    case '\b':
      out += "\\b";
      return true;
    case '\f':
      out += "\\f";
      return true;
    default:
      return false;
  }
}

// "..." with C escapes; other control characters as \uXXXX; valid UTF-8 verbatim; each byte
// that is not part of valid UTF-8 as \xNN (Reel's extension, so any std::string round-trips).
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (!append_simple_escape(out, c)) {
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
      }
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

bool is_identifier(std::string_view s) {
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (s.empty() || !letter(s[0])) return false;
  for (char c : s) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

// A class name the parser would read as something else (a builtin type or `Variant`).
bool is_reserved_type_word(std::string_view s) {
  if (s == "Variant") return true;
  for (int t = 0; t < kTypeCount; ++t) {
    if (type_name(static_cast<Type>(t)) == s) return true;
  }
  return false;
}

// A NodePath prints as its Godot string when that string parses back to the same parts.
bool node_path_has_string_form(const NodePath& p) {
  for (const auto& n : p.names) {
    if (n.empty() || n.find_first_of("/:") != std::string::npos) return false;
  }
  for (const auto& s : p.subnames) {
    if (s.empty() || s.find(':') != std::string::npos) return false;
  }
  return true;
}

std::string node_path_string(const NodePath& p) {
  std::string s = p.absolute ? "/" : "";
  for (size_t i = 0; i < p.names.size(); ++i) {
    if (i) s += '/';
    s += p.names[i];
  }
  for (const auto& sub : p.subnames) s += ":" + sub;
  return s;
}

// The Godot 3 name of a type Godot 3 also has under another name (its text form and .tres).
std::string_view godot3_type_name(Type type) {
  switch (type) {
    case Type::QUATERNION:
      return "Quat";
    case Type::TRANSFORM3D:
      return "Transform";
    case Type::PACKED_BYTE_ARRAY:
      return "PoolByteArray";
    case Type::PACKED_INT32_ARRAY:
      return "PoolIntArray";
    case Type::PACKED_FLOAT32_ARRAY:
      return "PoolRealArray";
    case Type::PACKED_STRING_ARRAY:
      return "PoolStringArray";
    case Type::PACKED_VECTOR2_ARRAY:
      return "PoolVector2Array";
    case Type::PACKED_VECTOR3_ARRAY:
      return "PoolVector3Array";
    case Type::PACKED_COLOR_ARRAY:
      return "PoolColorArray";
    default:
      return type_name(type);
  }
}

class Printer {
 public:
  explicit Printer(const TextOptions& options) : options_(options) {}

  void value(const Variant& v) {
    std::visit([this](const auto& x) { write(x); }, v.storage());
  }
  std::string take() { return std::move(out_); }

 private:
  void write(std::monostate) { out_ += "null"; }
  void write(bool b) { out_ += b ? "true" : "false"; }
  void write(int64_t i) { out_ += fmt::format("{}", i); }
  void write(double d) { append_double(out_, d, /*force_point=*/true); }
  void write(const std::string& s) { append_quoted(out_, s); }

  // Math types: every struct is a padding-free run of float32 (or int32) components in the
  // order Godot's text form lists them (Basis rows, Projection columns, Transform2D columns).
  template <class T>
  requires(std::is_trivially_copyable_v<T> && sizeof(T) % 4 == 0 &&
           (std::is_same_v<T, Vector2> || std::is_same_v<T, Rect2> || std::is_same_v<T, Vector3> ||
            std::is_same_v<T, Vector4> || std::is_same_v<T, Transform2D> ||
            std::is_same_v<T, Plane> || std::is_same_v<T, Quaternion> || std::is_same_v<T, AABB> ||
            std::is_same_v<T, Basis> || std::is_same_v<T, Transform3D> ||
            std::is_same_v<T, Projection> || std::is_same_v<T, Color>)) void write(const T& v) {
    float parts[sizeof(T) / 4];
    std::memcpy(parts, &v, sizeof(T));
    out_ += printed_name(Variant(v).type());
    out_ += '(';
    for (size_t i = 0; i < std::size(parts); ++i) {
      if (i) out_ += ", ";
      append_float(out_, parts[i]);
    }
    out_ += ')';
  }
  template <class T>
  requires(std::is_same_v<T, Vector2i> || std::is_same_v<T, Rect2i> ||
           std::is_same_v<T, Vector3i> || std::is_same_v<T, Vector4i>) void write(const T& v) {
    int32_t parts[sizeof(T) / 4];
    std::memcpy(parts, &v, sizeof(T));
    out_ += type_name(Variant(v).type());
    out_ += '(';
    for (size_t i = 0; i < std::size(parts); ++i) {
      if (i) out_ += ", ";
      out_ += fmt::format("{}", parts[i]);
    }
    out_ += ')';
  }

  void write(const StringName& s) {
    out_ += '&';
    append_quoted(out_, s.name);
  }
  void write(const NodePath& p) {
    if (node_path_has_string_form(p)) {
      out_ += "NodePath(";
      append_quoted(out_, node_path_string(p));
      out_ += ')';
      return;
    }
    out_ += "NodePath(";
    write(p.names);
    out_ += ", ";
    write(p.subnames);
    out_ += p.absolute ? ", true)" : ", false)";
  }
  void write(const RID& r) { out_ += r.id ? fmt::format("RID({})", r.id) : "RID()"; }
  void write(const Object& o) {
    out_ += "Object(";
    if (o.instance_id != 0 || !o.full) out_ += fmt::format("{}", o.instance_id);
    if (o.full) {
      if (o.instance_id != 0) out_ += ", ";
      write_class_name(o.full->class_name);
      const size_t n = std::min(o.full->property_names.size(), o.full->property_values.size());
      for (size_t i = 0; i < n; ++i) {
        out_ += ',';
        append_quoted(out_, o.full->property_names[i]);
        out_ += ':';
        value(o.full->property_values[i]);
      }
    }
    out_ += ')';
  }
  void write(const Callable&) { out_ += "Callable()"; }
  void write(const Signal& s) {
    if (s.name.empty() && s.object_id == 0) {
      out_ += "Signal()";
      return;
    }
    out_ += "Signal(";
    append_quoted(out_, s.name);
    out_ += fmt::format(", {})", s.object_id);
  }
  void write(const Boxed<Dictionary>& d) { write(d.get()); }
  void write(const Dictionary& d) {
    const bool typed =
        d.key_type.kind != ContainerKind::kNone || d.value_type.kind != ContainerKind::kNone;
    if (typed) {
      out_ += "Dictionary[";
      write_container_type(d.key_type);
      out_ += ", ";
      write_container_type(d.value_type);
      out_ += "](";
    }
    write_entries(d);
    if (typed) out_ += ')';
  }
  void write_entries(const Dictionary& d) {
    if (d.empty()) {
      out_ += "{}";
      return;
    }
    const char* open = options_.multiline ? "{\n" : "{";
    const char* separator = options_.multiline ? ",\n" : ", ";
    const char* close = options_.multiline ? "\n}" : "}";
    out_ += open;
    for (size_t i = 0; i < d.size(); ++i) {
      if (i) out_ += separator;
      value(d.keys()[i]);
      out_ += ": ";
      value(d.values()[i]);
    }
    out_ += close;
  }
  void write(const Array& a) {
    const bool typed = a.element_type.kind != ContainerKind::kNone;
    if (typed) {
      out_ += "Array[";
      write_container_type(a.element_type);
      out_ += "](";
    }
    out_ += '[';
    for (size_t i = 0; i < a.items.size(); ++i) {
      if (i) out_ += ", ";
      value(a.items[i]);
    }
    out_ += ']';
    if (typed) out_ += ')';
  }

  // Packed arrays: the Godot 4 name and the flattened components.
  void write(const PackedByteArray& v) { write_packed(Type::PACKED_BYTE_ARRAY, v); }
  void write(const PackedInt32Array& v) { write_packed(Type::PACKED_INT32_ARRAY, v); }
  void write(const PackedInt64Array& v) { write_packed(Type::PACKED_INT64_ARRAY, v); }
  void write(const PackedFloat32Array& v) { write_packed(Type::PACKED_FLOAT32_ARRAY, v); }
  void write(const PackedFloat64Array& v) { write_packed(Type::PACKED_FLOAT64_ARRAY, v); }
  void write(const PackedStringArray& v) { write_packed(Type::PACKED_STRING_ARRAY, v); }
  void write(const PackedVector2Array& v) { write_packed(Type::PACKED_VECTOR2_ARRAY, v); }
  void write(const PackedVector3Array& v) { write_packed(Type::PACKED_VECTOR3_ARRAY, v); }
  void write(const PackedColorArray& v) { write_packed(Type::PACKED_COLOR_ARRAY, v); }
  void write(const PackedVector4Array& v) { write_packed(Type::PACKED_VECTOR4_ARRAY, v); }

  std::string_view printed_name(Type type) const {
    return options_.godot3_names ? godot3_type_name(type) : type_name(type);
  }

  template <class E>
  void write_packed(Type type, const std::vector<E>& items) {
    out_ += printed_name(type);
    out_ += '(';
    bool first = true;
    for (const E& e : items) write_element(e, first);
    out_ += ')';
  }
  void separate(bool& first) {
    if (!first) out_ += ", ";
    first = false;
  }
  template <class E>
  requires std::is_integral_v<E>
  void write_element(E e, bool& first) {
    separate(first);
    out_ += fmt::format("{}", e);
  }
  void write_element(float f, bool& first) {
    separate(first);
    append_float(out_, f);
  }
  void write_element(double d, bool& first) {
    separate(first);
    append_double(out_, d, /*force_point=*/false);
  }
  void write_element(const std::string& s, bool& first) {
    separate(first);
    append_quoted(out_, s);
  }
  template <class E>
  requires(std::is_same_v<E, Vector2> || std::is_same_v<E, Vector3> || std::is_same_v<E, Vector4> ||
           std::is_same_v<E, Color>) void write_element(const E& e, bool& first) {
    float parts[sizeof(E) / 4];
    std::memcpy(parts, &e, sizeof(E));
    for (float f : parts) write_element(f, first);
  }

  // `Variant` (untyped), a builtin type name, a class name (quoted when it is not an identifier
  // or collides with a builtin name) or `Resource("res://script.gd")` for a script.
  void write_container_type(const ContainerType& t) {
    switch (t.kind) {
      case ContainerKind::kNone:
        out_ += "Variant";
        return;
      case ContainerKind::kBuiltin:
        out_ += type_name(t.builtin);
        return;
      case ContainerKind::kClassName:
        write_class_name(t.name);
        return;
      case ContainerKind::kScript:
        out_ += "Resource(";
        append_quoted(out_, t.name);
        out_ += ')';
        return;
    }
  }
  void write_class_name(const std::string& name) {
    if (is_identifier(name) && !is_reserved_type_word(name)) {
      out_ += name;
    } else {
      append_quoted(out_, name);
    }
  }

  const TextOptions& options_;
  std::string out_;
};

}  // namespace

std::string to_text(const Variant& value, const TextOptions& options) {
  Printer printer(options);
  printer.value(value);
  return printer.take();
}

}  // namespace reel
