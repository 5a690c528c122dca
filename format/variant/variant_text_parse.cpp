// parse_text: a recursive-descent reader for Godot's Variant text form (grammar in FORMAT.md
// section 2). Accepts everything to_text writes plus Godot 3/4 alternatives. Never throws; every
// error names the character (byte) offset and what was expected. Nesting is capped at
// kMaxTextDepth so hostile input cannot overflow the stack; memory grows linearly with the input.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "reel/variant/variant_text.h"

namespace reel {
namespace {

constexpr int kMaxTextDepth = 1024;  // Godot's MAX_RECURSION_DEPTH
constexpr uint64_t kDefaultNan64 = 0x7ff8000000000000ull;
constexpr uint32_t kDefaultNan32 = 0x7fc00000u;

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

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

// A scanned number: sign and spelling, converted on demand to the type its context wants.
struct Number {
  enum class Kind { kInt, kFloat, kInf, kNan, kNanPayload };
  size_t start = 0;  // offset of the first character (sign included)
  Kind kind = Kind::kInt;
  bool negative = false;
  bool hex = false;
  std::string_view digits;  // kInt/kFloat: the text without sign and "0x"; kNanPayload: hex digits
};

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

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Status document(Variant& out) {
    REEL_RETURN_IF_ERROR(value(out));
    skip_ws();
    if (pos_ < s_.size()) return error("expected end of input after the value, found {}", found());
    return Status::ok_status();
  }

