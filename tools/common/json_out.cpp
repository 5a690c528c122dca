#include "json_out.h"

#include <cassert>
#include <cmath>

#include <fmt/format.h>

#include "reel/variant/variant_text.h"

namespace reel::cli {

void JsonWriter::before_value() {
  if (stack_.empty()) {
    assert(out_.empty() && "one top-level value per document");
    return;
  }
  Level& top = stack_.back();
  if (top.is_object) {
    assert(top.key_pending && "a value inside an object needs a key");
    top.key_pending = false;
    return;
  }
  if (top.has_items) out_ += ',';
  top.has_items = true;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  stack_.push_back({true});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  assert(!stack_.empty() && stack_.back().is_object && !stack_.back().key_pending);
  stack_.pop_back();
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  stack_.push_back({false});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  assert(!stack_.empty() && !stack_.back().is_object);
  stack_.pop_back();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  assert(!stack_.empty() && stack_.back().is_object && !stack_.back().key_pending);
  Level& top = stack_.back();
  if (top.has_items) out_ += ',';
  top.has_items = true;
  top.key_pending = true;
  write_string(name);
  out_ += ':';
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  write_string(text);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
  before_value();
  out_ += fmt::format("{}", number);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  before_value();
  if (!std::isfinite(number)) {
    out_ += "null";
  } else {
    // Shortest round-trip form; JSON has no "1." or ".5" and fmt writes neither.
    out_ += fmt::format("{}", number);
  }
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::variant(const Variant& v) {
  begin_object();
  field("type", type_name(v.type()));
  field("text", to_text(v));
  if (const bool* b = v.get_if<bool>()) field("value", *b);
  if (const int64_t* i = v.get_if<int64_t>()) field("value", *i);
  if (const double* d = v.get_if<double>(); d && std::isfinite(*d)) field("value", *d);
  if (const std::string* s = v.get_if<std::string>()) field("value", *s);
  return end_object();
}

void JsonWriter::write_string(std::string_view s) {
  out_ += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out_ += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out_ += c;
        }
    }
  }
  out_ += '"';
}

}  // namespace reel::cli
