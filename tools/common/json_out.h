// A small streaming JSON writer for the `--json` output of the inspecting subcommands.
//
// Output is one compact document (no trailing newline; callers add it). Commas and nesting are
// handled by the writer; misuse (a key outside an object, a value without a key inside one) is a
// programming error caught by assert.
//
// Variants are written as objects (see tools/CLI.md, "JSON output"):
//   {"type": "Vector3", "text": "Vector3(1, 2, 3)"}
// `type` is Godot's type name (reel::type_name), `text` is Godot's text form (reel::to_text, one
// line). bool, int, float and String values also carry "value" with the JSON equivalent
// (non-finite floats have no "value"):
//   {"type": "int", "text": "5", "value": 5}
// Doubles that are not finite are written as null; strings are escaped per RFC 8259 (bytes that
// are not valid UTF-8 are passed through unchanged).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reel/variant/variant.h"

namespace reel::cli {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the next value's key.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(int64_t number);
  JsonWriter& value(int number) { return value(int64_t{number}); }
  JsonWriter& value(double number);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  JsonWriter& variant(const Variant& v);

  // key(name).value(v) in one call.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const { return out_; }
  // True when every begun object/array was ended.
  bool complete() const { return stack_.empty() && !out_.empty(); }

 private:
  void before_value();
  void write_string(std::string_view s);

  struct Level {
    bool is_object;
    bool has_items = false;
    bool key_pending = false;
  };
  std::string out_;
  std::vector<Level> stack_;
};

}  // namespace reel::cli