 private:
  // ---- low-level cursor ----
  template <class... Args>
  Status error_at(size_t at, fmt::format_string<Args...> f, Args&&... args) {
    return Status::invalid_argument("at char {}: {}", at,
                                    fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  Status error(fmt::format_string<Args...> f, Args&&... args) {
    return error_at(pos_, f, std::forward<Args>(args)...);
  }
  std::string found() const {
    if (pos_ >= s_.size()) return "end of input";
    const auto c = static_cast<unsigned char>(s_[pos_]);
    if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02x}", c);
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  // Skips white space; true (and consumes it) when the next character is `c`.
  bool accept(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool next_is(char c) {
    skip_ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  Status expect(char c, std::string_view context) {
    if (accept(c)) return Status::ok_status();
    return error("expected '{}' {}, found {}", c, context, found());
  }
  std::string_view identifier() {
    const size_t start = pos_;
    while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // Recursion guard for containers; `enter` fails past kMaxTextDepth.
  // `at` is the offset of the opening bracket, reported when the limit is hit.
  Status enter(size_t at) {
    if (++depth_ > kMaxTextDepth) {
      return error_at(at, "nesting deeper than {} levels", kMaxTextDepth);
    }
    return Status::ok_status();
  }
  void leave() { --depth_; }

  // ---- values ----
  Status value(Variant& out) {
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

  Status prefixed_string(Variant& out) {
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

  Status number_value(Variant& out) {
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

  Status word_value(Variant& out) {
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

  // ---- strings ----
  // Reads "..." at pos_ (which must be '"') into `out`. Bytes between escapes are copied as-is.
  Status quoted(std::string& out) {
    const size_t open = pos_;
    ++pos_;
    while (true) {
      if (pos_ >= s_.size()) return error_at(open, "unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return Status::ok_status();
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      REEL_RETURN_IF_ERROR(escape(out));
    }
  }

  Status hex_digits(size_t count, uint32_t& value, std::string_view what) {
    value = 0;
    for (size_t i = 0; i < count; ++i) {
      const int h = pos_ < s_.size() ? hex_value(s_[pos_]) : -1;
      if (h < 0) return error("expected {} hex digits after {}, found {}", count, what, found());
      value = value * 16 + static_cast<uint32_t>(h);
      ++pos_;
    }
    return Status::ok_status();
  }

  // pos_ is at a backslash.
  Status escape(std::string& out) {
    const size_t at = pos_;
    ++pos_;
    if (pos_ >= s_.size()) return error_at(at, "unterminated escape at end of input");
    const char e = s_[pos_++];
    switch (e) {
      case 'n':
        out += '\n';
        return Status::ok_status();
      case 't':
        out += '\t';
        return Status::ok_status();
      case 'r':
        out += '\r';
        return Status::ok_status();
      case 'b':
        out += '\b';
        return Status::ok_status();
      case 'f':
        out += '\f';
        return Status::ok_status();
      case 'a':
        out += '\a';
        return Status::ok_status();
      case 'v':
        out += '\v';
        return Status::ok_status();
      case 'x': {
        uint32_t byte = 0;
        REEL_RETURN_IF_ERROR(hex_digits(2, byte, "\\x"));
        out += static_cast<char>(byte);
        return Status::ok_status();
      }
      case 'u':
        return utf16_escape(at, out);
      case 'U': {
        uint32_t cp = 0;
        REEL_RETURN_IF_ERROR(hex_digits(6, cp, "\\U"));
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return error_at(at, "\\U{:06x} is not a Unicode scalar value", cp);
        }
        append_utf8(out, cp);
        return Status::ok_status();
      }
      default:  // \" \\ \' \/ and any other character stand for themselves (as in Godot)
        out += e;
        return Status::ok_status();
    }
  }

  // \uXXXX, with a surrogate pair spelled as two escapes.
  Status utf16_escape(size_t at, std::string& out) {
    uint32_t unit = 0;
    REEL_RETURN_IF_ERROR(hex_digits(4, unit, "\\u"));
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return error_at(at, "unpaired low surrogate \\u{:04x}", unit);
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (s_.substr(pos_, 2) != "\\u") {
        return error_at(at, "high surrogate \\u{:04x} must be followed by a \\u low surrogate",
                        unit);
      }
      pos_ += 2;
      uint32_t low = 0;
      REEL_RETURN_IF_ERROR(hex_digits(4, low, "\\u"));
      if (low < 0xDC00 || low > 0xDFFF) {
        return error_at(at, "high surrogate \\u{:04x} followed by \\u{:04x}, not a low surrogate",
                        unit, low);
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, unit);
    return Status::ok_status();
  }

  Status expect_quoted(std::string& out, std::string_view context) {
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != '"') {
      return error("expected a quoted string {}, found {}", context, found());
    }
    return quoted(out);
  }

  // ---- numbers ----
  bool match_word(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    const size_t end = pos_ + word.size();
    if (end < s_.size() && is_ident_char(s_[end])) return false;
    pos_ = end;
    return true;
  }

  Status scan_number(Number& n) {
    skip_ws();
    n.start = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) {
      n.negative = s_[pos_] == '-';
      ++pos_;
    }
    if (match_word("inf_neg")) {
      n.kind = Number::Kind::kInf;
      n.negative = !n.negative;
      return Status::ok_status();
    }
    if (match_word("inf")) {
      n.kind = Number::Kind::kInf;
      return Status::ok_status();
    }
    if (match_word("nan")) return nan_payload(n);
    if (s_.substr(pos_, 2) == "0x" || s_.substr(pos_, 2) == "0X") {
      pos_ += 2;
      const size_t start = pos_;
      while (pos_ < s_.size() && hex_value(s_[pos_]) >= 0) ++pos_;
      if (pos_ == start) return error("expected hex digits after '0x', found {}", found());
      n.hex = true;
      n.digits = s_.substr(start, pos_ - start);
      return end_of_number(n);
    }
    return decimal(n);
  }

  // After "nan": optional "(0x<hex>)" giving the exact bit pattern.
  Status nan_payload(Number& n) {
    n.kind = Number::Kind::kNan;
    if (pos_ >= s_.size() || s_[pos_] != '(') return Status::ok_status();
    ++pos_;
    if (s_.substr(pos_, 2) != "0x") return error("expected '0x' in nan(0x...), found {}", found());
    pos_ += 2;
    const size_t start = pos_;
    while (pos_ < s_.size() && hex_value(s_[pos_]) >= 0) ++pos_;
    if (pos_ == start || pos_ - start > 16) {
      return error_at(start, "expected 1 to 16 hex digits in nan(0x...)");
    }
    n.digits = s_.substr(start, pos_ - start);
    n.kind = Number::Kind::kNanPayload;
    if (pos_ >= s_.size() || s_[pos_] != ')') return error("expected ')' after the NaN payload");
    ++pos_;
    return Status::ok_status();
  }

  // digits [. digits] [e [+-] digits], or . digits [...]
  Status decimal(Number& n) {
    const size_t start = pos_;
    size_t mantissa_digits = 0;
    bool is_float = false;
    auto digits = [&] {
      size_t count = 0;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_, ++count;
      return count;
    };
    mantissa_digits += digits();
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      is_float = true;
      mantissa_digits += digits();
    }
    if (mantissa_digits == 0) return error_at(start, "expected a number, found {}", found());
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return error("expected exponent digits, found {}", found());
    }
    n.kind = is_float ? Number::Kind::kFloat : Number::Kind::kInt;
    n.digits = s_.substr(start, pos_ - start);
    return end_of_number(n);
  }

  Status end_of_number(const Number&) {
    if (pos_ < s_.size() && (is_ident_char(s_[pos_]) || s_[pos_] == '.')) {
      return error("unexpected {} in a number", found());
    }
    return Status::ok_status();
  }

  Status to_uint64(const Number& n, uint64_t& out, std::string_view what) {
    if (n.kind != Number::Kind::kInt) return error_at(n.start, "expected an integer {}", what);
    const auto r =
        std::from_chars(n.digits.data(), n.digits.data() + n.digits.size(), out, n.hex ? 16 : 10);
    if (r.ec != std::errc()) return error_at(n.start, "integer out of range {}", what);
    return Status::ok_status();
  }

  Status to_int64(const Number& n, int64_t& out, std::string_view what = "for int") {
    uint64_t magnitude = 0;
    REEL_RETURN_IF_ERROR(to_uint64(n, magnitude, what));
    const uint64_t limit = uint64_t{std::numeric_limits<int64_t>::max()} + (n.negative ? 1 : 0);
    if (magnitude > limit) return error_at(n.start, "integer out of range {}", what);
    out = n.negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return Status::ok_status();
  }

  Status to_uint64_id(const Number& n, uint64_t& out, std::string_view what) {
    if (n.negative) return error_at(n.start, "expected a non-negative integer {}", what);
    return to_uint64(n, out, what);
  }

  template <class I>
  Status to_bounded(const Number& n, I& out, std::string_view what) {
    int64_t v = 0;
    REEL_RETURN_IF_ERROR(to_int64(n, v, what));
    if (v < std::numeric_limits<I>::min() || v > std::numeric_limits<I>::max()) {
      return error_at(n.start, "{} is out of range {}", v, what);
    }
    out = static_cast<I>(v);
    return Status::ok_status();
  }

  // F is float or double; U the unsigned integer of the same size.
  template <class F, class U>
  Status to_real(const Number& n, F& out) {
    constexpr bool kSingle = std::is_same_v<F, float>;
    switch (n.kind) {
      case Number::Kind::kInf:
        out = std::numeric_limits<F>::infinity();
        break;
      case Number::Kind::kNan:
        out = std::bit_cast<F>(static_cast<U>(kSingle ? kDefaultNan32 : kDefaultNan64));
        break;
      case Number::Kind::kNanPayload: {
        uint64_t bits = 0;
        std::from_chars(n.digits.data(), n.digits.data() + n.digits.size(), bits, 16);
        if (bits > std::numeric_limits<U>::max()) {
          return error_at(n.start, "NaN payload 0x{:x} is wider than {} bits", bits, sizeof(F) * 8);
        }
        out = std::bit_cast<F>(static_cast<U>(bits));
        if (!std::isnan(out)) {
          return error_at(n.start, "0x{:x} is not a NaN bit pattern for a {}-bit float", bits,
                          sizeof(F) * 8);
        }
        break;
      }
      case Number::Kind::kInt:
        if (n.hex) {
          uint64_t v = 0;
          REEL_RETURN_IF_ERROR(to_uint64(n, v, "in a float"));
          out = static_cast<F>(v);
          break;
        }
        [[fallthrough]];
      case Number::Kind::kFloat:
        REEL_RETURN_IF_ERROR(decimal_to_real(n, out));
        break;
    }
    // The sign is applied by flipping the sign bit, so "-nan(0x...)" and "-0" are exact.
    if (n.negative)
      out = std::bit_cast<F>(static_cast<U>(std::bit_cast<U>(out) ^ (U{1} << (sizeof(U) * 8 - 1))));
    return Status::ok_status();
  }

  template <class F>
  Status decimal_to_real(const Number& n, F& out) {
    const char* first = n.digits.data();
    const char* last = first + n.digits.size();
    const auto r = std::from_chars(first, last, out);
    if (r.ec == std::errc() && r.ptr == last) return Status::ok_status();
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow gives inf, underflow 0 (strtod's answer; the text form never needs this).
      const std::string copy(n.digits);
      out = static_cast<F>(std::strtod(copy.c_str(), nullptr));
      return Status::ok_status();
    }
    return error_at(n.start, "malformed number '{}'", n.digits);
  }

  Status to_double(const Number& n, double& out) { return to_real<double, uint64_t>(n, out); }
  Status to_float(const Number& n, float& out) { return to_real<float, uint32_t>(n, out); }

  // ---- constructors ----
  Status math_value(std::string_view name, Type type, Variant& out) {
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
  Status component(const Number& n, E& out, std::string_view name) {
    if constexpr (std::is_same_v<E, float>) {
      (void)name;
      return to_float(n, out);
    } else {
      return to_bounded(n, out, fmt::format("for an int32 component of {}", name));
    }
  }

  // T is a padding-free struct of N components E listed in text order (see the printer).
  template <class T, class E>
  Status math_parts(std::string_view name, Variant& out) {
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
  Status list_until_paren(std::string_view name, Fn&& item) {
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
  Status packed_numbers(std::string_view name, std::vector<E>& out) {
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
  Status packed_structs(std::string_view name, Variant& out) {
    constexpr size_t kArity = sizeof(E) / sizeof(float);
    const size_t start = pos_;
    std::vector<float> flat;
    REEL_RETURN_IF_ERROR(packed_numbers(name, flat));
    if (flat.size() % kArity != 0) {
      return error_at(start, "{} needs a multiple of {} numbers, got {}", name, kArity,
                      flat.size());
    }
    std::vector<E> items(flat.size() / kArity);
    if (!items.empty())
      std::memcpy(static_cast<void*>(items.data()), flat.data(), flat.size() * sizeof(float));
    out = std::move(items);
    return Status::ok_status();
  }

  Status packed_strings(std::string_view name, Variant& out) {
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
  Status packed_bytes(std::string_view name, Variant& out) {
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

  Status base64_decode(size_t at, std::string_view text, PackedByteArray& out) {
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

  Status packed_value(std::string_view name, Type type, Variant& out) {
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
  Status packed_into(std::string_view name, Variant& out) {
    std::vector<E> items;
    REEL_RETURN_IF_ERROR(packed_numbers(name, items));
    out = std::move(items);
    return Status::ok_status();
  }

  // StringName("x") / String("x").
  Status string_ctor_value(std::string_view name, Variant& out) {
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
  Status node_path_value(Variant& out) {
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

  Status typed_argument(Variant& out, Type type, std::string_view what) {
    skip_ws();
    const size_t at = pos_;
    REEL_RETURN_IF_ERROR(value(out));
    if (out.type() != type) {
      return error_at(at, "expected a {} for the {}, found a {}", type_name(type), what,
                      type_name(out.type()));
    }
    return Status::ok_status();
  }

  Status id_argument(uint64_t& id, std::string_view what) {
    Number n;
    REEL_RETURN_IF_ERROR(scan_number(n));
    return to_uint64_id(n, id, what);
  }

  // RID() or RID(id).
  Status rid_value(Variant& out) {
    RID rid;
    REEL_RETURN_IF_ERROR(expect('(', "after RID"));
    if (!accept(')')) {
      REEL_RETURN_IF_ERROR(id_argument(rid.id, "for a RID id"));
      REEL_RETURN_IF_ERROR(expect(')', "after the RID id"));
    }
    out = rid;
    return Status::ok_status();
  }

  Status callable_value(Variant& out) {
    REEL_RETURN_IF_ERROR(expect('(', "after Callable"));
    REEL_RETURN_IF_ERROR(expect(')', "after 'Callable(' (a Callable has no text payload)"));
    out = Callable{};
    return Status::ok_status();
  }

  // Signal() or Signal("name", object_id).
  Status signal_value(Variant& out) {
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
  Status object_value(Variant& out) {
    const size_t at = pos_;
    REEL_RETURN_IF_ERROR(expect('(', "after Object"));
    REEL_RETURN_IF_ERROR(enter(at));
    Status s = object_body(out);
    leave();
    return s;
  }
  Status object_body(Variant& out) {
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

  Status class_name(std::string& out, std::string_view what) {
    skip_ws();
    if (next_is('"')) return quoted(out);
    const std::string_view word = identifier();
    if (word.empty()) return error("expected a class name {}, found {}", what, found());
    out = std::string(word);
    return Status::ok_status();
  }

  // Variant | builtin type name | class name (identifier or quoted) | Resource("script path").
  Status container_type(ContainerType& t) {
    skip_ws();
    if (next_is('"')) {
      t.kind = ContainerKind::kClassName;
      return quoted(t.name);
    }
    const size_t at = pos_;
    const std::string_view word = identifier();
    if (word.empty()) return error("expected a type name, found {}", found());
    if (word == "Variant") return Status::ok_status();
    if (word == "Resource" && next_is('(')) {
      t.kind = ContainerKind::kScript;
      REEL_RETURN_IF_ERROR(expect('(', "after Resource"));
      REEL_RETURN_IF_ERROR(expect_quoted(t.name, "for the script path"));
      return expect(')', "after the script path");
    }
    for (int i = 0; i < kTypeCount; ++i) {
      if (type_name(static_cast<Type>(i)) == word) {
        t.kind = ContainerKind::kBuiltin;
        t.builtin = static_cast<Type>(i);
        return Status::ok_status();
      }
    }
    (void)at;
    t.kind = ContainerKind::kClassName;
    t.name = std::string(word);
    return Status::ok_status();
  }

  Status array_value(Variant& out) {
    Array a;
    REEL_RETURN_IF_ERROR(array_items(a.items));
    out = std::move(a);
    return Status::ok_status();
  }

  // [a, b, ...] at pos_ (which must be '[').
  Status array_items(std::vector<Variant>& items) {
    const size_t open = pos_;
    ++pos_;
    REEL_RETURN_IF_ERROR(enter(open));
    while (!accept(']')) {
      items.emplace_back();
      REEL_RETURN_IF_ERROR(value(items.back()));
      if (accept(']')) break;
      if (!accept(',')) {
        return error("expected ',' or ']' in the array opened at char {}, found {}", open, found());
      }
    }
    leave();
    return Status::ok_status();
  }

  Status dictionary_value(Variant& out) {
    Dictionary d;
    REEL_RETURN_IF_ERROR(dictionary_entries(d));
    out = std::move(d);
    return Status::ok_status();
  }

  // {k: v, ...} at pos_ (which must be '{'). A repeated key keeps its first position and takes
  // the last value, as Godot does.
  Status dictionary_entries(Dictionary& d) {
    const size_t open = pos_;
    ++pos_;
    REEL_RETURN_IF_ERROR(enter(open));
    while (!accept('}')) {
      Variant key, v;
      REEL_RETURN_IF_ERROR(value(key));
      REEL_RETURN_IF_ERROR(expect(':', "after a dictionary key"));
      REEL_RETURN_IF_ERROR(value(v));
      d.set(std::move(key), std::move(v));
      if (accept('}')) break;
      if (!accept(',')) {
        return error("expected ',' or '}}' in the dictionary opened at char {}, found {}", open,
                     found());
      }
    }
    leave();
    return Status::ok_status();
  }

  // Array[T]([...]) or Array([...]).
  Status typed_array_value(Variant& out) {
    Array a;
    if (accept('[')) {
      REEL_RETURN_IF_ERROR(container_type(a.element_type));
      REEL_RETURN_IF_ERROR(expect(']', "after the Array element type"));
    }
    REEL_RETURN_IF_ERROR(expect('(', "after Array[...]"));
    if (!next_is('[')) return error("expected '[' in Array(...), found {}", found());
    REEL_RETURN_IF_ERROR(array_items(a.items));
    REEL_RETURN_IF_ERROR(expect(')', "after the typed Array's elements"));
    out = std::move(a);
    return Status::ok_status();
  }

  // Dictionary[K, V]({...}) or Dictionary({...}).
  Status typed_dictionary_value(Variant& out) {
    Dictionary d;
    if (accept('[')) {
      REEL_RETURN_IF_ERROR(container_type(d.key_type));
      REEL_RETURN_IF_ERROR(expect(',', "between the Dictionary key and value types"));
      REEL_RETURN_IF_ERROR(container_type(d.value_type));
      REEL_RETURN_IF_ERROR(expect(']', "after the Dictionary value type"));
    }
    REEL_RETURN_IF_ERROR(expect('(', "after Dictionary[...]"));
    if (!next_is('{')) return error("expected '{{' in Dictionary(...), found {}", found());
    REEL_RETURN_IF_ERROR(dictionary_entries(d));
    REEL_RETURN_IF_ERROR(expect(')', "after the typed Dictionary's entries"));
    out = std::move(d);
    return Status::ok_status();
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Variant> parse_text(std::string_view text) {
  Parser parser(text);
  Variant out;
  REEL_RETURN_IF_ERROR(parser.document(out));
  return out;
}

}  // namespace reel
