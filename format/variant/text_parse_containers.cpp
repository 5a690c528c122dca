// parse_text's containers: the Parser's readers for Array and Dictionary, plain and typed
// (Array[T](...), Dictionary[K, V](...)), with their element types (text_parser.h).
#include "text_parser.h"

namespace reel::text_internal {

// ---- containers ----
// Variant | builtin type name | class name (identifier or quoted) | Resource("script path").
Status Parser::container_type(ContainerType& t) {
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

Status Parser::array_value(Variant& out) {
  Array a;
  REEL_RETURN_IF_ERROR(array_items(a.items));
  out = std::move(a);
  return Status::ok_status();
}

// [a, b, ...] at pos_ (which must be '[').
Status Parser::array_items(std::vector<Variant>& items) {
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

Status Parser::dictionary_value(Variant& out) {
  Dictionary d;
  REEL_RETURN_IF_ERROR(dictionary_entries(d));
  out = std::move(d);
  return Status::ok_status();
}

// {k: v, ...} at pos_ (which must be '{'). A repeated key keeps its first position and takes
// the last value, as Godot does.
Status Parser::dictionary_entries(Dictionary& d) {
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
Status Parser::typed_array_value(Variant& out) {
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
Status Parser::typed_dictionary_value(Variant& out) {
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

}  // namespace reel::text_internal
