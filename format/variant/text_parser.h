// Internals of parse_text (variant_text_parse.cpp): the recursive-descent Parser over Godot's
// Variant text form (grammar in FORMAT.md section 2). One class, its members defined by concern:
//   variant_text_parse.cpp     the entry point and the value dispatch
//   text_parse_lexer.cpp       the cursor, quoted strings and escapes, numbers
//   text_parse_values.cpp      constructors: math types, packed arrays, String/StringName,
//                              NodePath, RID, Callable, Signal, Object
//   text_parse_containers.cpp  Array and Dictionary, plain and typed
// Member templates used by more than one of those files are defined here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reel/variant/variant_text.h"

namespace reel::text_internal {

inline bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}

NodePath node_path_from_string(std::string_view s);  // text_parse_values.cpp

// A scanned number: sign and spelling, converted on demand to the type its context wants.
struct Number {
  enum class Kind { kInt, kFloat, kInf, kNan, kNanPayload };
  size_t start = 0;  // offset of the first character (sign included)
  Kind kind = Kind::kInt;
  bool negative = false;
  bool hex = false;
  std::string_view digits;  // kInt/kFloat: the text without sign and "0x"; kNanPayload: hex digits
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  // The whole input is one value, then optional white space.
  Status document(Variant& out);

 private:
  // ---- low-level cursor (text_parse_lexer.cpp) ----
  template <class... Args>
  Status error_at(size_t at, fmt::format_string<Args...> f, Args&&... args) {
    return Status::invalid_argument("at char {}: {}", at,
                                    fmt::format(f, std::forward<Args>(args)...));
  }

  template <class... Args>
  Status error(fmt::format_string<Args...> f, Args&&... args) {
    return error_at(pos_, f, std::forward<Args>(args)...);
  }

  std::string found() const;
  void skip_ws();
  bool accept(char c);
  bool next_is(char c);
  Status expect(char c, std::string_view context);
  std::string_view identifier();
  Status enter(size_t at);
  void leave() { --depth_; }

  // ---- strings (text_parse_lexer.cpp) ----
  Status quoted(std::string& out);
  Status hex_digits(size_t count, uint32_t& value, std::string_view what);
  Status escape(std::string& out);
  Status utf16_escape(size_t at, std::string& out);
  Status expect_quoted(std::string& out, std::string_view context);

  // ---- numbers (text_parse_lexer.cpp) ----
  bool match_word(std::string_view word);
  Status scan_number(Number& n);
  Status nan_payload(Number& n);
  Status decimal(Number& n);
  Status end_of_number(const Number&);
  Status to_uint64(const Number& n, uint64_t& out, std::string_view what);
  Status to_int64(const Number& n, int64_t& out, std::string_view what = "for int");
  Status to_uint64_id(const Number& n, uint64_t& out, std::string_view what);

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

  template <class F, class U>
  Status to_real(const Number& n, F& out);
  template <class F>
  Status decimal_to_real(const Number& n, F& out);
  Status to_double(const Number& n, double& out);
  Status to_float(const Number& n, float& out);

  // ---- values (variant_text_parse.cpp) ----
  Status value(Variant& out);
  Status prefixed_string(Variant& out);
  Status number_value(Variant& out);
  Status word_value(Variant& out);

  // ---- constructors (text_parse_values.cpp) ----
  Status math_value(std::string_view name, Type type, Variant& out);
  template <class E>
  Status component(const Number& n, E& out, std::string_view name);
  template <class T, class E>
  Status math_parts(std::string_view name, Variant& out);
  template <class Fn>
  Status list_until_paren(std::string_view name, Fn&& item);
  template <class E>
  Status packed_numbers(std::string_view name, std::vector<E>& out);
  template <class E>
  Status packed_structs(std::string_view name, Variant& out);
  Status packed_strings(std::string_view name, Variant& out);
  Status packed_bytes(std::string_view name, Variant& out);
  Status base64_decode(size_t at, std::string_view text, PackedByteArray& out);
  Status packed_value(std::string_view name, Type type, Variant& out);
  template <class E>
  Status packed_into(std::string_view name, Variant& out);
  Status string_ctor_value(std::string_view name, Variant& out);
  Status node_path_value(Variant& out);
  Status typed_argument(Variant& out, Type type, std::string_view what);
  Status id_argument(uint64_t& id, std::string_view what);
  Status rid_value(Variant& out);
  Status callable_value(Variant& out);
  Status signal_value(Variant& out);
  Status object_value(Variant& out);
  Status object_body(Variant& out);
  Status class_name(std::string& out, std::string_view what);

  // ---- containers (text_parse_containers.cpp) ----
  Status container_type(ContainerType& t);
  Status array_value(Variant& out);
  Status array_items(std::vector<Variant>& items);
  Status dictionary_value(Variant& out);
  Status dictionary_entries(Dictionary& d);
  Status typed_array_value(Variant& out);
  Status typed_dictionary_value(Variant& out);

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace reel::text_internal
