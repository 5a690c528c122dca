// parse_text's lexer: the Parser's cursor, quoted strings with their escapes, and numbers with
// their conversions to the integer and float types the context asks for (text_parser.h).
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "text_parser.h"

namespace reel::text_internal {
namespace {

constexpr int kMaxTextDepth = 1024;  // Godot's MAX_RECURSION_DEPTH
constexpr uint64_t kDefaultNan64 = 0x7ff8000000000000ull;
constexpr uint32_t kDefaultNan32 = 0x7fc00000u;

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

}  // namespace

// ---- low-level cursor ----

std::string Parser::found() const {
  if (pos_ >= s_.size()) return "end of input";
  const auto c = static_cast<unsigned char>(s_[pos_]);
  if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  return fmt::format("byte 0x{:02x}", c);
}

void Parser::skip_ws() {
  while (pos_ < s_.size() &&
         (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
    ++pos_;
  }
}

// Skips white space; true (and consumes it) when the next character is `c`.
bool Parser::accept(char c) {
  skip_ws();
  if (pos_ < s_.size() && s_[pos_] == c) {
    ++pos_;
    return true;
  }
  return false;
}

bool Parser::next_is(char c) {
  skip_ws();
  return pos_ < s_.size() && s_[pos_] == c;
}

Status Parser::expect(char c, std::string_view context) {
  if (accept(c)) return Status::ok_status();
  return error("expected '{}' {}, found {}", c, context, found());
}

std::string_view Parser::identifier() {
  const size_t start = pos_;
  while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
  return s_.substr(start, pos_ - start);
}

// Recursion guard for containers; `enter` fails past kMaxTextDepth.
// `at` is the offset of the opening bracket, reported when the limit is hit.
Status Parser::enter(size_t at) {
  if (++depth_ > kMaxTextDepth) {
    return error_at(at, "nesting deeper than {} levels", kMaxTextDepth);
  }
  return Status::ok_status();
}

// ---- strings ----

// Reads "..." at pos_ (which must be '"') into `out`. Bytes between escapes are copied as-is.
Status Parser::quoted(std::string& out) {
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

Status Parser::hex_digits(size_t count, uint32_t& value, std::string_view what) {
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
Status Parser::escape(std::string& out) {
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
Status Parser::utf16_escape(size_t at, std::string& out) {
  uint32_t unit = 0;
  REEL_RETURN_IF_ERROR(hex_digits(4, unit, "\\u"));
  if (unit >= 0xDC00 && unit <= 0xDFFF) {
    return error_at(at, "unpaired low surrogate \\u{:04x}", unit);
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    if (s_.substr(pos_, 2) != "\\u") {
      return error_at(at, "high surrogate \\u{:04x} must be followed by a \\u low surrogate", unit);
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

Status Parser::expect_quoted(std::string& out, std::string_view context) {
  skip_ws();
  if (pos_ >= s_.size() || s_[pos_] != '"') {
    return error("expected a quoted string {}, found {}", context, found());
  }
  return quoted(out);
}

// ---- numbers ----

bool Parser::match_word(std::string_view word) {
  if (s_.substr(pos_, word.size()) != word) return false;
  const size_t end = pos_ + word.size();
  if (end < s_.size() && is_ident_char(s_[end])) return false;
  pos_ = end;
  return true;
}

Status Parser::scan_number(Number& n) {
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
Status Parser::nan_payload(Number& n) {
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
Status Parser::decimal(Number& n) {
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

Status Parser::end_of_number(const Number&) {
  if (pos_ < s_.size() && (is_ident_char(s_[pos_]) || s_[pos_] == '.')) {
    return error("unexpected {} in a number", found());
  }
  return Status::ok_status();
}

Status Parser::to_uint64(const Number& n, uint64_t& out, std::string_view what) {
  if (n.kind != Number::Kind::kInt) return error_at(n.start, "expected an integer {}", what);
  const auto r =
      std::from_chars(n.digits.data(), n.digits.data() + n.digits.size(), out, n.hex ? 16 : 10);
  if (r.ec != std::errc()) return error_at(n.start, "integer out of range {}", what);
  return Status::ok_status();
}

Status Parser::to_int64(const Number& n, int64_t& out, std::string_view what) {
  uint64_t magnitude = 0;
  REEL_RETURN_IF_ERROR(to_uint64(n, magnitude, what));
  const uint64_t limit = uint64_t{std::numeric_limits<int64_t>::max()} + (n.negative ? 1 : 0);
  if (magnitude > limit) return error_at(n.start, "integer out of range {}", what);
  out = n.negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return Status::ok_status();
}

Status Parser::to_uint64_id(const Number& n, uint64_t& out, std::string_view what) {
  if (n.negative) return error_at(n.start, "expected a non-negative integer {}", what);
  return to_uint64(n, out, what);
}

// F is float or double; U the unsigned integer of the same size.
template <class F, class U>
Status Parser::to_real(const Number& n, F& out) {
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
Status Parser::decimal_to_real(const Number& n, F& out) {
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

Status Parser::to_double(const Number& n, double& out) {
  return to_real<double, uint64_t>(n, out);
}

Status Parser::to_float(const Number& n, float& out) {
  return to_real<float, uint32_t>(n, out);
}

}  // namespace reel::text_internal
